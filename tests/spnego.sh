#!/bin/sh
# SPNEGO (RFC 4178) through MIT's mechglue negotiates gss-sodium:
#
# 1. with no Kerberos ticket and no KDC, Debian's unmodified gss-client
#    -spnego and gss-server agree on gss-sodium;
# 2. with a KDC (tests/kdc.sh) and keys of both mechanisms, the initiator's
#    preference decides: krb5 by default (MIT lists it first), gss-sodium
#    once python3-gssapi's set_neg_mechs puts it first or alone;
# 3. when the acceptor takes a mechanism that was not the initiator's first
#    choice, the two sides exchange mechListMICs made with gss-sodium's
#    gss_get_mic, over more round trips;
# 4. gss_inquire_attrs_for_mech gives SPNEGO no reason to pass gss-sodium
#    over (RFC 5587 attributes).
#
# The whole test runs in a network namespace of its own when it can (root,
# unshare -n), since gss-server listens on every address; the KDC listens on
# 127.0.0.1 only.  Missing Debian packages are installed when run as root.
# shellcheck source=tests/lib.sh disable=SC2154  # the environment gives abs_top_*, MECH_OID*
. "$abs_top_srcdir/tests/lib.sh"

KRB5_OID=1.2.840.113554.1.2.2
KRB5_OID_BRACES='{ 1 2 840 113554 1 2 2 }'

require_packages krb5-gss-samples iproute2 python3-gssapi krb5-kdc krb5-admin-server krb5-user
PATH=$PATH:/usr/sbin:/sbin
/usr/bin/python3 -c 'import gssapi.raw; gssapi.raw.set_neg_mechs; gssapi.raw.inquire_attrs_for_mech' \
	2>/dev/null || skip_all "python3-gssapi lacks set_neg_mechs or inquire_attrs_for_mech"

if [ -z "${GSS_SODIUM_TEST_NETNS:-}" ] && [ "$(id -u)" -eq 0 ] &&
	unshare -n true 2>/dev/null; then
	rm -f "$tap_log"
	# shellcheck disable=SC2016  # expanded by the inner shell
	exec unshare -n env GSS_SODIUM_TEST_NETNS=1 sh -c \
		'ip link set lo up || { echo "Bail out! cannot bring up lo in a network namespace"; exit 1; }
		exec sh "$0"' "$abs_top_srcdir/tests/spnego.sh"
fi

make_scratch
# shellcheck source=tests/kdc.sh
. "$abs_top_srcdir/tests/kdc.sh"
server=
# shellcheck disable=SC2317  # called by the trap
cleanup() {
	if [ -n "$server" ]; then
		kill "$server" 2>/dev/null
		wait "$server" 2>/dev/null
	fi
	kdc_stop
	rm -f "$tap_log"
	rm -rf "$scratch"
}
trap cleanup EXIT

if ! "$tool" keygen host@localhost -f "$scratch/keytab" >>"$scratch/peers" 2>/dev/null ||
	! "$tool" keygen alice -f "$scratch/identity" >>"$scratch/peers" 2>/dev/null; then
	bail_out "could not make keys"
fi
echo "rcache_dir = $scratch/rcache" >"$scratch/sodium.conf"
echo "sodium $MECH_OID $module" >"$scratch/mech"
export GSS_MECH_CONFIG="$scratch/mech" GSS_SODIUM_KEYTAB="$scratch/keytab" \
	GSS_SODIUM_IDENTITY="$scratch/identity" GSS_SODIUM_PEERS="$scratch/peers" \
	GSS_SODIUM_CONF="$scratch/sodium.conf" GSS_SODIUM_TRACE="$scratch/trace"

# ---- python3-gssapi: both sides of a SPNEGO context in one process --------
# negotiate PREFERENCE prints facts, one "key value" a line: which mechanism
# each side ended with, and what the SPNEGO tokens carried.  PREFERENCE is
# "default" (no gss_set_neg_mechs) or a comma-separated list of OIDs for
# gss_set_neg_mechs on the initiator's credential.  attrs prints the RFC 5587
# attributes of gss-sodium by name.
cat >"$scratch/spnego.py" <<'EOF'
import os
import sys

import gssapi
import gssapi.raw as raw

SPNEGO = gssapi.OID.from_int_seq("1.3.6.1.5.5.2")
SODIUM = gssapi.OID.from_int_seq(os.environ["MECH_OID"])


