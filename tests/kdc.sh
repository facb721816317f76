# A throwaway MIT krb5 KDC for tests and the benchmark, sourced by them.
#
# It has its own realm, listens on 127.0.0.1 only, on a free port, and keeps
# its database, configuration, logs, keytabs and ccache in a directory of the
# caller's.  Nothing else on the machine is touched: the Kerberos library is
# pointed at those files with KRB5_CONFIG, KRB5_KDC_PROFILE, KRB5CCNAME and
# KRB5RCACHENAME.  Needs the Debian packages krb5-kdc, krb5-admin-server
# (kadmin.local, kdb5_util) and krb5-user (kinit, klist).
#
#   kdc_start DIR [REALM]     create the realm (default GSS-SODIUM.TEST) in
#                             DIR and start krb5kdc; exports KRB5_CONFIG,
#                             KRB5_KDC_PROFILE, KRB5RCACHENAME and
#                             KRB5CCNAME=FILE:DIR/ccache (empty until
#                             kdc_kinit); sets kdc_realm, kdc_port, kdc_pid
#   kdc_addprinc NAME [KEYTAB]
#                             add NAME@REALM with a random key, written to
#                             KEYTAB when given
#   kdc_kinit NAME KEYTAB     a TGT for NAME@REALM in $KRB5CCNAME (kinit -k)
#   kdc_stop                  stop the KDC (call it from the EXIT trap)
#
# The functions print what went wrong on standard error and return 1; they
# never exit, so a TAP test can report the failure its own way, and they
# work in shells with set -e as well as without.  Host-based
# names stay exactly as given (host@localhost is host/localhost), whatever
# the machine's DNS says, and an acceptor takes any key of its keytab.
# Files are created under umask 077; the caller's umask is kept.

kdc_pid=
kdc_port=
kdc_realm=
kdc_dir=

# kdc_quietly COMMAND...: runs COMMAND with its output kept aside, shown
# only when it fails.
kdc_quietly() {
	if ! "$@" >"$kdc_dir/command.log" 2>&1; then
		echo "kdc.sh: failed: $*" >&2
		cat "$kdc_dir/command.log" >&2
		return 1
	fi
}

kdc_random_hex() {
	od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'
}

# A port that nothing listens on now, UDP or TCP; kdc_start tries again
# with another should a program take it first.
kdc_candidate_port() {
	while :; do
		kdc_port=$((20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 40000))
		if ! command -v ss >/dev/null ||
			[ -z "$(ss -Hlnut "sport = :$kdc_port" 2>/dev/null)" ]; then
			return 0
		fi
	done
}

kdc_write_conf() {
	cat >"$kdc_dir/krb5.conf" <<-EOF
	[libdefaults]
		default_realm = $kdc_realm
		dns_lookup_kdc = false
		dns_lookup_realm = false
		dns_canonicalize_hostname = false
		rdns = false
		qualify_shortname = ""
		ignore_acceptor_hostname = true
	[realms]
		$kdc_realm = {
			kdc = 127.0.0.1:$kdc_port
		}
	[domain_realm]
		localhost = $kdc_realm
	EOF
	cat >"$kdc_dir/kdc.conf" <<-EOF
	[kdcdefaults]
		kdc_listen = 127.0.0.1:$kdc_port
		kdc_tcp_listen = 127.0.0.1:$kdc_port
	[realms]
		$kdc_realm = {
			database_name = $kdc_dir/kdc/principal
			key_stash_file = $kdc_dir/kdc/stash
			acl_file = $kdc_dir/kdc/kadm5.acl
			kdc_listen = 127.0.0.1:$kdc_port
			kdc_tcp_listen = 127.0.0.1:$kdc_port
		}
	[logging]
		kdc = FILE:$kdc_dir/kdc/kdc.log
		admin_server = FILE:$kdc_dir/kdc/kadmin.log
		default = FILE:$kdc_dir/kdc/krb5.log
	EOF
}

