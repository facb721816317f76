#!/bin/sh
# The gss-sodium tool's sealing keyring commands (sealkey new, list, retire,
# prune), inspect on exported context tokens, and check on the keyring.
. "$abs_top_srcdir/tests/lib.sh"
make_scratch
cd "$scratch" || bail_out "cannot enter $scratch"
unset GSS_SODIUM_KEYTAB GSS_SODIUM_IDENTITY GSS_SODIUM_PEERS GSS_SODIUM_CONF \
	GSS_SODIUM_SEALKEYS

# ---- sealkey new and list ----------------------------------------------------

"$tool" sealkey new -f ring >out 2>err
rc=$?
check "sealkey new exits 0" test $rc -eq 0
check "sealkey new prints only the new ID (1) on stdout" sh -c 'test "$(cat out)" = 1'
check "sealkey new reports on stderr" \
	grep -q "added sealing key 1 to ring; it seals new exports" err
check "sealkey new creates the keyring with mode 0600" sh -c 'test "$(stat -c %a ring)" = 600'
check "the key line is 'ID KEY-BASE64 CREATED'" \
	grep -Eq '^1 [A-Za-z0-9+/]{43}= [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$' ring

"$tool" sealkey new -f ring >out 2>/dev/null
check "a second sealkey new prints 2" sh -c 'test "$(cat out)" = 2'
check "the second key differs from the first" \
	sh -c 'test $(cut -d" " -f2 ring | sort -u | wc -l) -eq 2'
"$tool" sealkey list -f ring >out 2>err
rc=$?
check "sealkey list exits 0" test $rc -eq 0
check "sealkey list shows key 1 opening and key 2 sealing, in file order" \
	sh -c 'sed "s/ [^ ]*Z / /" out | tr "\n" ";" | grep -qx "1 opens;2 sealing;"'
cut -d' ' -f2 out >listed
check "sealkey list shows each key's creation time" sh -c 'cut -d" " -f3 ring | cmp - listed'
check "sealkey list never prints key bytes" \
	sh -c 'for k in $(cut -d" " -f2 ring); do grep -qF "$k" out err && exit 1; done; exit 0'

mkdir -p deep
GSS_SODIUM_SEALKEYS="$scratch/deep/er/sealkeys" "$tool" sealkey new >out 2>/dev/null
check "sealkey new without -f uses GSS_SODIUM_SEALKEYS and creates directories" \
	sh -c 'test "$(cat out)" = 1 && test "$(stat -c %a deep/er/sealkeys)" = 600'

# Edits are serialised (a lock on the directory), so IDs never repeat.
for i in 1 2 3 4 5 6 7 8; do
	"$tool" sealkey new -f busy >>busy-ids 2>/dev/null &
done
wait
check "concurrent sealkey new give distinct IDs and a valid keyring" \
	sh -c "test \"\$(sort -n busy-ids | tr '\n' ' ')\" = '1 2 3 4 5 6 7 8 ' &&
	       \"$tool\" sealkey list -f busy >/dev/null"

printf '1 %s 2026-01-01T00:00:00Z' "$(head -c 32 /dev/urandom | base64)" >nonl
chmod 600 nonl
"$tool" sealkey new -f nonl >/dev/null 2>&1
check "sealkey new starts a new line when the file lacks a final newline" \
	sh -c 'test $(wc -l <nonl) -eq 2 && tail -n1 nonl | grep -q "^2 "'

# ---- staged rotation (--after) ---------------------------------------------

"$tool" sealkey new -f staged >/dev/null 2>&1
"$tool" sealkey new --after 3600 -f staged >out 2>err
rc=$?
check "sealkey new --after 3600 exits 0 and prints the new ID (2)" \
	sh -c "test $rc -eq 0 && test \"\$(cat out)\" = 2"
check "sealkey new --after says when the key seals and to copy the keyring first" \
	grep -q "added sealing key 2 to staged; it opens tokens now and seals new exports from 20[0-9-]*T[0-9:]*Z (in 3600 s): copy the keyring" err
check "the staged key's line carries from= an hour after its creation" \
	sh -c 'set -- $(tail -n1 staged); test "$(date -u -d "$3 + 1 hour" +%Y-%m-%dT%H:%M:%SZ)" = "${4#from=}"'
"$tool" sealkey list -f staged >out 2>/dev/null
check "sealkey list: key 1 still seals, key 2 opens and seals from its time" \
	sh -c "grep -q '^1 .* sealing\$' out && grep -q '^2 .* opens, seals from 20[0-9-]*T[0-9:]*Z\$' out"
