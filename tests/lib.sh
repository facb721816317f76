# TAP helpers for the shell tests.  Each test sources this file, calls
# `check DESCRIPTION COMMAND...` or `ok`/`not_ok`, and ends with `finish`.
set -u
# Files made with '>' take the umask: under 002 a peers or settings file
# would be group-writable, which the mechanism refuses.
umask 022
tap_count=0
tap_failed=0
tap_log=$(mktemp)
trap 'rm -f "$tap_log"' EXIT

ok() {
	tap_count=$((tap_count + 1))
	echo "ok $tap_count - $*"
}

not_ok() {
	tap_count=$((tap_count + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_count - $*"
}

# check DESCRIPTION COMMAND...: passes when COMMAND exits 0; its output is
# shown as TAP diagnostics when it fails.
check() {
	description=$1
	shift
	if "$@" >"$tap_log" 2>&1; then
		ok "$description"
	else
		not_ok "$description"
		sed 's/^/# /' "$tap_log"
	fi
}

skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

bail_out() {
	echo "Bail out! $*"
	exit 1
}

finish() {
	echo "1..$tap_count"
	[ "$tap_failed" -eq 0 ]
}

# make_scratch: $scratch becomes a directory removed when the test ends.
make_scratch() {
	scratch=$(mktemp -d /tmp/gss-sodium-test.XXXXXX) || bail_out "no scratch directory"
	trap 'rm -f "$tap_log"; rm -rf "$scratch"' EXIT
}

. "$abs_top_srcdir/scripts/ports.sh"

# stop_process PID: TERM, ten seconds to go, then KILL; reaps it.
stop_process() {
	kill "$1" 2>/dev/null
	tries=0
	while kill -0 "$1" 2>/dev/null && [ $tries -lt 100 ]; do
		sleep 0.1
		tries=$((tries + 1))
	done
	kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# require_packages PACKAGE...: skip the test unless the Debian packages are
# installed.  Tests never install: the README's test command (scripts/test)
# installs every package they use up front.
require_packages() {
	missing=""
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing="$missing $p"
	done
	[ -z "$missing" ] ||
		skip_all "needs the Debian packages$missing (scripts/test installs them)"
}

# heimdal_setup: skip unless Heimdal's library and root are here; make the
# probe's key files (probe-setup.sh) and $scratch/etc-gss/mech, the file a
# test bind-mounts over /etc/gss in a private mount namespace.
heimdal_setup() {
	[ -n "$HEIMDAL_GSSAPI" ] ||
		skip_all "Heimdal's libgssapi is not installed (Debian package libgssapi3-heimdal)"
	[ "$(id -u)" -eq 0 ] || skip_all "needs root for unshare -m and a bind mount"
	[ -d /etc/gss ] || bail_out "/etc/gss does not exist to bind-mount over"
	make_scratch
	. "$abs_top_srcdir/tests/probe-setup.sh"
	mkdir "$scratch/etc-gss" && cp "$scratch/mech" "$scratch/etc-gss/mech" ||
		bail_out "cannot write $scratch/etc-gss"
}

tool="$abs_top_builddir/tools/gss-sodium"
module="$abs_top_builddir/mech/.libs/mech_sodium.so"

# $foreign, put unquoted before a program this project did not build that
# loads the module (gss-server, gss-client, python3, apache2): in a
# --enable-sanitizers build such a program needs the ASan runtime
# (SANITIZER_PRELOAD, from configure) preloaded to load the instrumented
# module, and runs without leak detection, since its own leaks are not
# this project's; otherwise $foreign is empty.  A command prefix rather
# than a function, so that after `$foreign PROGRAM &` $! is the program.
foreign=
if [ -n "${SANITIZER_PRELOAD:-}" ]; then
	foreign="env LD_PRELOAD=$SANITIZER_PRELOAD${LD_PRELOAD:+:$LD_PRELOAD}"
	foreign="$foreign ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
fi
# $foreign_late, the same for a program that cannot run with the ASan
# runtime preloaded: curl (libp11-kit's constructor calls newlocale before
# the preloaded runtime has let libc finish initialising, and curl's first
# setlocale then hangs).  The runtime comes in later, with the module,
# and checks the module's stack and global accesses, not its heap.
foreign_late=
if [ -n "${SANITIZER_PRELOAD:-}" ]; then
	foreign_late="env ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0:verify_asan_link_order=0"
fi
