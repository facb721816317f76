#!/bin/sh
# SASL GS2 (RFC 5801) with gss-sodium, through Cyrus SASL's GS2 plugin
# (libsasl2-modules-gssapi-mit, linked with MIT's mechglue; Debian's Heimdal
# build of the plugin conflicts with it, so Heimdal is not tried here):
#
#  - OpenLDAP slapd with its default SASL security properties (noanonymous,
#    noplain) offers the mechanism by the name the module gives,
#    GS2-LKDC4UPDTDL, and ldapwhoami binds with it as alice, with -Y or
#    letting SASL pick; an untrusted key is refused; with allow_anonymous =
#    yes the mechanism claims anonymous initiators, and slapd rightly stops
#    offering it;
#  - Cyrus's sasl-sample-client and sasl-sample-server complete as alice.
#
# slapd listens on 127.0.0.1 only, on a free port, with its configuration,
# keys and logs in the test's scratch directory; it is stopped at the end.
# shellcheck source=tests/lib.sh disable=SC2154  # the environment gives abs_top_*, MECH_OID*
. "$abs_top_srcdir/tests/lib.sh"

require_packages slapd ldap-utils sasl2-bin libsasl2-modules-gssapi-mit iproute2
PATH=$PATH:/usr/sbin:/sbin
sasl_name=$(sed -n 's/^#define GSS_SODIUM_SASL_NAME "\(.*\)"$/\1/p' \
	"$abs_top_builddir/include/gssapi/gssapi_sodium.h")
[ -n "$sasl_name" ] || bail_out "no GSS_SODIUM_SASL_NAME in gssapi_sodium.h"

make_scratch
slapd_pid=
# shellcheck disable=SC2317  # called by the trap and between runs
stop_slapd() {
	[ -n "$slapd_pid" ] || return 0
	stop_process "$slapd_pid"
	slapd_pid=
}
# shellcheck disable=SC2317  # called by the trap
cleanup() {
	stop_slapd
	rm -f "$tap_log"
	rm -rf "$scratch"
}
trap cleanup EXIT

# Keys: the LDAP service as the client names it (ldap@localhost, from the
# URI: -N keeps ldapwhoami from replacing the host by its reverse DNS
# name), the sample programs' service (host@ this machine's name, which
# sasl-sample-server uses), alice trusted, mallory not.
host=$(hostname)
cd "$scratch" || bail_out "no scratch directory"
{
	"$tool" keygen ldap@localhost -f keytab &&
		"$tool" keygen "host@$host" -f keytab &&
		"$tool" keygen alice -f identity
} >>peers 2>/dev/null && "$tool" keygen mallory -f mallory >/dev/null 2>&1 ||
	bail_out "could not make keys with $tool"
printf 'rcache_dir = %s/rcache\n' "$scratch" >closed.conf
printf 'rcache_dir = %s/rcache\nallow_anonymous = yes\n' "$scratch" >anonymous.conf
echo "sodium $MECH_OID $module" >mech
# Kerberos pointed at nothing, so only gss-sodium can succeed.
: >krb5.conf
export GSS_MECH_CONFIG="$scratch/mech" GSS_SODIUM_PEERS="$scratch/peers" \
	GSS_SODIUM_TRACE="$scratch/trace" KRB5_CONFIG="$scratch/krb5.conf" \
	KRB5CCNAME="FILE:$scratch/no-ccache" KRB5_KTNAME="FILE:$scratch/no-keytab"

# ---- OpenLDAP ----------------------------------------------------------------

mkdir ldap && cat >ldap/slapd.conf <<EOF
include /etc/ldap/schema/core.schema
pidfile $scratch/ldap/slapd.pid
argsfile $scratch/ldap/slapd.args
sasl-host localhost
EOF
port=$(free_port)
url=ldap://localhost:$port

# start_slapd SETTINGS: slapd with the keytab and that settings file.
start_slapd() {
	GSS_SODIUM_KEYTAB="$scratch/keytab" GSS_SODIUM_CONF="$scratch/$1" \
		$foreign slapd -d 256 -h "ldap://127.0.0.1:$port/" -f ldap/slapd.conf \
		>ldap/log 2>&1 &
	slapd_pid=$!
	wait_for_port "$port" "$slapd_pid" || {
		sed 's/^/# slapd: /' ldap/log
		bail_out "slapd did not start"
	}
}

# offered: the SASL mechanisms slapd lists in its root DSE.
offered() {
	$foreign_late ldapsearch -x -LLL -H "$url" -b "" -s base supportedSASLMechanisms 2>&1 |
		sed -n 's/^supportedSASLMechanisms: //p' >offered
}