"$tool" sealkey new --after 0 -f staged >out 2>err
rc=$?
check "sealkey new --after 0 is a usage error (exit 2)" \
	sh -c "test $rc -eq 2 && grep -q 'from 1 to 31622400' err"
"$tool" sealkey list --after 5 -f staged >out 2>err
rc=$?
check "--after is refused for sealkey list" sh -c "test $rc -eq 2 && grep -q 'for .sealkey new. only' err"

# ---- retire and prune --------------------------------------------------------

"$tool" sealkey retire 2 -f ring >/dev/null 2>err
rc=$?
check "sealkey retire of the sealing key exits 0" test $rc -eq 0
check "retire says that the next key seals now" grep -q "key 1 seals new exports now" err
"$tool" sealkey list -f ring >out 2>/dev/null
check "after retire 2, key 1 is sealing and key 2 retired" \
	sh -c 'sed "s/ [^ ]*Z / /" out | tr "\n" ";" | grep -qx "1 sealing;2 retired;"'
check "the retired key's line ends in ' retired'" grep -Eq '^2 .*Z retired$' ring
check "the rewritten keyring keeps mode 0600" sh -c 'test "$(stat -c %a ring)" = 600'
check "no temporary file is left beside the keyring" sh -c 'test -z "$(ls ring.* 2>/dev/null)"'

"$tool" sealkey retire 2 -f ring >/dev/null 2>err
rc=$?
check "retiring a retired key exits 0 and says so" \
	sh -c "test $rc -eq 0 && grep -q 'already retired' err"
"$tool" sealkey retire 7 -f ring >/dev/null 2>err
rc=$?
check "retiring an unknown ID exits 1 with a message" \
	sh -c "test $rc -eq 1 && grep -q 'holds no key 7' err"

# Comments, blank lines and a comment after a key survive the edits.
{
	echo "# sealing keys of this host"
	echo
	cat ring
	printf '3 %s 2026-01-01T00:00:00Z  # the third key\n' "$(head -c 32 /dev/urandom | base64)"
	echo "# end"
} >ring2 && chmod 640 ring2
"$tool" sealkey retire 3 -f ring2 >/dev/null 2>&1
check "retire puts 'retired' before a line's comment" \
	grep -Eq '^3 [^#]*Z retired  # the third key$' ring2
check "the rewrite keeps the keyring's mode (0640)" sh -c 'test "$(stat -c %a ring2)" = 640'
"$tool" sealkey prune -f ring2 >/dev/null 2>err
rc=$?
check "sealkey prune exits 0 and counts what it removed" \
	sh -c "test $rc -eq 0 && grep -q 'removed 2 retired keys' err"
check "prune drops the retired lines and keeps comments and blank lines" \
	sh -c 'test "$(grep -c . ring2)" -eq 3 && grep -qx "# sealing keys of this host" ring2 &&
	       grep -qx "# end" ring2 && grep -q "^1 " ring2 && test "$(sed -n 2p ring2)" = ""'
"$tool" sealkey prune -f ring2 >/dev/null 2>err
rc=$?
check "prune with nothing retired exits 0 and says so" \
	sh -c "test $rc -eq 0 && grep -q 'no retired key' err"
# The rule is 'highest existing ID + 1': ID 3 was pruned, 1 is the highest.
"$tool" sealkey new -f ring2 >out 2>/dev/null
check "sealkey new after prune gives the highest remaining ID + 1 (2)" \
	sh -c 'test "$(cat out)" = 2'

# ---- refusals ----------------------------------------------------------------

cp ring open && chmod 644 open
"$tool" sealkey new -f open >out 2>err
rc=$?
check "sealkey new refuses a world-readable keyring with exit 1 and the fix" \
	sh -c "test $rc -eq 1 && test ! -s out && grep -q 'chmod 600 open' err"
check "the refused keyring is unchanged" cmp ring open
"$tool" sealkey retire 1 -f open >/dev/null 2>err
rc=$?
check "sealkey retire refuses a world-readable keyring" \
	sh -c "test $rc -eq 1 && grep -q 'chmod 600 open' err && cmp ring open"

# A member of the keyring's group could add the key that seals every
# later export: group write is refused, group read is not.
cp ring shared && chmod 660 shared
"$tool" sealkey new -f shared >out 2>err
rc=$?
check "sealkey new refuses a group-writable keyring with exit 1 and the fix" \
	sh -c "test $rc -eq 1 && test ! -s out && grep -q 'chmod g-w shared' err && cmp ring shared"

