#!/bin/sh
# valgrind's memcheck over the programs that run the module in process:
# the mechglue probes (MIT's, and Heimdal's in a private mount namespace),
# a cross-mechglue pair (MIT-linked initiator, Heimdal-linked acceptor),
# the unit suites that establish, export and import contexts and handle
# keys, the thread stress test and the tool.  One TAP line per program: it
# passes when the program passes and memcheck found no error and no
# definitely or indirectly lost block in any of its processes (the Check
# suites fork one per test).  Still-reachable memory (libsodium's, the
# mechglue's list of loaded modules, the cached settings and keyring) is
# one-time and allowed.  tests/valgrind.supp suppresses only the system
# libraries' own leaks, each with its reason.
. "$abs_top_srcdir/tests/lib.sh"

[ -z "${SANITIZER_PRELOAD:-}" ] ||
	skip_all "built with --enable-sanitizers; valgrind cannot run AddressSanitizer programs"
command -v valgrind >/dev/null 2>&1 || skip_all "valgrind is not installed (Debian package valgrind)"
make_scratch
. "$abs_top_srcdir/tests/probe-setup.sh"
mkdir "$scratch/vg" "$scratch/out" || bail_out "cannot write $scratch"

# $scratch/memcheck NAME PROGRAM ARGS...: PROGRAM under memcheck, each of
# its processes logging to $scratch/vg/NAME.PID.  A script rather than a
# function, so that it runs inside unshare and sh -c as well.
cat >"$scratch/memcheck" <<EOF || bail_out "cannot write $scratch/memcheck"
#!/bin/sh
name=\$1
shift
exec valgrind --error-exitcode=99 --leak-check=full \\
	--errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \\
	--suppressions="$abs_top_srcdir/tests/valgrind.supp" --num-callers=30 \\
	--log-file="$scratch/vg/\$name.%p" "\$@"
EOF
chmod +x "$scratch/memcheck"

