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
	cp "$abs_top_srcdir/scripts/oid2der.awk" "$src/scripts/" ||
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
finish