def tlv(buf, pos=0):
    """One DER tag, its contents and the position after it."""
    tag = buf[pos]
    length = buf[pos + 1]
    pos += 2
    if length & 0x80:
        n = length & 0x7F
        length = int.from_bytes(buf[pos:pos + n], "big")
        pos += n
    return tag, buf[pos:pos + length], pos + length


def fields(token):
    """The [n] fields of a NegTokenInit or NegTokenResp, by n."""
    tag, body, _ = tlv(token)
    if tag == 0x60:  # the initial token: the SPNEGO OID, then [0] NegTokenInit
        _, _, pos = tlv(body)
        tag, body, _ = tlv(body, pos)
    _, sequence, _ = tlv(body)
    out, pos = {}, 0
    while pos < len(sequence):
        tag, value, pos = tlv(sequence, pos)
        out[tag & 0x1F] = tlv(value)[1]
    return out


def describe(who, token):
    f = fields(token)
    words = [who]
    if who == "initiator" and 0 in f and token[0] == 0x60:
        mechs, pos = [], 0
        while pos < len(f[0]):
            _, oid, pos = tlv(f[0], pos)
            mechs.append(gssapi.OID(elements=oid).dotted_form)
        print("mech_types", ",".join(mechs))
        words.append("mechTypes=" + ",".join(mechs))
    elif 0 in f:
        state = {0: "accept-completed", 1: "accept-incomplete", 2: "reject",
                 3: "request-mic"}.get(f[0][0], str(f[0][0]))
        words.append("negState=" + state)
        print(who + "_negstate", state)
    if 1 in f and token[0] == 0xA1:
        mech = gssapi.OID(elements=f[1]).dotted_form
        words.append("supportedMech=" + mech)
        print("supported_mech", mech)
    if 2 in f:
        words.append("mechToken=%d bytes" % len(f[2]))
    if 3 in f:
        words.append("mechListMIC=%d bytes %s..." % (len(f[3]), f[3][:4].hex()))
        print(who + "_mic", f[3][:4].hex(), len(f[3]))
    print("token", " ".join(words))


def negotiate(preference):
    target = gssapi.Name("host@localhost", gssapi.NameType.hostbased_service)
    cred = gssapi.Credentials(usage="initiate", mechs=[SPNEGO])
    if preference != "default":
        raw.set_neg_mechs(cred, [gssapi.OID.from_int_seq(m)
                                 for m in preference.split(",")])
    init = gssapi.SecurityContext(name=target, mech=SPNEGO, usage="initiate",
                                  creds=cred)
    acc = gssapi.SecurityContext(usage="accept")
    init_tokens = acc_tokens = 0
    token = init.step()
    for _ in range(10):
        if not token:
            break
        init_tokens += 1
        describe("initiator", token)
        token = acc.step(token)
        if not token:
            break
        acc_tokens += 1
        describe("acceptor", token)
        if init.complete:
            break
        token = init.step(token)
    print("init_tokens", init_tokens)
    print("acc_tokens", acc_tokens)
    print("init_complete", int(init.complete))
    print("acc_complete", int(acc.complete))
    if init.complete:
        print("init_mech", init.mech.dotted_form)
    if acc.complete:
        print("acc_mech", acc.mech.dotted_form)
        print("initiator_name", acc.initiator_name)


def attrs():
    have, _ = raw.inquire_attrs_for_mech(SODIUM)
    for attr in have:
        print("attr", raw.display_mech_attr(attr)[0].decode())


try:
    if sys.argv[1] == "attrs":
        attrs()
    else:
        negotiate(sys.argv[1])
except gssapi.exceptions.GSSError as error:
    print("error", str(error).replace("\n", " "))
    sys.exit(1)
EOF

# py ARGS...: the helper above, its facts in $scratch/facts.
py() {
	timeout 60 $foreign /usr/bin/python3 "$scratch/spnego.py" "$@" >"$scratch/facts" 2>&1
}

# fact KEY: the value of the first "KEY value" line of $scratch/facts.
fact() {
	sed -n "s/^$1 //p" "$scratch/facts" | head -n 1
}