# report NAME STATUS: the TAP line for one program's run.
report() {
	set -- "$1" "$2" $(cat "$scratch/vg/$1".* 2>/dev/null | awk '
		/ERROR SUMMARY:/ { for (i = 1; i < NF; i++) if ($i == "SUMMARY:") errors += $(i + 1) }
		/definitely lost:/ { gsub(",", "", $4); definite += $4 }
		/indirectly lost:/ { gsub(",", "", $4); indirect += $4 }
		END { printf "%d %d %d", errors, definite, indirect }')
	processes=$(ls "$scratch/vg/$1".* 2>/dev/null | wc -l)
	what="memcheck: $1: $3 errors, $4 bytes definitely and $5 indirectly lost ($processes processes)"
	if [ "$2" -eq 0 ] && [ "$3" -eq 0 ] && [ "$4" -eq 0 ] && [ "$5" -eq 0 ] &&
		[ "$processes" -gt 0 ]; then
		ok "$what"
	else
		not_ok "$what, exit status $2"
		grep -E '^not ok|^# first failure|Bail out|failed' "$scratch/out/$1" | head -n 20 | sed 's/^/# output: /'
		for log in "$scratch/vg/$1".*; do
			grep -q 'ERROR SUMMARY: 0 errors' "$log" 2>/dev/null ||
				sed -n '/HEAP SUMMARY/q; /Command:/,$p' "$log"
			sed -En '/(definitely|indirectly) lost in/,/^==[0-9]+== $/p' "$log"
		done 2>/dev/null | head -n 200 | sed 's/^/# /'
	fi
}

# memcheck NAME PROGRAM ARGS...: the program under memcheck, its output in
# $scratch/out/NAME, and its TAP line.
memcheck() {
	name=$1
	shift
	"$scratch/memcheck" "$name" "$@" >"$scratch/out/$name" 2>&1
	report "$name" $?
}

# ---- the mechglue probes -----------------------------------------------------
GSS_MECH_CONFIG="$scratch/mech" memcheck mechglue_probe_mit \
	"$abs_top_builddir/tests/mechglue_probe_mit"
GSS_MECH_CONFIG="$scratch/mech" memcheck mechinfo_probe_mit \
	"$abs_top_builddir/tests/mechinfo_probe_mit" closed

# Heimdal reads only /etc/gss/mech: a scratch directory covers /etc/gss in
# a private mount namespace, as in tests/heimdal-mechglue.sh.
namespace=
if [ -n "$HEIMDAL_GSSAPI" ] && [ "$(id -u)" -eq 0 ] && [ -d /etc/gss ] &&
	unshare -m true 2>/dev/null; then
	mkdir "$scratch/etc-gss" && cp "$scratch/mech" "$scratch/etc-gss/mech" ||
		bail_out "cannot write $scratch/etc-gss"
	namespace=yes
fi
if [ -n "$namespace" ]; then
	# shellcheck disable=SC2016  # expanded by the inner shell
	unshare -m sh -c 'mount --bind "$0/etc-gss" /etc/gss && exec "$@"' "$scratch" \
		"$scratch/memcheck" mechglue_probe_heimdal \
		"$abs_top_builddir/tests/mechglue_probe_heimdal" \
		>"$scratch/out/mechglue_probe_heimdal" 2>&1
	report mechglue_probe_heimdal $?

	# An MIT-linked initiator and a Heimdal-linked acceptor, both under
	# memcheck, joined by two fifos (as in tests/cross-mechglue.sh).
	mkfifo "$scratch/to-acceptor" "$scratch/to-initiator" || bail_out "mkfifo failed"
	# shellcheck disable=SC2016  # expanded by the inner shell
	CROSSGLUE_PEER_GLUE=MIT unshare -m sh -c '
		mount --bind "$1/etc-gss" /etc/gss || exit 3
		# Each end opens its writing fifo first, so the opens pair up.
		timeout 120 "$1/memcheck" crossglue_mit "$2" initiate HTTP@web.example \
			>"$1/to-acceptor" <"$1/to-initiator" 2>"$1/out/crossglue_mit" &
		init=$!
		timeout 120 "$1/memcheck" crossglue_heimdal "$3" accept alice \
			<"$1/to-acceptor" >"$1/to-initiator" 2>"$1/out/crossglue_heimdal"
		echo $? >"$1/crossglue_heimdal.rc"
		wait $init
		echo $? >"$1/crossglue_mit.rc"' unshare "$scratch" \
		"$abs_top_builddir/tests/crossglue_mit" "$abs_top_builddir/tests/crossglue_heimdal"
	report crossglue_mit "$(cat "$scratch/crossglue_mit.rc" 2>/dev/null || echo 1)"
	report crossglue_heimdal "$(cat "$scratch/crossglue_heimdal.rc" 2>/dev/null || echo 1)"
else
	for name in mechglue_probe_heimdal crossglue_mit crossglue_heimdal; do
		ok "memcheck: $name # SKIP needs root, unshare -m and Heimdal's libgssapi"
	done
fi

# ---- unit suites, the thread stress test, the tool ---------------------------
# The Check suites go on forking one process per test (their tests rely on
# it: settings are read once per process); memcheck follows each fork.
for suite in check_context check_message check_export check_hygiene check_creds check_keyring \
	check_keyfile check_filecache check_secmem; do
	if [ -x "$abs_top_builddir/tests/$suite" ]; then
		CK_TIMEOUT_MULTIPLIER=10 memcheck "$suite" "$abs_top_builddir/tests/$suite"
	else
		ok "memcheck: $suite # SKIP not built (configure found no Check)"
	fi
done
# Four threads, three rounds each and more for two seconds, so that the
# keyring is read again meanwhile; memcheck runs one thread at a time.
memcheck threads "$abs_top_builddir/tests/threads" 4 3 2

unset GSS_SODIUM_KEYTAB GSS_SODIUM_IDENTITY GSS_SODIUM_PEERS GSS_SODIUM_CONF GSS_SODIUM_TRACE
memcheck tool-keygen "$tool" keygen carol -f "$scratch/tool-identity"
memcheck tool-sealkey "$tool" sealkey new -f "$scratch/tool-sealkeys"
GSS_SODIUM_KEYTAB="$scratch/keytab" GSS_SODIUM_IDENTITY="$scratch/identity" \
	GSS_SODIUM_PEERS="$scratch/peers" GSS_SODIUM_CONF="$scratch/sodium.conf" \
	GSS_SODIUM_SEALKEYS="$scratch/sealkeys" memcheck tool-check "$tool" check

finish
