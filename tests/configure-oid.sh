#!/bin/sh
# configure takes a mechanism OID that the code can hold and refuses a
# longer one (a 99-octet OID once overflowed the handshake's prologue).
# configure runs in a copy of what it needs, so the configured tree is not
# touched; it stops at the OID or goes past it, which is all that is asked.
. "$abs_top_srcdir/tests/lib.sh"

make_scratch
src="$scratch/src"
mkdir -p "$src/mech" "$src/scripts" &&
	cp "$abs_top_srcdir/configure" "$src/" &&
	cp -r "$abs_top_srcdir/build-aux" "$src/" &&
	cp "$abs_top_srcdir/mech/spi.c" "$src/mech/" &&
	cp "$abs_top_srcdir/scripts/oid2der.awk" "$abs_top_srcdir/scripts/gs2name.sh" \
		"$src/scripts/" ||
	bail_out "could not copy configure"

# 1.3 is one octet and each further arc of 1 one more.
arcs() {
	oid=1.3
	i=1
	while [ "$i" -lt "$1" ]; do oid="$oid.1"; i=$((i + 1)); done
	echo "$oid"
}

(cd "$src" && ./configure --with-mech-oid="$(arcs 99)" >out 2>err)
rc=$?
check "configure refuses a 99-octet OID, saying why" \
	sh -c "test $rc -ne 0 && grep -q 'is 99 DER octets long; this mechanism takes OIDs of at most 64' '$src/err'"
(cd "$src" && ./configure --with-mech-oid="$(arcs 64)" >out 2>err)
check "configure takes a 64-octet OID" \
	grep -q 'mechanism OID 1\.3\.1.* (64 DER octets)' "$src/out"

# The RFC 5801 SASL name configure computes (scripts/gs2name.sh).
sasl_name() {
	sh "$src/scripts/gs2name.sh" "$(echo "$1" | awk -f "$src/scripts/oid2der.awk")"
}
# MIT's library computes this name for the default OID (what Cyrus SASL's
# GS2 plugin listed before the module answered for itself).
check "the default OID's SASL name is GS2-LKDC4UPDTDL, as MIT's library computes it" \
	test "$(sasl_name 1.3.6.1.4.1.32473.29.1)" = GS2-LKDC4UPDTDL
grep -q "SASL name GS2-" "$src/out" &&
	sasl_64=$(sed -n 's/.*SASL name \(GS2-[A-Z2-7]*\).*/\1/p' "$src/out")
check "configure reports the SASL name of the OID it took" \
	test "${sasl_64:-}" = "$(sasl_name "$(arcs 64)")"
# Against an independent computation: SHA-1 over the full DER encoding,
# base32 of its first 55 bits.
if [ -x /usr/bin/python3 ]; then
	for oid in 1.2.840.113554.1.2.2 1.3.6.1.5.5.2 2.999.1 "$(arcs 64)"; do
		want=$(/usr/bin/python3 -c '
import base64, hashlib, sys
arcs = [int(a) for a in sys.argv[1].split(".")]
def b128(v):
    out = [v & 0x7f]
    v >>= 7
    while v:
        out.insert(0, 0x80 | (v & 0x7f))
        v >>= 7
    return out
body = b128(arcs[0] * 40 + arcs[1])
for a in arcs[2:]:
    body += b128(a)
der = bytes([6, len(body)] + body)
print("GS2-" + base64.b32encode(hashlib.sha1(der).digest()[:7]).decode()[:11])
' "$oid")
		check "the SASL name of $(echo "$oid" | cut -c1-24) is $want" \
			test "$(sasl_name "$oid")" = "$want"
	done
else
	echo "# /usr/bin/python3 is missing: the SASL names are not computed a second way"
fi
finish
