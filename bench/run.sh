#!/bin/sh
# make bench: times MIT krb5's Kerberos mechanism and gss-sodium through
# MIT's mechglue (bench/bench), then writes a CSV and a PNG plot.
#
# usage: run.sh [--quick] [CSV]
#   CSV defaults to bench/results.csv in the build tree; the plot is written
#   beside it with .png for .csv.  --quick is a smoke test, not a measurement.
#
# krb5 needs a KDC: a throwaway MIT krb5kdc with its own realm, listening on
# 127.0.0.1 only, on a free port, with its database, configuration, keytabs
# and ccache in a temporary directory that is removed on exit, the KDC
# stopped.  Nothing else on the machine is touched: the Kerberos library is
# pointed at the temporary files with KRB5_CONFIG, KRB5_KDC_PROFILE,
# KRB5CCNAME, KRB5_KTNAME and KRB5RCACHENAME, and gss-sodium is registered
# with the mechglue for this run only through GSS_MECH_CONFIG.  Missing
# Debian packages are installed when run as root.
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
install_packages krb5-kdc krb5-admin-server krb5-user gnuplot-nox
PATH=$PATH:/usr/sbin:/sbin

# ---- the temporary directory, and cleaning up -------------------------------
# Keys and tickets are made under umask 077; the results get the caller's.
saved_umask=$(umask)
umask 077
tmp=$(mktemp -d "${TMPDIR:-/tmp}/gss-sodium-bench.XXXXXX")
kdc_pid=
# shellcheck disable=SC2317  # called by the trap
cleanup() {
	if [ -n "$kdc_pid" ]; then
		kill "$kdc_pid" 2>/dev/null || :
		wait "$kdc_pid" 2>/dev/null || :
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Runs a command with its output kept aside, shown only when it fails.
quietly() {
	if ! "$@" >"$tmp/command.log" 2>&1; then
		echo "run.sh: failed: $*" >&2
		cat "$tmp/command.log" >&2
		exit 1
	fi
}

random_hex() {
	od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'
}

# ---- the realm ----------------------------------------------------------------
mkdir "$tmp/kdc" "$tmp/sodium"
export KRB5_CONFIG="$tmp/krb5.conf" KRB5_KDC_PROFILE="$tmp/kdc.conf"
export KRB5CCNAME="FILE:$tmp/ccache" KRB5_KTNAME="FILE:$tmp/service.keytab"
export KRB5_CLIENT_KTNAME="FILE:$tmp/client.keytab"
export KRB5RCACHENAME="file2:$tmp/krb5.rcache2"
unset KRB5_TRACE

# The client side.  dns_canonicalize_hostname, rdns and qualify_shortname
# keep "host@localhost" exactly host/localhost, wherever the machine's DNS
# points; ignore_acceptor_hostname lets the acceptor take any key in its
# keytab.
write_krb5_conf() {
	cat >"$tmp/krb5.conf" <<-EOF
	[libdefaults]
		default_realm = $realm
		dns_lookup_kdc = false
		dns_lookup_realm = false
		dns_canonicalize_hostname = false
		rdns = false
		qualify_shortname = ""
		ignore_acceptor_hostname = true
	[realms]
		$realm = {
			kdc = 127.0.0.1:$1
		}
	[domain_realm]
		localhost = $realm
	EOF
}

write_kdc_conf() {
	cat >"$tmp/kdc.conf" <<-EOF
	[kdcdefaults]
		kdc_listen = 127.0.0.1:$1
		kdc_tcp_listen = 127.0.0.1:$1
	[realms]
		$realm = {
			database_name = $tmp/kdc/principal
			key_stash_file = $tmp/kdc/stash
			acl_file = $tmp/kdc/kadm5.acl
			kdc_listen = 127.0.0.1:$1
			kdc_tcp_listen = 127.0.0.1:$1
		}
	[logging]
		kdc = FILE:$tmp/kdc/kdc.log
		admin_server = FILE:$tmp/kdc/kadmin.log
		default = FILE:$tmp/kdc/krb5.log
	EOF
}

# A port that nothing listens on now, UDP or TCP; the KDC start below is
# retried should another program take it first.
candidate_port() {
	while :; do
		port=$((20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 40000))
		if ! command -v ss >/dev/null ||
			[ -z "$(ss -Hlnut "sport = :$port" 2>/dev/null)" ]; then
			echo "$port"
			return
		fi
	done
}

# Starts krb5kdc in the foreground of a background job, so that its pid is
# ours to stop; waits until it has opened its sockets.
start_kdc() {
	: >"$tmp/kdc/kdc.log"
	krb5kdc -n -r "$realm" >"$tmp/kdc/stdout.log" 2>&1 &
	kdc_pid=$!
	tries=0
	while [ "$tries" -lt 100 ]; do
		if grep -q "commencing operation" "$tmp/kdc/kdc.log"; then
			return 0
		fi
		if ! kill -0 "$kdc_pid" 2>/dev/null; then
			wait "$kdc_pid" 2>/dev/null || :
			kdc_pid=
			return 1
		fi
		sleep 0.1
		tries=$((tries + 1))
	done
	echo "run.sh: krb5kdc did not start within 10 seconds" >&2
	cat "$tmp/kdc/kdc.log" "$tmp/kdc/stdout.log" >&2
	exit 1
}

port=$(candidate_port)
write_krb5_conf "$port"
write_kdc_conf "$port"
quietly kdb5_util -r "$realm" create -s -P "$(random_hex 24)"
quietly kadmin.local -r "$realm" -q "addprinc -randkey $client@$realm"
quietly kadmin.local -r "$realm" -q "addprinc -randkey $service@$realm"
quietly kadmin.local -r "$realm" -q "ktadd -k $tmp/client.keytab $client@$realm"
quietly kadmin.local -r "$realm" -q "ktadd -k $tmp/service.keytab $service@$realm"

attempt=1
until start_kdc; do
	if [ "$attempt" -ge 5 ]; then
		echo "run.sh: krb5kdc would not start:" >&2
		cat "$tmp/kdc/kdc.log" "$tmp/kdc/stdout.log" >&2
		exit 1
	fi
	attempt=$((attempt + 1))
	port=$(candidate_port)
	write_krb5_conf "$port"
	write_kdc_conf "$port"
done
echo "KDC for $realm on 127.0.0.1:$port (pid $kdc_pid)"
quietly kinit -k -t "$tmp/client.keytab" "$client@$realm"

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
# Keep the import-once replay cache of exported contexts in here too.
echo "rcache_dir = $sodium/rcache" >"$sodium/sodium.conf"
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
# Which krb5 enctype was measured: the service ticket's session key.
enctype=$(klist -e | grep -A1 "$service@$realm" |
	sed -n 's/^.*Etype (skey, tkt): \([^,]*\),.*$/\1/p')
echo "krb5 session key enctype: ${enctype:-unknown}"

if [ ! -s "$csv" ]; then
	echo "run.sh: bench wrote no $csv" >&2
	exit 1
fi
# The plot: wrap+unwrap time by message size; NaN marks a missing value.
awk -F, '$1 == "wrap+unwrap" {
	for (i = 3; i <= 5; i++) if ($i == "") $i = "NaN"
	print $2, $3, $4, $5
}' "$csv" >"$tmp/wrap.dat"
if gnuplot -e "datafile='$tmp/wrap.dat'; output='$png'; krb5='${enctype:-unknown}'" \
	"$here/plot.gp"; then
	echo "wrote $csv and $png"
else
	echo "run.sh: gnuplot failed; wrote $csv only" >&2
	status=1
fi
exit "$status"
