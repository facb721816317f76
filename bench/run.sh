#!/bin/sh
# make bench: times MIT krb5's Kerberos mechanism and gss-sodium through
# MIT's mechglue (bench/bench), then writes a CSV and a PNG plot.
#
# usage: run.sh [--quick] [CSV]
#   CSV defaults to bench/results.csv in the build tree; the plot is written
#   beside it with .png for .csv.  --quick is a smoke test, not a measurement.
#
# krb5 needs a KDC: a throwaway MIT krb5kdc (tests/kdc.sh, shared with the
# tests) with its own realm, listening on 127.0.0.1 only, on a free port,
# with its database, configuration, keytabs and ccache in a temporary
# directory that is removed on exit, the KDC stopped.  Nothing else on the
# machine is touched: the Kerberos library is pointed at the temporary files
# with KRB5_CONFIG, KRB5_KDC_PROFILE, KRB5CCNAME, KRB5_KTNAME and
# KRB5RCACHENAME, and gss-sodium is registered with the mechglue for this
# run only through GSS_MECH_CONFIG.  Missing Debian packages are installed
# when run as root.
#
# The replay cache rows (bench/replay) run once with the file cache and
# once with a redis-server the script starts on a free loopback port, when
# redis-server is installed; they go to CSV-replay.csv.
#
# Environment (make bench sets it): abs_top_builddir, abs_top_srcdir,
# MECH_OID.
set -eu

realm=BENCH.TEST
client=bench
service=host/localhost		# its GSS-API host-based name is host@localhost
sodium_service=host@localhost
sodium_client=bench

usage() {
	echo "usage: $0 [--quick] [CSV]"
}

quick=
csv=
for arg in "$@"; do
	case $arg in
	--quick) quick=--quick ;;
	-h | --help) usage; exit 0 ;;
	-*) usage >&2; exit 2 ;;
	*) csv=$arg ;;
	esac
done

here=$(cd "$(dirname "$0")" && pwd)
abs_top_srcdir=${abs_top_srcdir:-$(dirname "$here")}
abs_top_builddir=${abs_top_builddir:-$abs_top_srcdir}
MECH_OID=${MECH_OID:-$(sed -n 's/^MECH_OID = //p' "$abs_top_builddir/Makefile")}
csv=${csv:-$abs_top_builddir/bench/results.csv}
png=${csv%.csv}.png
bench=$abs_top_builddir/bench/bench
module=$abs_top_builddir/mech/.libs/mech_sodium.so
tool=$abs_top_builddir/tools/gss-sodium

for f in "$bench" "$module" "$tool"; do
	if [ ! -x "$f" ] && [ ! -f "$f" ]; then
		echo "run.sh: $f is missing; run 'make bench' in the build tree" >&2
		exit 1
	fi
done

# install_packages, shared with the Quick start scripts.
# shellcheck disable=SC1091  # found at run time in the source tree
. "$abs_top_srcdir/scripts/packages.sh"
install_packages krb5-kdc krb5-admin-server krb5-user gnuplot-nox redis-server
PATH=$PATH:/usr/sbin:/sbin

# The throwaway KDC, shared with the tests.
# shellcheck disable=SC1091  # found at run time in the source tree
. "$abs_top_srcdir/tests/kdc.sh"