# expect_fact DESCRIPTION KEY VALUE: a check that fact KEY is VALUE, with
# every fact as the diagnostics when it is not.
expect_fact() {
	if [ "$(fact "$2")" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1 ($2 is '$(fact "$2")', expected '$3')"
		sed 's/^/# /' "$scratch/facts"
	fi
}

# ---- gss-server and gss-client ----------------------------------------------

# spnego_pair NAME SERVER-KEYTAB: gss-server -once with SERVER-KEYTAB as its
# Kerberos keytab, and gss-client -spnego, both unmodified; sets client_rc
# and writes $scratch/client.out, $scratch/server.out.
spnego_pair() {
	name=$1
	port=$(free_port)
	KRB5_KTNAME="FILE:$2" $foreign gss-server -port "$port" -once host@localhost \
		>"$scratch/server.out" 2>&1 &
	server=$!
	if ! wait_for_port "$port" $server; then
		echo "gss-server did not start" >"$scratch/client.out"
		client_rc=255
		return
	fi
	timeout 30 $foreign gss-client -port "$port" -spnego localhost host@localhost \
		"message $name" >"$scratch/client.out" 2>&1
	client_rc=$?
	timeout 10 sh -c "while kill -0 $server 2>/dev/null; do sleep 0.1; done"
	kill $server 2>/dev/null
	wait $server 2>/dev/null
	server=
}

# The mechanism of the client's context, as gss-client prints it.
client_mech() {
	sed -n 's/^Mechanism \({[ 0-9]*}\) supports.*/\1/p' "$scratch/client.out"
}

# pair_checks NAME ACCEPTED-NAME MECH-BRACES: the context, the names and
# the mechanism of the last spnego_pair.
pair_checks() {
	if [ "$client_rc" -eq 0 ] && grep -q '^Signature verified' "$scratch/client.out" &&
		grep -q "Accepted connection: \"$2\"" "$scratch/server.out" &&
		grep -q "Received message: \"message $1\"" "$scratch/server.out"; then
		ok "$1: gss-client -spnego succeeds, gss-server names $2"
	else
		not_ok "$1: gss-client -spnego exit $client_rc"
		sed 's/^/# client: /' "$scratch/client.out"
		sed 's/^/# server: /' "$scratch/server.out"
	fi
	if [ "$(client_mech)" = "$3" ]; then
		ok "$1: the context's mechanism is $3"
	else
		not_ok "$1: the context's mechanism is '$(client_mech)', expected $3"
	fi
	echo "# $1: SPNEGO chose $(client_mech)"
}

# ---- 1. no Kerberos at all ---------------------------------------------------
# An empty krb5.conf (no realm, no KDC), no ccache, no keytab.
: >"$scratch/krb5-empty.conf"
: >"$scratch/trace"
export KRB5_CONFIG="$scratch/krb5-empty.conf" KRB5CCNAME="FILE:$scratch/no-ccache"
spnego_pair "no Kerberos" "$scratch/no-keytab"
pair_checks "no Kerberos" alice "$MECH_OID_BRACES"
check "no Kerberos: the trace shows the gss-sodium handshake on both sides" \
	sh -c "grep -q \"init: sent IK handshake to 'host@localhost' as 'alice'\" '$scratch/trace' &&
		grep -q \"accept: context from 'alice' to 'host@localhost'\" '$scratch/trace' &&
		grep -q \"init: context with 'host@localhost' open\" '$scratch/trace'"

# ---- 2. both mechanisms ------------------------------------------------------
# kdc_start exports KRB5_CONFIG, KRB5_KDC_PROFILE, KRB5CCNAME (alice's TGT
# below) and KRB5RCACHENAME; the acceptor's keytab is given per run.
if ! kdc_start "$scratch/kdc" >"$tap_log" 2>&1 ||
	! kdc_addprinc alice "$scratch/alice.keytab" >>"$tap_log" 2>&1 ||
	! kdc_addprinc host/localhost "$scratch/service.keytab" >>"$tap_log" 2>&1 ||
	! kdc_kinit alice "$scratch/alice.keytab" >>"$tap_log" 2>&1; then
	sed 's/^/# /' "$tap_log"
	bail_out "the throwaway KDC did not start"
fi
realm=$kdc_realm
export KRB5_KTNAME="FILE:$scratch/service.keytab"

: >"$scratch/trace"
spnego_pair "krb5 and gss-sodium" "$scratch/service.keytab"
pair_checks "krb5 and gss-sodium" "alice@$realm" "$KRB5_OID_BRACES"
check "krb5 and gss-sodium: no gss-sodium handshake took place" \
	sh -c "! grep -q 'init: sent' '$scratch/trace'"

py default
check "python3-gssapi, no preference: the initiator offers krb5 first, then gss-sodium" \
	test "$(fact mech_types)" = "$KRB5_OID,$MECH_OID"
expect_fact "python3-gssapi, no preference: the initiator ends with krb5" init_mech "$KRB5_OID"
expect_fact "python3-gssapi, no preference: the acceptor ends with krb5" acc_mech "$KRB5_OID"
echo "# python3-gssapi, no preference: SPNEGO chose $(fact acc_mech)"

py "$MECH_OID,$KRB5_OID"
check "set_neg_mechs gss-sodium, krb5: the initiator offers gss-sodium first" \
	test "$(fact mech_types)" = "$MECH_OID,$KRB5_OID"
expect_fact "set_neg_mechs gss-sodium, krb5: the initiator ends with gss-sodium" init_mech "$MECH_OID"
expect_fact "set_neg_mechs gss-sodium, krb5: the acceptor ends with gss-sodium" acc_mech "$MECH_OID"
expect_fact "set_neg_mechs gss-sodium, krb5: the acceptor names alice" initiator_name alice
expect_fact "set_neg_mechs gss-sodium, krb5: one round trip" init_tokens 1
echo "# set_neg_mechs gss-sodium, krb5: SPNEGO chose $(fact acc_mech)"

py "$MECH_OID"
check "set_neg_mechs gss-sodium alone: the initiator offers only gss-sodium" \
	test "$(fact mech_types)" = "$MECH_OID"
expect_fact "set_neg_mechs gss-sodium alone: the initiator ends with gss-sodium" init_mech "$MECH_OID"
expect_fact "set_neg_mechs gss-sodium alone: the acceptor ends with gss-sodium" acc_mech "$MECH_OID"
echo "# set_neg_mechs gss-sodium alone: SPNEGO chose $(fact acc_mech)"

# ---- 3. mechListMIC -----------------------------------------------------------
# The initiator prefers krb5 and sends an optimistic krb5 token; the
# acceptor has no Kerberos keytab, only gss-sodium keys, so it picks
# gss-sodium, the initiator's second choice, and RFC 4178 requires both
# sides to send a mechListMIC made with gss-sodium's gss_get_mic.
: >"$scratch/trace"
spnego_pair "acceptor without krb5 keys" "$scratch/no-keytab"
pair_checks "acceptor without krb5 keys" alice "$MECH_OID_BRACES"
tokens=$(grep -o 'Sending init_sec_context token' "$scratch/client.out" | wc -l)
check "acceptor without krb5 keys: gss-client sent more than one context token ($tokens)" \
	test "$tokens" -gt 1
echo "# acceptor without krb5 keys: gss-client sent $tokens context tokens"
check "acceptor without krb5 keys: the trace shows the gss-sodium handshake" \
	sh -c "grep -q \"accept: context from 'alice' to 'host@localhost'\" '$scratch/trace'"

(KRB5_KTNAME="FILE:$scratch/no-keytab" && export KRB5_KTNAME && py default)
check "mechListMIC: the initiator offers krb5 first" \
	test "$(fact mech_types)" = "$KRB5_OID,$MECH_OID"
expect_fact "mechListMIC: the acceptor answers request-mic" acceptor_negstate request-mic
expect_fact "mechListMIC: the acceptor selects gss-sodium" supported_mech "$MECH_OID"
expect_fact "mechListMIC: the initiator ends with gss-sodium" init_mech "$MECH_OID"
expect_fact "mechListMIC: the acceptor ends with gss-sodium" acc_mech "$MECH_OID"
expect_fact "mechListMIC: the acceptor names alice" initiator_name alice
# gss-sodium MIC tokens: 04 04, flags (01 from the acceptor), ff; 44 bytes.
expect_fact "mechListMIC: the acceptor's is a gss-sodium MIC token" acceptor_mic "040401ff 44"
expect_fact "mechListMIC: the initiator's is a gss-sodium MIC token" initiator_mic "040400ff 44"
check "mechListMIC: more than one round trip ($(fact init_tokens) initiator tokens)" \
	test "$(fact init_tokens)" -gt 1
sed -n 's/^token /# mechListMIC exchange: /p' "$scratch/facts"

# ---- 4. RFC 5587 attributes ---------------------------------------------------
py attrs
check "gss_inquire_attrs_for_mech answers for gss-sodium" test -n "$(fact attr)"
check "gss-sodium is GSS_C_MA_MECH_CONCRETE" \
	grep -qx 'attr GSS_C_MA_MECH_CONCRETE' "$scratch/facts"
for attr in GSS_C_MA_NOT_MECH GSS_C_MA_DEPRECATED GSS_C_MA_NOT_DFLT_MECH GSS_C_MA_MECH_NEGO; do
	check "gss-sodium is not $attr" \
		sh -c "! grep -qx 'attr $attr' '$scratch/facts'"
done
echo "# gss-sodium's attributes: $(sed -n 's/^attr GSS_C_MA_//p' "$scratch/facts" | sort | tr '\n' ' ')"
finish
