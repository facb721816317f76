#!/bin/sh
# The manual pages: each renders without a groff warning, and each names
# what the code has: sodium.conf(5) every setting of mech/settings.c (with
# its type and the sample's default) and every variable and default file of
# mech/files.c; gss_sodium(7) every minor status code of the public header,
# with its number; gss-sodium(1) every command, sealkey command and option
# of the tool.
. "$abs_top_srcdir/tests/lib.sh"
LC_ALL=C
export LC_ALL

command -v groff >/dev/null || skip_all "groff is not installed (Debian package groff-base)"
[ -x "$tool" ] || bail_out "$tool is not built"
make_scratch
src=$abs_top_srcdir
doc=$src/doc
pages="gss-sodium.1 sodium.conf.5 gss_sodium.7"

# lint PAGE: groff's warnings, all of them, are failures.
lint() {
	groff -man -Tutf8 -ww -z "$1" >"$scratch/lint" 2>&1
	rc=$?
	cat "$scratch/lint"
	[ $rc -eq 0 ] && [ ! -s "$scratch/lint" ]
}

# Plain text of a page, one paragraph per line: the line length is so
# long that no word is broken or hyphenated.  Leading blanks are removed.
render() {
	groff -man -Tascii -P-cbou -rLL=4000n "$doc/$1" 2>/dev/null | sed 's/^ *//'
}

# has PAGE REGEX: the rendered page has a line matching the extended REGEX.
has() {
	grep -Eq -- "$2" "$scratch/$1.txt" ||
		{ echo "no line of $1 matches: $2"; return 1; }
}

# has_word PAGE WORD: WORD occurs in the rendered page as a whole word.
has_word() {
	grep -Fqw -- "$2" "$scratch/$1.txt" ||
		{ echo "$1 does not mention $2"; return 1; }
}

for page in $pages; do
	check "$page exists" test -f "$doc/$page"
	check "$page renders without a groff warning" lint "$doc/$page"
	check "$page is ASCII without control characters" \
		sh -c "! grep -n '[^ -~	]' '$doc/$page'"
	th=$(sed -n 's/^\.TH \([^ ]*\) \([^ ]*\) .*/\1.\2/p' "$doc/$page" | sed 's/\\-/-/g' |
		tr 'A-Z' 'a-z')
	check "$page: .TH names the page ($th)" test "$th" = "$page"
	section=${page##*.}
	check "$page is installed (dist_man${section}_MANS in doc/Makefile.inc)" \
		grep -Eq "^dist_man${section}_MANS *=.*doc/$page" "$doc/Makefile.inc"
	render "$page" >"$scratch/$page.txt"
	# SEE ALSO names the other two pages.
	sed -n '/^SEE ALSO$/,$p' "$scratch/$page.txt" >"$scratch/$page.seealso"
	for other in $pages; do
		[ "$other" = "$page" ] && continue
		ref="${other%.*}(${other##*.})"
		check "$page: SEE ALSO names $ref" grep -Fq "$ref" "$scratch/$page.seealso"
	done
done

# ---- sodium.conf(5): settings, variables, files -----------------------------

table=$(sed -n '/settings_table\[\] = {/,/^};/s/^[[:space:]]*{ "\([a-z_]*\)", \([A-Z_]*\),.*/\1 \2/p' \
	"$src/mech/settings.c")
check "the settings table of mech/settings.c was found" test -n "$table"
echo "$table" | while read -r name type; do
	case $type in
	DURATION) word=duration ;;
	BOOLEAN) word=boolean ;;
	ABSOLUTE_PATH) word=path ;;
	SIZE) word=size ;;
	LOCALNAME_POLICY) word=choice ;;
	REPLAY_STORE) word=store ;;
	MILLISECONDS) word=milliseconds ;;
	TICKET_CACHE) word=choice ;;
	*) word="unknown type $type" ;;
	esac
	echo "$name $word"
done >"$scratch/settings"
while read -r name word; do
	check "sodium.conf.5 documents $name as a $word" \
		has sodium.conf.5 "^$name \\($word, default "
done <"$scratch/settings"

# The defaults the sample settings file gives ('#key = value').
sed -n 's/^#\([a-z_]*\) = \(..*\)$/\1 \2/p' "$src/conf/sodium.conf.sample" >"$scratch/defaults"
check "conf/sodium.conf.sample gives defaults" test -s "$scratch/defaults"
while read -r name value; do
	check "sodium.conf.5 gives $name the sample's default $value" \
		has sodium.conf.5 "^$name \\([a-z]+, default $value\\)$"
	check "sodium.conf.5's example sets $name = $value" \
		has sodium.conf.5 "^$name = $value$"
done <"$scratch/defaults"