cp ring broken && echo "4 not-base64 2026-01-01T00:00:00Z" >>broken
for cmd in new list prune "retire 1"; do
	# shellcheck disable=SC2086
	"$tool" sealkey $cmd -f broken >/dev/null 2>err
	rc=$?
	check "sealkey $cmd refuses a malformed keyring, naming file and line" \
		sh -c "test $rc -eq 1 && grep -q 'broken line 3' err"
done
check "the malformed keyring is unchanged" sh -c 'test $(wc -l <broken) -eq 3'
"$tool" sealkey list -f missing >/dev/null 2>err
rc=$?
check "sealkey list on a missing keyring exits 1 with a message" \
	sh -c "test $rc -eq 1 && grep -q 'missing: the sealing keyring does not exist' err"

# ---- inspect -----------------------------------------------------------------

check "inspect on garbage exits 1 with a message" \
	sh -c "echo hello | \"$tool\" inspect 2>err; test \$? -eq 1 && grep -q 'not a gss-sodium' err"
check "inspect on an empty file exits 1" sh -c ": >empty; ! \"$tool\" inspect empty 2>/dev/null"
check "inspect on a missing file exits 1" sh -c "! \"$tool\" inspect nonexistent 2>/dev/null"
# Another mechanism's context, as MIT's mechglue wraps it (Kerberos OID).
printf '\000\000\000\011\052\206\110\206\367\022\001\002\002sodX' >krb5
"$tool" inspect krb5 >/dev/null 2>err
rc=$?
check "inspect on another mechanism's token exits 1 naming its OID" \
	sh -c "test $rc -eq 1 && grep -q 'not a gss-sodium token.*1.2.840.113554.1.2.2' err"

"$tool" keygen test@localhost -f keytab >>peers 2>/dev/null &&
"$tool" keygen alice -f identity >>peers 2>/dev/null &&
printf 'rcache_dir = %s/rcache\nticket_cache = file\n' "$scratch" >sodium.conf &&
mkdir -m 700 rcache &&
echo "sodium $MECH_OID $module" >mech ||
	bail_out "could not make key files with $tool"
if /usr/bin/python3 -c 'import gssapi' 2>/dev/null; then
	GSS_MECH_CONFIG="$scratch/mech" GSS_SODIUM_KEYTAB="$scratch/keytab" \
	GSS_SODIUM_IDENTITY="$scratch/identity" GSS_SODIUM_PEERS="$scratch/peers" \
	GSS_SODIUM_CONF="$scratch/sodium.conf" GSS_SODIUM_SEALKEYS="$scratch/ring" \
	GSS_SODIUM_TICKETS="$scratch/tickets" \
		$foreign /usr/bin/python3 -c 'import gssapi, sys
m = gssapi.OID.from_int_seq(sys.argv[1])
i = gssapi.SecurityContext(name=gssapi.Name("test@localhost", gssapi.NameType.hostbased_service),
                           mech=m, usage="initiate")
