#!/bin/sh
# make installcheck: the INSTALLED files work.  Prints TAP and exits
# nonzero when a check fails.  The install locations come from the
# environment, as install.inc's installcheck-local passes them:
#   DESTDIR bindir moduledir sysconfdir mandir docdir includedir MECH_OID
# (the values configure gave, without DESTDIR; DESTDIR may be empty).
# tests/debian-package.sh runs it too, on the unpacked .deb files.
#
# Under DESTDIR the mechglue line names the module by its final path, which
# does not exist yet; the mechglue checks then load the module through a
# scratch copy of that line with the DESTDIR prefix added.
here=$(cd "$(dirname "$0")" && pwd)
abs_top_srcdir=${abs_top_srcdir:-$(dirname "$here")}
abs_top_builddir=${abs_top_builddir:-}
. "$here/lib.sh"

for v in bindir moduledir sysconfdir mandir docdir includedir MECH_OID; do
	eval "test -n \"\${$v:-}\"" || bail_out "installcheck.sh: $v is not set"
done
DESTDIR=${DESTDIR:-}
tool="$DESTDIR$bindir/gss-sodium"
module_path="$moduledir/mech_sodium.so"   # the path programs will load
module="$DESTDIR$module_path"             # where it is now
mechconf="$DESTDIR$sysconfdir/gss/mech.d/sodium.conf"
make_scratch
cd "$scratch" || bail_out "cannot enter $scratch"
unset GSS_SODIUM_KEYTAB GSS_SODIUM_IDENTITY GSS_SODIUM_PEERS GSS_SODIUM_CONF \
	GSS_SODIUM_SEALKEYS GSS_SODIUM_TRACE GSS_MECH_CONFIG

# ---- the tool ---------------------------------------------------------------
check "the tool is installed and executable: $tool" test -x "$tool"
check "gss-sodium --help exits 0 and shows usage" \
	sh -c "\"$tool\" --help | grep -q '^usage: gss-sodium'"
check "gss-sodium keygen makes a key in a scratch directory" \
	sh -c "\"$tool\" keygen HTTP@web.example -f keytab >>peers 2>/dev/null &&
		test \"\$(stat -c %a keytab)\" = 600 && grep -q '^HTTP@web.example ' peers"
"$tool" keygen alice -f identity >>peers 2>/dev/null
"$tool" sealkey new -f sealkeys >/dev/null 2>&1
echo "rcache_dir = $scratch/rcache" >sodium.conf
export GSS_SODIUM_KEYTAB="$scratch/keytab" GSS_SODIUM_IDENTITY="$scratch/identity" \
	GSS_SODIUM_PEERS="$scratch/peers" GSS_SODIUM_CONF="$scratch/sodium.conf" \
	GSS_SODIUM_SEALKEYS="$scratch/sealkeys"
check "gss-sodium check accepts the scratch key files" "$tool" check

# ---- the sample settings file -----------------------------------------------
sample="$DESTDIR$docdir/sodium.conf.sample"
[ -f "$sample" ] || { [ -f "$sample.gz" ] && gzip -dc "$sample.gz" >sample && sample="$scratch/sample"; }
check "the sample settings file is installed in $docdir" test -f "$sample"
check "gss-sodium check accepts the sample settings file" \
	env GSS_SODIUM_CONF="$sample" "$tool" check

# ---- the header -------------------------------------------------------------
header="$DESTDIR$includedir/gssapi/gssapi_sodium.h"
if [ -f "$header" ]; then
	check "the installed header names the mechanism OID $MECH_OID" \
		grep -q "^#define GSS_SODIUM_MECH_OID_STRING \"$MECH_OID\"$" "$header"
	cc=${CC:-cc}
	if command -v "${cc%% *}" >/dev/null 2>&1; then
		printf '#include <gssapi/gssapi_sodium.h>\nint main(void) { return GSS_SODIUM_S_NO_MEMORY == 0; }\n' >hdr.c
		# shellcheck disable=SC2086
		check "the installed header compiles on its own" \
			$cc -I"$DESTDIR$includedir" -fsyntax-only hdr.c
	else
		ok "the installed header compiles on its own # SKIP no C compiler"
	fi
else
	ok "the installed header # SKIP not installed here (the -dev package holds it)"
fi