# Every environment variable the mechanism reads.
{
	grep -oh '"GSS_SODIUM_[A-Z_]*"' "$src/mech/files.c" "$src/mech/trace.c" | tr -d '"'
	grep -oh 'secure_getenv("[A-Z_]*")' "$src"/mech/*.c | sed 's/.*("\(.*\)")/\1/'
} | sort -u >"$scratch/variables"
check "mech/files.c names GSS_SODIUM_ variables" grep -q '^GSS_SODIUM_' "$scratch/variables"
while read -r variable; do
	check "sodium.conf.5 documents $variable" has_word sodium.conf.5 "$variable"
done <"$scratch/variables"

# Every default file: SYSTEM_DIR "/FILE", SYSTEM_DIR being configure's
# default keydir, and the user's USER_SUBDIR files.
system_dir=$(sed -n 's/^  \[keydir=\(\/.*\)\],$/\1/p' "$src/configure.ac")
user_subdir=$(sed -n 's/^#define USER_SUBDIR "\(.*\)"$/\1/p' "$src/mech/files.c")
check "configure.ac's default keydir is SYSTEM_DIR, and files.c defines USER_SUBDIR" \
	sh -c "test -n '$system_dir' -a -n '$user_subdir' &&
		grep -q '^#define SYSTEM_DIR SM_KEYDIR\$' '$src/mech/files.c'"
for file in $(grep -o 'SYSTEM_DIR "/[a-z.]*"' "$src/mech/files.c" | sed 's/.*"\/\(.*\)"/\1/'); do
	check "sodium.conf.5 names $system_dir/$file" has sodium.conf.5 "$system_dir/$file"
done
for file in $(sed -n 's/.*[^"]"GSS_SODIUM_[A-Z]*", [^,]*, "\([a-z]*\)",.*/\1/p' "$src/mech/files.c"); do
	check "sodium.conf.5 names the user's $user_subdir/$file" \
		has sodium.conf.5 "\\\$XDG_CONFIG_HOME/$user_subdir/$file"
done

# The replay caches' default directory and file names.
below=$(sed -n 's/^const char sm_rcache_default_dir\[\] = SM_LOCALSTATEDIR "\(.*\)";$/\1/p' "$src/mech/rcache.c")
check "mech/rcache.c puts the default cache directory below SM_LOCALSTATEDIR" test -n "$below"
check "sodium.conf.5 gives rcache_dir's default LOCALSTATEDIR$below" \
	has sodium.conf.5 "^rcache_dir \\(path, default LOCALSTATEDIR$below\\)$"
for use in $(sed -n 's/^\t\[SM_RCACHE_[A-Z]*\] = { "\([a-z]*\)",.*/\1/p' "$src/mech/rcache.c"); do
	check "sodium.conf.5 names the $use cache file" has sodium.conf.5 "$use-HASH\\.rcache"
done

# The credential store keys of the public header.
for key in $(sed -n 's/^#define GSS_SODIUM_CRED_STORE_[A-Z]* "\(.*\)"$/\1/p' \
	"$src/include/gssapi/gssapi_sodium.h.in"); do
	check "sodium.conf.5 documents the credential store key $key" has_word sodium.conf.5 "$key"
done

# ---- gss_sodium(7): every minor status code, with its number ---------------

header=$src/include/gssapi/gssapi_sodium.h.in
base=$(sed -n 's/^#define GSS_SODIUM_MINOR_BASE \(0x[0-9a-fA-F]*\)u*$/\1/p' "$header")
check "the header defines GSS_SODIUM_MINOR_BASE" test -n "$base"
sed -n '/^enum gss_sodium_minor {/,/^};/p' "$header" | grep 'GSS_SODIUM_' >"$scratch/enum"
# The enum numbers the codes of the one list from BASE + 1, one after the
# other.
check "the minor status enum starts after GSS_SODIUM_MINOR_BASE and has no other value" \
	sh -c "head -n1 '$scratch/enum' | grep -q '= GSS_SODIUM_MINOR_BASE,' &&
		test \$(grep -c = '$scratch/enum') -eq 1 &&
		grep -q 'GSS_SODIUM_MINOR_STATUSES(GSS_SODIUM_MINOR_ENUM_)' '$scratch/enum'"
sed -n 's/^\tX(\([A-Z_]*\), ".*$/GSS_SODIUM_S_\1/p' "$header" >"$scratch/codes"
check "the header has minor status codes" test -s "$scratch/codes"
number=$(printf '%d' "${base:-0}")
while read -r code; do
	number=$((number + 1))
	check "gss_sodium.7 explains $code ($number)" has gss_sodium.7 "^$code \\($number\\)$"
done <"$scratch/codes"
check "gss_sodium.7 names the mechanism OID of this build" \
	has_word gss_sodium.7 "${MECH_OID:-1.3.6.1.4.1.32473.29.1}"

# ---- gss-sodium(1): every command, sealkey command and option -------------

"$tool" --help >"$scratch/help"
sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z]*\) .*/\1/p' "$scratch/help" >"$scratch/commands"
check "gss-sodium --help lists commands" test -s "$scratch/commands"
while read -r command; do
	check "gss-sodium.1 shows 'gss-sodium $command' and has a section for it" \
		sh -c "grep -Fq 'gss-sodium $command' '$scratch/gss-sodium.1.txt' &&
			grep -Eq '^$command( |\$)' '$scratch/gss-sodium.1.txt'"
done <"$scratch/commands"
"$tool" sealkey --help >"$scratch/sealkey-help"
sed -n 's/^\(usage:\)\{0,1\} *gss-sodium sealkey \([a-z][a-z]*\).*/\2/p' "$scratch/sealkey-help" \
	>"$scratch/sealkey-commands"
check "gss-sodium sealkey --help lists commands" test -s "$scratch/sealkey-commands"
while read -r command; do
	check "gss-sodium.1 has a section for sealkey $command" \
		has gss-sodium.1 "^sealkey $command( |\$)"
done <"$scratch/sealkey-commands"
grep -o 'strcmp(argv\[[a-z0-9]*\], "-[-a-z]*")' "$src"/tools/*.c |
	sed 's/.*"\(.*\)")$/\1/' | sort -u >"$scratch/options"
check "the tool has options" test -s "$scratch/options"
while read -r option; do
	check "gss-sodium.1 documents $option" has gss-sodium.1 "(^|[^-a-z])$option([^-a-z]|\$)"
done <"$scratch/options"
for status in $(sed -n 's/^#define EXIT_[A-Z]* \([0-9]*\)$/\1/p' "$src"/tools/*.[ch]) 0; do
	check "gss-sodium.1 explains exit status $status" has gss-sodium.1 "^$status +[A-Z]"
done

finish
