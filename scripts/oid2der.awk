# Prints the DER contents octets of a dotted OID as C string escapes
# ("\x2b\x06..."); exits 1 when the input is not a dotted OID.
function base128(v,    s) {
	s = sprintf("\\x%02x", v % 128)
	v = int(v / 128)
	while (v > 0) {
		s = sprintf("\\x%02x", 128 + v % 128) s
		v = int(v / 128)
	}
	return s
}
BEGIN { FS = "." }
{
	if ($0 !~ /^[0-9]+(\.[0-9]+)+$/ || $1 > 2 || ($1 < 2 && $2 > 39))
		exit 1
	out = base128($1 * 40 + $2)
	for (i = 3; i <= NF; i++)
		out = out base128($i)
	printf "%s\n", out
}