# ---- the temporary directory, and cleaning up -------------------------------
# Keys and tickets are made under umask 077; the results get the caller's.
saved_umask=$(umask)
umask 077
tmp=$(mktemp -d "${TMPDIR:-/tmp}/gss-sodium-bench.XXXXXX")
# shellcheck disable=SC2317  # called by the trap
cleanup() {
	kdc_stop
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 141' PIPE	# e.g. run.sh | head: still stop the KDC

# ---- the realm ----------------------------------------------------------------
# kdc_start exports KRB5_CONFIG, KRB5_KDC_PROFILE, KRB5CCNAME and
# KRB5RCACHENAME for files in $tmp.
mkdir "$tmp/sodium"
kdc_start "$tmp" "$realm" &&
	kdc_addprinc "$client" "$tmp/client.keytab" &&
	kdc_addprinc "$service" "$tmp/service.keytab" &&
	kdc_kinit "$client" "$tmp/client.keytab" ||
	exit 1
export KRB5_KTNAME="FILE:$tmp/service.keytab"
export KRB5_CLIENT_KTNAME="FILE:$tmp/client.keytab"
# shellcheck disable=SC2154  # kdc_port and kdc_pid are set by kdc_start
echo "KDC for $realm on 127.0.0.1:$kdc_port (pid $kdc_pid)"

# ---- gss-sodium -------------------------------------------------------------------
sodium=$tmp/sodium
# keygen appends the key to FILE and prints the peers line on stdout, its
# notes on stderr.
make_key() {
	if ! "$tool" keygen "$1" -f "$sodium/$2" >>"$sodium/peers" 2>"$tmp/command.log"; then
		echo "run.sh: gss-sodium keygen $1 failed:" >&2
		cat "$tmp/command.log" >&2
		exit 1
	fi
}
make_key "$sodium_service" keytab
make_key "$sodium_client" identity
# Keep the import-once replay cache of exported contexts in here too.  The
# handshake rows time full handshakes, so this run has resumption off;
# bench --resumed, with it on, times resumed ones.
printf 'rcache_dir = %s/rcache\nresumption = no\n' "$sodium" >"$sodium/sodium.conf"
printf 'rcache_dir = %s/rcache\nresumption = yes\n' "$sodium" >"$sodium/resumed.conf"
export GSS_SODIUM_KEYTAB="$sodium/keytab" GSS_SODIUM_IDENTITY="$sodium/identity" \
	GSS_SODIUM_PEERS="$sodium/peers" GSS_SODIUM_CONF="$sodium/sodium.conf"
unset GSS_SODIUM_TRACE
# Context export seals with a keyring of its own; a tool that cannot make
# one yet means export is not there yet either (bench reports it
# unavailable).
if "$tool" sealkey new -f "$sodium/sealkeys" >/dev/null 2>&1; then
	export GSS_SODIUM_SEALKEYS="$sodium/sealkeys"
else
	rm -f "$sodium/sealkeys"
fi
echo "sodium $MECH_OID $module" >"$tmp/mech"
export GSS_MECH_CONFIG="$tmp/mech"

# ---- the run ------------------------------------------------------------------------
status=0
umask "$saved_umask"
mkdir -p "$(dirname "$csv")"
rm -f "$csv" "$png"		# no stale results if the run dies
"$bench" $quick --csv "$csv" || status=$?
echo
echo "Resumed handshakes (a second process, with resumption = yes):"
GSS_SODIUM_CONF="$sodium/resumed.conf" "$bench" $quick --resumed --csv "$csv" || status=1
echo
# Which krb5 enctype was measured: the service ticket's session key.
enctype=$(klist -e | grep -A1 "$service@$realm" |
	sed -n 's/^.*Etype (skey, tkt): \([^,]*\),.*$/\1/p')
echo "krb5 session key enctype: ${enctype:-unknown}"

if [ ! -s "$csv" ]; then
	echo "run.sh: bench wrote no $csv" >&2
	exit 1
fi

# ---- the replay cache: files, and a Redis server ------------------------------------
# bench/replay once per backend, in the same run: one record's and one
# import's latency, imports per second with 1 to 8 processes, and for
# Redis the PING round trip over the same connection code.
replay_csv=${csv%.csv}-replay.csv
echo "backend,row,n,median us,per second" >"$replay_csv"
"$abs_top_builddir/bench/replay" $quick file >>"$replay_csv" || status=1
if command -v redis-server >/dev/null 2>&1; then
	# shellcheck disable=SC1091  # found at run time in the source tree
	. "$abs_top_srcdir/scripts/ports.sh"
	rport=$(free_port)
	redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no \
		--dir "$tmp" >"$tmp/redis.log" 2>&1 &
	redis_pid=$!
	if wait_for_port "$rport" "$redis_pid"; then
		printf 'rcache_dir = %s/rcache\nreplay_cache = redis://127.0.0.1:%s\n' \
			"$sodium" "$rport" >"$sodium/redis.conf"
		GSS_SODIUM_CONF="$sodium/redis.conf" "$abs_top_builddir/bench/replay" $quick redis \
			>>"$replay_csv" || status=1
	else
		echo "run.sh: redis-server did not start; no Redis rows" >&2
	fi
	kill "$redis_pid" 2>/dev/null
	wait "$redis_pid" 2>/dev/null
else
	echo "run.sh: redis-server is not installed (Debian package redis-server); no Redis rows" >&2
fi
echo
echo "replay cache (median us per operation; imports per second for xN):"
awk -F, 'NR > 1 { v = ($5 > 0) ? $5 "/s" : $4 " us"; printf "  %-6s %-10s %s\n", $1, $2, v }' \
	"$replay_csv"
# The plot: wrap+unwrap time by message size; NaN marks a missing value.
awk -F, '$1 == "wrap+unwrap" {
	for (i = 3; i <= 5; i++) if ($i == "") $i = "NaN"
	print $2, $3, $4, $5
}' "$csv" >"$tmp/wrap.dat"
if gnuplot -e "datafile='$tmp/wrap.dat'; output='$png'; krb5='${enctype:-unknown}'" \
	"$here/plot.gp"; then
	echo "wrote $csv, $replay_csv and $png"
else
	echo "run.sh: gnuplot failed; wrote $csv only" >&2
	status=1
fi
exit "$status"