# whoami NAME IDENTITY [ARG...]: ldapwhoami as the identity file's user,
# output in NAME.out, exit status in NAME.rc.
whoami() {
	name=$1
	identity=$2
	shift 2
	GSS_SODIUM_IDENTITY="$scratch/$identity" GSS_SODIUM_CONF="$scratch/closed.conf" \
		timeout 20 $foreign_late ldapwhoami -N -H "$url" "$@" >"$name.out" 2>&1
	echo $? >"$name.rc"
}

# shows_result NAME EXPECTED DESCRIPTION
shows_result() {
	if grep -qx "$2" "$1.out" && [ "$(cat "$1.rc")" -eq 0 ]; then
		ok "$3"
	else
		not_ok "$3 (exit $(cat "$1.rc"))"
		sed 's/^/# ldapwhoami: /' "$1.out"
		tail -n 5 trace | sed 's/^/# trace: /'
	fi
}

start_slapd closed.conf
offered
check "slapd (default security properties) offers $sasl_name first" \
	test "$(head -n 1 offered)" = "$sasl_name"
check "slapd offers no ANONYMOUS or PLAIN mechanism" \
	sh -c "! grep -qx 'ANONYMOUS\\|PLAIN' offered"

dn="dn:uid=alice,cn=$(echo "$sasl_name" | tr 'A-Z' 'a-z'),cn=auth"
whoami named identity -Q -U alice -Y "$sasl_name"
shows_result named "$dn" "ldapwhoami -Y $sasl_name -U alice binds as $dn"
whoami picked identity -Q -U alice
shows_result picked "$dn" "ldapwhoami -U alice without -Y: SASL picks $sasl_name, bound as alice"
check "slapd's trace shows alice's gss-sodium context to ldap@localhost" \
	grep -q "accept: context from 'alice' to 'ldap@localhost'" trace

: >trace
whoami untrusted mallory -Q -U mallory -Y "$sasl_name"
check "ldapwhoami with a key slapd does not trust is refused" \
	sh -c "test \$(cat untrusted.rc) -ne 0 && ! grep -q '^dn:' untrusted.out"
check "with a key slapd does not trust: the trace gives gss-sodium's reason" \
	grep -q "is not in the peers file" trace
# Asked to authenticate as mallory without mallory's key, the GS2 plugin
# falls back to the default credential: the DN is the key's owner's.
whoami impostor identity -Q -U mallory -Y "$sasl_name"
check "with alice's identity file, -U mallory still binds as alice, never as mallory" \
	sh -c "grep -qx '$dn' impostor.out && ! grep -q mallory impostor.out"
stop_slapd

# With anonymous initiators admitted, the mechanism claims
# GSS_C_MA_AUTH_INIT_ANON, and SASL's noanonymous drops it.
start_slapd anonymous.conf
offered
check "with allow_anonymous = yes slapd no longer offers $sasl_name (noanonymous)" \
	sh -c "test -s offered && ! grep -qx '$sasl_name' offered"
stop_slapd

# ---- Cyrus SASL's sample programs ---------------------------------------------
# They speak base64 lines "S: ..." and "C: ..." on standard output and read
# the peer's on standard input: two FIFOs connect them.

# sample NAME IDENTITY: sasl-sample-server and sasl-sample-client through GS2.
sample() {
	rm -f c2s s2c
	mkfifo c2s s2c || bail_out "mkfifo failed"
	(GSS_SODIUM_KEYTAB="$scratch/keytab" GSS_SODIUM_CONF="$scratch/closed.conf" \
		timeout 20 $foreign stdbuf -oL sasl-sample-server -s host -m "$sasl_name" \
		<c2s 2>"$1.server.err" | tee "$1.server" | grep --line-buffered '^S: ' >s2c) &
	GSS_SODIUM_IDENTITY="$scratch/$2" GSS_SODIUM_CONF="$scratch/closed.conf" \
		timeout 20 $foreign stdbuf -oL sasl-sample-client -s host -n "$host" \
		-m "$sasl_name" -a "$(cat "$2.name")" <s2c 2>"$1.client.err" |
		tee "$1.client" | grep --line-buffered '^C: ' >c2s
	wait
}
echo alice >identity.name
echo mallory >mallory.name

: >trace
sample alice identity
check "sasl-sample-server and -client complete through $sasl_name; the server names alice" \
	sh -c "grep -q '^Negotiation complete' alice.client && grep -qx 'Username: alice' alice.server"
check "the sample programs exchange a message after authentication" \
	grep -q "recieved decoded message 'client message 1'" alice.server
sample mallory mallory
check "sasl-sample-server refuses an untrusted key, with gss-sodium's reason" \
	sh -c "! grep -q '^Username:' mallory.server &&
		grep -q 'is not in the peers file' mallory.server.err"

echo "# $(dpkg-query -W -f '${Package} ${Version}, ' slapd ldap-utils sasl2-bin libsasl2-modules-gssapi-mit)"
finish