a = gssapi.SecurityContext(usage="accept")
i.step(a.step(i.step()))
sys.stdout.buffer.write(a.export())' "$MECH_OID" >token 2>err ||
		bail_out "could not export a context: $(cat err)"
	# MIT's mechglue puts u32 length || the 10 OID bytes in front.
	tail -c +15 token >bare

	"$tool" inspect token >out 2>err
	rc=$?
	check "inspect on an MIT-wrapped token exits 0" test $rc -eq 0
	check "inspect names the mechanism by OID and as gss-sodium" \
		grep -qx "mechanism: $MECH_OID (gss-sodium, MIT mechglue form)" out
	check "inspect shows the sealing key ID (1)" grep -qx 'sealing key: 1' out
	check "inspect shows created and not-after in UTC" \
		sh -c 'grep -Eqx "created: [0-9-]{10}T[0-9:]{8}Z" out &&
		       grep -Eqx "not after: [0-9-]{10}T[0-9:]{8}Z" out'
	check "inspect shows a fresh token as not expired" grep -q '^expired: no, .* left$' out
	check "inspect shows the total size" \
		grep -q "^size: $(wc -c <token) bytes (mechglue prefix 14, header 56, sealed " out
	check "inspect never prints a key" \
		sh -c 'for k in $(cut -d" " -f2 ring) $(cut -d" " -f2 keytab identity); do
			grep -qF "$k" out && exit 1; done; exit 0'
	# The "expired:" line counts down, so it is left out of the comparison.
	check "inspect reads standard input by default and for '-'" \
		sh -c "grep -v '^expired:' out >out.fixed &&
		       \"$tool\" inspect <token | grep -v '^expired:' | cmp - out.fixed &&
		       \"$tool\" inspect - <token | grep -v '^expired:' | cmp - out.fixed"
	GSS_SODIUM_SEALKEYS="$scratch/staged" "$tool" inspect token >out 2>err
	check "inspect gives the state of the token's key in the user's keyring" \
		grep -qx "keyring $scratch/staged: key 1 sealing" out
	GSS_SODIUM_SEALKEYS="$scratch/nonl" "$tool" sealkey retire 1 >/dev/null 2>&1
	GSS_SODIUM_SEALKEYS="$scratch/nonl" "$tool" inspect token >out 2>err
	check "inspect says when that key is retired" \
		grep -qx "keyring $scratch/nonl: key 1 retired" out
	printf '2 %s 2026-01-01T00:00:00Z\n' "$(head -c 32 /dev/urandom | base64)" >only2
	chmod 600 only2
	GSS_SODIUM_SEALKEYS="$scratch/only2" "$tool" inspect token >out 2>err
	check "inspect says when the keyring holds no such key" \
		grep -qx "keyring $scratch/only2: holds no key 1, so the token does not open here" out
	"$tool" inspect bare >out 2>err
	rc=$?
	check "inspect on the bare token exits 0" test $rc -eq 0
	check "inspect calls the bare token gss-sodium (bare token)" \
		grep -qx 'mechanism: gss-sodium (bare token)' out
	check "inspect on the bare token shows key, size and times" \
		sh -c "grep -qx 'sealing key: 1' out && grep -q '^not after: ' out &&
		       grep -q \"^size: $(wc -c <bare) bytes (header 56, sealed \" out"
	# Heimdal 7.8's mechglue puts u16 length || the OID in front.
	{ printf '\000\012'; tail -c +5 token; } >heimdal
	check "inspect reads Heimdal's wrapping" \
		sh -c "\"$tool\" inspect heimdal | grep -qx 'mechanism: $MECH_OID (gss-sodium, Heimdal mechglue form)'"
	# Header fields are readable without the key: not-after 1, uid-bound 1000.
	{ head -c 5 bare; printf '\001'; head -c 20 bare | tail -c 14
	  printf '\000\000\000\000\000\000\000\001\000\000\003\350'; tail -c +33 bare; } >edited
	"$tool" inspect edited >out 2>err
	rc=$?
	check "inspect on an expired token exits 0 and says expired" \
		sh -c "test $rc -eq 0 && grep -q '^expired: yes, .* ago$' out &&
		       grep -qx 'not after: 1970-01-01T00:00:01Z' out"
	check "inspect shows the uid binding" grep -qx 'uid-bound: yes, uid 1000' out
	head -c 60 bare >short
	"$tool" inspect short >/dev/null 2>err
	rc=$?
	check "inspect on a truncated token exits 1" \
		sh -c "test $rc -eq 1 && grep -q 'shorter than its header' err"

	# The handshake left the initiator's ticket in the ticket cache file.
	GSS_SODIUM_SEALKEYS="$scratch/ring" "$tool" inspect tickets >out 2>err
	rc=$?
	check "inspect on a ticket cache file exits 0 and names the target" \
		sh -c "test $rc -eq 0 && grep -qx 'ticket for: test@localhost' out &&
		       grep -qx 'resumption ticket: format version 2' out"
	check "inspect shows the ticket's sealing key, times and its state" \
		sh -c "grep -qx 'sealing key: 1' out && grep -q '^expired: no, .* left$' out &&
		       grep -qx 'keyring $scratch/ring: key 1 sealing' out"
	check "inspect never prints a ticket's secret" \
		sh -c 'test -n "$(cut -d" " -f5 tickets)" && ! grep -qF "$(cut -d" " -f5 tickets)" out'
	cut -d' ' -f6 tickets | base64 -d >ticket
	"$tool" inspect ticket >out 2>err
	rc=$?
	check "inspect on a bare ticket exits 0 and shows its header" \
		sh -c "test $rc -eq 0 && grep -qx 'sealing key: 1' out &&
		       grep -q \"^size: $(wc -c <ticket) bytes (header 52, sealed \" out &&
		       ! grep -q '^ticket for:' out"
	{ cat tickets; echo 'HTTP@web not a ticket line'; } >tickets.bad
	"$tool" inspect tickets.bad >out 2>err
	rc=$?
	check "inspect on a ticket cache with a bad line exits 1 naming the line" \
		sh -c "test $rc -eq 1 && grep -q 'tickets.bad line 2 is not a gss-sodium ticket cache line' err"