# Starts krb5kdc in the foreground of a background job, so that its pid is
# ours to stop, and waits (at most 10 s) until it has opened its sockets.
# Returns 2 if it exited, which is worth another port.
kdc_launch() {
	: >"$kdc_dir/kdc/kdc.log"
	krb5kdc -n -r "$kdc_realm" >"$kdc_dir/kdc/stdout.log" 2>&1 &
	kdc_pid=$!
	kdc_tries=0
	while [ "$kdc_tries" -lt 100 ]; do
		if grep -q "commencing operation" "$kdc_dir/kdc/kdc.log"; then
			return 0
		fi
		if ! kill -0 "$kdc_pid" 2>/dev/null; then
			wait "$kdc_pid" 2>/dev/null || :
			kdc_pid=
			return 2
		fi
		sleep 0.1
		kdc_tries=$((kdc_tries + 1))
	done
	echo "kdc.sh: krb5kdc did not start within 10 seconds" >&2
	cat "$kdc_dir/kdc/kdc.log" "$kdc_dir/kdc/stdout.log" >&2
	kdc_stop
	return 1
}

kdc_start_body() {
	kdc_dir=$1
	kdc_realm=${2:-GSS-SODIUM.TEST}
	PATH=$PATH:/usr/sbin:/sbin
	for kdc_command in krb5kdc kdb5_util kadmin.local kinit; do
		if ! command -v "$kdc_command" >/dev/null; then
			echo "kdc.sh: $kdc_command is not installed (Debian packages krb5-kdc krb5-admin-server krb5-user)" >&2
			return 1
		fi
	done
	mkdir -p "$kdc_dir/kdc" || return 1
	export KRB5_CONFIG="$kdc_dir/krb5.conf" KRB5_KDC_PROFILE="$kdc_dir/kdc.conf"
	export KRB5CCNAME="FILE:$kdc_dir/ccache"
	export KRB5RCACHENAME="file2:$kdc_dir/krb5.rcache2"
	unset KRB5_TRACE
	kdc_candidate_port
	kdc_write_conf || return 1
	kdc_quietly kdb5_util -r "$kdc_realm" create -s -P "$(kdc_random_hex 24)" || return 1
	kdc_attempt=1
	while :; do
		kdc_launch_status=0
		kdc_launch || kdc_launch_status=$?
		case $kdc_launch_status in
		0) return 0 ;;
		1) return 1 ;;
		esac
		if [ "$kdc_attempt" -ge 5 ]; then
			echo "kdc.sh: krb5kdc would not start:" >&2
			cat "$kdc_dir/kdc/kdc.log" "$kdc_dir/kdc/stdout.log" >&2
			return 1
		fi
		kdc_attempt=$((kdc_attempt + 1))
		kdc_candidate_port
		kdc_write_conf || return 1
	done
}

kdc_start() {
	if [ $# -lt 1 ] || [ -z "$1" ]; then
		echo "usage: kdc_start DIR [REALM]" >&2
		return 1
	fi
	kdc_umask=$(umask)
	umask 077
	kdc_status=0
	kdc_start_body "$@" || kdc_status=$?
	umask "$kdc_umask"
	return "$kdc_status"
}

kdc_addprinc() {
	kdc_quietly kadmin.local -r "$kdc_realm" -q "addprinc -randkey $1@$kdc_realm" || return 1
	if [ $# -ge 2 ]; then
		kdc_umask=$(umask)
		umask 077
		kdc_status=0
		kdc_quietly kadmin.local -r "$kdc_realm" -q "ktadd -k $2 $1@$kdc_realm" ||
			kdc_status=$?
		umask "$kdc_umask"
		return "$kdc_status"
	fi
}

kdc_kinit() {
	kdc_quietly kinit -k -t "$2" "$1@$kdc_realm"
}

kdc_stop() {
	if [ -n "$kdc_pid" ]; then
		kill "$kdc_pid" 2>/dev/null || :
		wait "$kdc_pid" 2>/dev/null || :
		kdc_pid=
	fi
	return 0
}
