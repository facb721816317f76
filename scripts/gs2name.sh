#!/bin/sh
# Prints the RFC 5801 section 3.1 SASL name ("GS2-" and 11 base32
# characters) of an OID whose DER contents octets are given as C string
# escapes ("\x2b\x06..."), as scripts/oid2der.awk prints them.  The name is
# the first 55 bits of SHA-1 over the OID's full DER encoding (tag 06,
# length, contents).  It is computed here, at build time, because libsodium
# has no SHA-1 and the module needs none at run time.
der="$1"
octal=$(printf '%s\n' "$der" | LC_ALL=C awk '
	function hexval(h,    i, v) {
		v = 0
		for (i = 1; i <= length(h); i++)
			v = v * 16 + index("0123456789abcdef", tolower(substr(h, i, 1))) - 1
		return v
	}
	{
		n = split($0, part, "\\\\x")
		out = sprintf("\\%03o\\%03o", 6, n - 1)
		for (i = 2; i <= n; i++)
			out = out sprintf("\\%03o", hexval(part[i]))
		print out
	}') || exit 1
# shellcheck disable=SC2059
digest=$(printf "$octal" | sha1sum) || exit 1
printf '%s\n' "$digest" | LC_ALL=C awk '
	{
		hex = substr($1, 1, 14)
		bits = ""
		for (i = 1; i <= 14; i++) {
			v = index("0123456789abcdef", substr(hex, i, 1)) - 1
			for (b = 8; b >= 1; b /= 2) {
				bits = bits (v >= b ? "1" : "0")
				if (v >= b)
					v -= b
			}
		}
		name = "GS2-"
		for (i = 0; i < 11; i++) {
			v = 0
			for (j = 1; j <= 5; j++)
				v = v * 2 + substr(bits, i * 5 + j, 1)
			name = name substr("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", v + 1, 1)
		}
		print name
	}'