else
	ok "# SKIP inspect on real tokens: python3-gssapi is not installed"
fi

# ---- check -------------------------------------------------------------------

export GSS_SODIUM_KEYTAB="$scratch/keytab" GSS_SODIUM_IDENTITY="$scratch/identity" \
	GSS_SODIUM_PEERS="$scratch/peers" GSS_SODIUM_CONF="$scratch/sodium.conf" \
	GSS_SODIUM_SEALKEYS="$scratch/ring"
"$tool" check >out 2>err
rc=$?
check "check reports the sealing keyring with its count and sealing key" \
	sh -c "test $rc -eq 0 && grep -qx 'ok: sealkeys $scratch/ring (2 keys, sealing key 1)' out"
GSS_SODIUM_SEALKEYS="$scratch/broken" "$tool" check >/dev/null 2>err
rc=$?
check "check exits 1 on a malformed keyring, naming file and line" \
	sh -c "test $rc -eq 1 && grep -q 'broken line 3' err"
GSS_SODIUM_SEALKEYS="$scratch/open" "$tool" check >/dev/null 2>err
rc=$?
check "check exits 1 on a world-readable keyring" \
	sh -c "test $rc -eq 1 && grep -q 'chmod 600' err"
GSS_SODIUM_SEALKEYS="$scratch/shared" "$tool" check >/dev/null 2>err
rc=$?
check "check exits 1 on a keyring of mode 660, naming it and the fix" \
	sh -c "test $rc -eq 1 && grep -q '$scratch/shared: .*group.*chmod g-w $scratch/shared' err"
cp ring shared && chmod 640 shared
GSS_SODIUM_SEALKEYS="$scratch/shared" "$tool" check >out 2>err
rc=$?
check "check accepts a keyring of mode 640" \
	sh -c "test $rc -eq 0 && grep -q '^ok: sealkeys $scratch/shared' out"
if [ "$(id -u)" -eq 0 ]; then
	cp ring theirs && chown 1234 theirs
	GSS_SODIUM_SEALKEYS="$scratch/theirs" "$tool" check >/dev/null 2>err
	rc=$?
	check "check exits 1 on a keyring owned by another user (uid 1234), naming the fix" \
		sh -c "test $rc -eq 1 && grep -q '$scratch/theirs: .*uid 1234.*chown root $scratch/theirs' err"
	"$tool" sealkey new -f theirs >/dev/null 2>err
	rc=$?
	check "sealkey new refuses a keyring owned by another user and leaves it" \
		sh -c "test $rc -eq 1 && grep -q 'uid 1234' err && cmp ring theirs"
else
	ok "# SKIP a keyring owned by another user: making one takes chown, run as root"
fi
if [ ! -e /etc/gss/sodium/sealkeys ]; then
	(unset GSS_SODIUM_SEALKEYS; "$tool" check) >out 2>/dev/null
	check "check reports an absent default keyring" \
		grep -qx 'absent: sealkeys /etc/gss/sodium/sealkeys' out
fi

# ---- help and usage ----------------------------------------------------------

for cmd in sealkey "sealkey new" "sealkey list" "sealkey retire" "sealkey prune"; do
	# shellcheck disable=SC2086
	check "$cmd --help exits 0 and shows usage" \
		sh -c "\"$tool\" $cmd --help | grep -q '^usage: gss-sodium sealkey'"
done
check "inspect --help exits 0 and shows usage" \
	sh -c "\"$tool\" inspect --help | grep -q '^usage: gss-sodium inspect'"
check "the main usage lists sealkey and inspect" \
	sh -c "\"$tool\" --help | grep -q '^  sealkey' && \"$tool\" --help | grep -q '^  inspect'"
for args in "sealkey" "sealkey frob" "sealkey new extra" "sealkey list -x" \
	"sealkey retire" "sealkey retire 0" "sealkey retire 01" "sealkey retire x" \
	"sealkey retire 4294967296" "sealkey retire 1 2" "sealkey prune -f" \
	"inspect a b" "inspect -f token" "inspect -q"; do
	# shellcheck disable=SC2086
	"$tool" $args >/dev/null 2>&1
	rc=$?
	check "'gss-sodium $args' is a usage error (exit 2)" test $rc -eq 2
done

finish
