#!/bin/sh
# OpenJDK's org.ietf.jgss through its native bridge to MIT's mechglue
# (-Dsun.security.jgss.native=true, tests/JavaGss.java): a context with
# gss-sodium asked for directly and one through SPNEGO, each with Java on
# both sides and with Java facing python3-gssapi on either side; sealed
# wraps and MICs both ways and the names on every side.
#
# The native bridge reads every context token it receives as one DER value
# (sun.security.jgss.wrapper.NativeGSSContext.retrieveToken), so it needs
# each of the mechanism's context tokens framed as RFC 2743 section 3.1
# says.  Missing Debian packages are installed when run as root.
# shellcheck source=tests/lib.sh disable=SC2154  # the environment gives abs_top_*, MECH_OID
. "$abs_top_srcdir/tests/lib.sh"

SPNEGO_OID=1.3.6.1.5.5.2

require_packages default-jdk-headless python3-gssapi
command -v javac >/dev/null && command -v java >/dev/null ||
	skip_all "javac and java are not on PATH (Debian package default-jdk-headless)"
/usr/bin/python3 -c 'import gssapi' 2>/dev/null ||
	skip_all "python3-gssapi is not installed (Debian package python3-gssapi)"
# The library the bridge loads: MIT's mechglue, by the name the dynamic
# linker knows it by.
gss_lib=libgssapi_krb5.so.2
/sbin/ldconfig -p | grep -q "$gss_lib " || skip_all "$gss_lib is not installed"

make_scratch
# shellcheck source=tests/probe-setup.sh
. "$abs_top_srcdir/tests/probe-setup.sh"
# No Kerberos: SPNEGO has gss-sodium alone to offer and choose.
: >"$scratch/krb5-empty.conf"
export GSS_MECH_CONFIG="$scratch/mech" GSS_SODIUM_SEALKEYS="$scratch/sealkeys" \
	KRB5_CONFIG="$scratch/krb5-empty.conf" KRB5CCNAME="FILE:$scratch/no-ccache" \
	KRB5_KTNAME="FILE:$scratch/no-keytab"

mkdir "$scratch/classes" || bail_out "cannot make $scratch/classes"
javac -d "$scratch/classes" "$abs_top_srcdir/tests/JavaGss.java" >"$tap_log" 2>&1 || {
	sed 's/^/# /' "$tap_log"
	bail_out "javac could not compile tests/JavaGss.java"
}

# The other side for JavaGss: python3-gssapi answering one request a line.
cat >"$scratch/peer.py" <<'EOF'
import sys

import gssapi

role, mech = sys.argv[1], gssapi.OID.from_int_seq(sys.argv[2])
if role == "initiate":
    target = gssapi.Name(sys.argv[3], gssapi.NameType.hostbased_service)
    flags = [gssapi.RequirementFlag.mutual_authentication,
             gssapi.RequirementFlag.confidentiality,
             gssapi.RequirementFlag.integrity]
    ctx = gssapi.SecurityContext(name=target, mech=mech, usage="initiate", flags=flags)
else:
    ctx = gssapi.SecurityContext(usage="accept")


def data(word):
    return b"" if word == "-" else bytes.fromhex(word)


def hexed(data):
    return data.hex() if data else "-"


def answer(words):
    if words[0] == "step":
        token = ctx.step(data(words[1]) or None)
        return [hexed(token), "open" if ctx.complete else "continue"]
    if words[0] == "names":
        return [str(ctx.initiator_name), str(ctx.target_name), ctx.mech.dotted_form]
    if words[0] == "wrap":
        return [hexed(ctx.wrap(data(words[1]), True).message)]
    if words[0] == "unwrap":
        got = ctx.unwrap(data(words[1]))
        return [hexed(got.message), "sealed" if got.encrypted else "integrity"]
    if words[0] == "mic":
        return [hexed(ctx.get_signature(data(words[1])))]
    if words[0] == "verify":
        ctx.verify_signature(data(words[1]), data(words[2]))
        return []
    raise ValueError("unknown request " + words[0])


for line in sys.stdin:
    try:
        print(" ".join(["ok"] + answer(line.split())), flush=True)
    except Exception as e:  # reported to JavaGss, which fails the check
        text = " ".join(str(e).split())
        print("error %s: %s" % (type(e).__name__, text), flush=True)
EOF

# java_gss LABEL MECH java|initiate|accept: JavaGss's checks as TAP, each
# described with LABEL first.
java_gss() {
	label=$1
	mech=$2
	shift 2
	case $1 in
	initiate) set -- initiate $foreign /usr/bin/python3 "$scratch/peer.py" accept "$mech" ;;
	accept) set -- accept $foreign /usr/bin/python3 "$scratch/peer.py" initiate "$mech" \
		HTTP@web.example ;;
	esac
	timeout 120 $foreign java -Dsun.security.jgss.native=true \
		-Dsun.security.jgss.lib="$gss_lib" \
		-Djavax.security.auth.useSubjectCredsOnly=false \
		-cp "$scratch/classes" JavaGss "$mech" "$MECH_OID" alice HTTP@web.example "$@" \
		>"$scratch/java.out" 2>&1
	java_rc=$?
	checks=0
	while IFS= read -r line; do
		case $line in
		"ok "*) ok "$label: ${line#ok }"; checks=$((checks + 1)) ;;
		"not ok "*) not_ok "$label: ${line#not ok }"; checks=$((checks + 1)) ;;
		"# "*) echo "$line" ;;
		*) echo "# $line" ;;
		esac
	done <"$scratch/java.out"
	[ "$java_rc" -eq 0 ] && [ "$checks" -gt 0 ] ||
		not_ok "$label: JavaGss ran to its end (exit $java_rc, $checks checks)"
}

java_gss "gss-sodium, Java to Java" "$MECH_OID" java
java_gss "gss-sodium, Java to python3-gssapi" "$MECH_OID" initiate
java_gss "gss-sodium, python3-gssapi to Java" "$MECH_OID" accept
java_gss "SPNEGO, Java to Java" "$SPNEGO_OID" java
java_gss "SPNEGO, Java to python3-gssapi" "$SPNEGO_OID" initiate
java_gss "SPNEGO, python3-gssapi to Java" "$SPNEGO_OID" accept
finish