# ---- the mechglue line and the module ---------------------------------------
check "the mechglue line is installed: $mechconf" test -f "$mechconf"
line=$(grep -v '^[[:space:]]*#' "$mechconf" 2>/dev/null | grep -v '^[[:space:]]*$')
set -- $line
check "the mechglue file holds exactly one line 'sodium OID PATH'" \
	test "$(printf '%s\n' "$line" | wc -l)" -eq 1 -a $# -eq 3 -a "${1:-}" = sodium
# same ACTUAL EXPECTED: equal strings, or both shown.
same() {
	[ "$1" = "$2" ] || { echo "found '$1', expected '$2'"; false; }
}
check "the mechglue line names the OID $MECH_OID" same "${2:-}" "$MECH_OID"
check "the mechglue line names the installed module $module_path" \
	same "${3:-}" "$module_path"
check "the module is installed: $module" test -f "$module"
check "no libtool archive is left beside the module" test ! -e "$DESTDIR$moduledir/mech_sodium.la"
if command -v readelf >/dev/null 2>&1; then
	check "the module links no GSS-API library (MIT and Heimdal can both load it)" \
		sh -c "readelf -d \"$module\" >dyn && ! grep -Eq 'NEEDED.*libgssapi' dyn"
fi

# The mechglue reads the installed line; under DESTDIR, a copy with the
# prefix added.
if [ -n "$DESTDIR" ]; then
	echo "sodium $MECH_OID $module" >mech
	export GSS_MECH_CONFIG="$scratch/mech"
else
	export GSS_MECH_CONFIG="$mechconf"
fi
if /usr/bin/python3 -c 'import gssapi' 2>/dev/null; then
	# gss_indicate_mechs lists every configured line without loading it;
	# gss_inquire_names_for_mech loads the module.
	check "MIT's mechglue lists the mechanism (gss_indicate_mechs)" /usr/bin/python3 -c '
import os, gssapi, gssapi.raw as r
oid = gssapi.OID.from_int_seq(os.environ["MECH_OID"])
assert oid in r.indicate_mechs(), [str(m) for m in r.indicate_mechs()]'
	check "MIT's mechglue loads the module (gss_inquire_names_for_mech)" /usr/bin/python3 -c '
import os, gssapi, gssapi.raw as r
oid = gssapi.OID.from_int_seq(os.environ["MECH_OID"])
names = r.inquire_names_for_mech(oid)
assert gssapi.NameType.hostbased_service in names, names'
	check "a context, wrap/unwrap and a sealed export/import through the installed module" \
		/usr/bin/python3 -c '
import os, gssapi, gssapi.raw as r
oid = gssapi.OID.from_int_seq(os.environ["MECH_OID"])
target = gssapi.Name("HTTP@web.example", gssapi.NameType.hostbased_service)
init = gssapi.SecurityContext(name=target, mech=oid, usage="initiate")
acc = gssapi.SecurityContext(usage="accept")
reply = acc.step(init.step())
if reply is not None:
    init.step(reply)
assert init.complete and acc.complete, "the context did not open"
assert str(acc.initiator_name) == "alice", str(acc.initiator_name)
assert acc.mech == oid
msg = init.wrap(b"through the installed module", True).message
assert acc.unwrap(msg).message == b"through the installed module"
token = acc.export()
assert b"through" not in token
acc2 = gssapi.SecurityContext(token=token)
msg = init.wrap(b"after the import", True).message
assert acc2.unwrap(msg).message == b"after the import"'
else
	ok "MIT's mechglue loads the module # SKIP python3-gssapi is not installed (Debian package python3-gssapi)"
fi

# ---- the manual pages -------------------------------------------------------
pages=""
for page in man1/gss-sodium.1 man5/sodium.conf.5 man7/gss_sodium.7; do
	for f in "$DESTDIR$mandir/$page" "$DESTDIR$mandir/$page.gz"; do
		[ -f "$f" ] && pages="$pages $f"
	done
done
if [ -z "$pages" ]; then
	ok "the manual pages render # SKIP none installed in $mandir"
elif ! command -v groff >/dev/null 2>&1; then
	ok "the manual pages render # SKIP groff is not installed (Debian package groff-base)"
else
	for f in $pages; do
		# groff warns on stderr about anything it cannot format.
		check "$(basename "$f") renders without warnings" sh -c "
			case \"$f\" in *.gz) gzip -dc \"$f\" ;; *) cat \"$f\" ;; esac >page &&
			LC_ALL=C.UTF-8 groff -mandoc -Tutf8 -ww -t page >out 2>err &&
			test ! -s err && test -s out || { cat err; false; }"
	done
fi

finish
