#!/bin/sh
# The gss-sodium tool: keygen, pubkey, check, help and exit codes.
. "$abs_top_srcdir/tests/lib.sh"
make_scratch
cd "$scratch" || bail_out "cannot enter $scratch"
unset GSS_SODIUM_KEYTAB GSS_SODIUM_IDENTITY GSS_SODIUM_PEERS GSS_SODIUM_CONF

"$tool" keygen HTTP@Web.Example -f keytab >out 2>err
rc=$?
check "keygen exits 0" test $rc -eq 0
check "keygen prints exactly one peers line on stdout" \
	sh -c 'test $(wc -l <out) -eq 1 && grep -Eq "^HTTP@web\.example [A-Za-z0-9+/]{43}=$" out'
check "keygen reports on stderr" grep -q "added a key for HTTP@web.example to keytab" err
check "keygen creates the file with mode 0600" sh -c 'test "$(stat -c %a keytab)" = 600'
check "the key file holds the canonical name and a private key" \
	sh -c 'grep -Eq "^HTTP@web\.example [A-Za-z0-9+/]{43}=$" keytab && ! grep -qF "$(cut -d" " -f2 out)" keytab'
check "pubkey prints the same peers line" sh -c "\"$tool\" pubkey -f keytab | cmp - out"

"$tool" keygen HTTP@web.example -f keytab >>out 2>/dev/null
check "a second keygen appends a different key" \
	sh -c 'test $(wc -l <keytab) -eq 2 && test $(sort -u out | wc -l) -eq 2'
check "pubkey NAME prints every key of that name" \
	sh -c "\"$tool\" pubkey -f keytab HTTP@web.example | cmp - out"

printf 'alice dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=' >nonl && chmod 600 nonl
"$tool" keygen bob -f nonl >/dev/null 2>&1
check "keygen starts a new line when the file lacks a final newline" \
	sh -c 'test $(wc -l <nonl) -eq 2 && tail -n1 nonl | grep -q "^bob "'

"$tool" keygen alice -f id >>peers 2>/dev/null
check "keygen output appends to a peers file" grep -q '^alice ' peers
echo "broken" >>nonl
check "keygen refuses to append to a broken file" \
	sh -c "! \"$tool\" keygen carol -f nonl 2>err && grep -q 'nonl line 3' err"

mkdir -p cfg
GSS_SODIUM_IDENTITY="$scratch/cfg/sub/identity" "$tool" keygen dave >/dev/null 2>&1
check "keygen without -f uses GSS_SODIUM_IDENTITY for a user and creates directories" \
	test -s cfg/sub/identity
GSS_SODIUM_KEYTAB="$scratch/cfg/keytab" "$tool" keygen smtp@mx >/dev/null 2>&1
check "keygen without -f uses GSS_SODIUM_KEYTAB for a service" grep -q '^smtp@mx ' cfg/keytab

export GSS_SODIUM_KEYTAB="$scratch/keytab" GSS_SODIUM_IDENTITY="$scratch/id" \
	GSS_SODIUM_PEERS="$scratch/peers" GSS_SODIUM_CONF="$scratch/sodium.conf"
mkdir -m 700 rcache-good
printf 'context_lifetime = 1h\nrcache_dir = %s\n' "$scratch/rcache-good" >sodium.conf
check "check passes on good files" "$tool" check
chmod 644 id
"$tool" check >out 2>err
rc=$?
check "check exits 1 on a world-readable identity file" test $rc -eq 1
check "check names the file and the fix" grep -q "$scratch/id: .*chmod 600 $scratch/id" err
chmod 600 id
"$tool" keygen svc@host -f keytab >/dev/null 2>&1 && chmod 620 keytab
"$tool" check >out 2>err
rc=$?
check "check exits 1 on a keytab of mode 620, naming it and the fix" \
	sh -c "test $rc -eq 1 && grep -q '$scratch/keytab: .*chmod g-w $scratch/keytab' err"
chmod 600 keytab
chmod 664 peers
"$tool" check >out 2>err
rc=$?
check "check exits 1 on a group-writable peers file" \
	sh -c "test $rc -eq 1 && grep -q '$scratch/peers: .*chmod g-w $scratch/peers' err"
chmod 644 peers
printf 'context_lifetime = 1h\nrcache_dir = %s\nlocalname = map\n' "$scratch/rcache-good" >sodium.conf
printf 'alice alice\nbob\n' >localnames
GSS_SODIUM_LOCALNAMES="$scratch/localnames" "$tool" check >out 2>err
rc=$?
check "check exits 1 on a malformed local account map (localname = map), naming the line" \
	sh -c "test $rc -eq 1 && grep -q '$scratch/localnames line 2: expected' err"
printf 'alice alice\n' >localnames
check "check reads a good local account map" \
	sh -c "GSS_SODIUM_LOCALNAMES='$scratch/localnames' '$tool' check | grep -q '^ok: local account map $scratch/localnames\$'"
printf 'context_lifetime = 1h\nrcache_dir = %s\n' "$scratch/rcache-good" >sodium.conf
"$tool" keygen eve -f id >/dev/null 2>&1 && chmod 660 id
"$tool" keygen mallory -f id >out 2>err
rc=$?
check "keygen refuses to add to a group-writable identity file" \
	sh -c "test $rc -eq 1 && test ! -s out && grep -q 'chmod g-w' err && ! grep -q mallory id"
chmod 600 id
echo "colour = blue" >>sodium.conf
"$tool" check >out 2>err
rc=$?
check "check exits 1 on an unknown setting, naming file and line" \
	sh -c "test $rc -eq 1 && grep -q 'sodium.conf line 3: unknown setting' err"
# The sealing keyring's import-once replay cache: checked, never made.
"$tool" sealkey new -f sealkeys >/dev/null 2>&1
mkdir -m 700 rcache
echo "rcache_dir = $scratch/rcache" >sodium.conf
GSS_SODIUM_SEALKEYS="$scratch/sealkeys" "$tool" check >out 2>err
rc=$?
check "check passes on a private replay cache directory and makes no cache in it" \
	sh -c "test $rc -eq 0 && grep -q 'replay cache directory $scratch/rcache' out && test -z \"\$(ls rcache)\""
GSS_SODIUM_KEYTAB="$scratch/keytab" "$tool" check >out 2>err
rc=$?
check "check looks at the keytab's handshake replay cache too, and makes none" \
	sh -c "test $rc -eq 0 && grep -q '^ok: handshake replay cache directory $scratch/rcache' out && test -z \"\$(ls rcache)\""
chmod 1777 rcache
GSS_SODIUM_SEALKEYS="$scratch/sealkeys" "$tool" check >out 2>err
rc=$?
check "check exits 1 on a replay cache directory any user may write, naming the fix" \
	sh -c "test $rc -eq 1 && grep -q 'chmod o-w $scratch/rcache' err"
rmdir rcache
GSS_SODIUM_SEALKEYS="$scratch/sealkeys" "$tool" check >out 2>err
rc=$?
check "check accepts a missing replay cache directory that an import would make" \
	sh -c "test $rc -eq 0 && grep -q 'replay cache directory $scratch/rcache' out && test ! -e rcache"
echo "rcache_dir = $scratch/none/rcache" >sodium.conf
GSS_SODIUM_SEALKEYS="$scratch/sealkeys" "$tool" check >out 2>err
rc=$?
check "check exits 1 on a replay cache directory that cannot be made, naming the fix" \
	sh -c "test $rc -eq 1 && grep -q '$scratch/none/rcache does not exist.*install -d' err"
echo "context_lifetime = 1h" >sodium.conf

echo "eve" >>peers
"$tool" check >/dev/null 2>err
rc=$?
check "check exits 1 on a malformed peers line" \
	sh -c "test $rc -eq 1 && grep -q 'peers line 2' err"

for cmd in keygen pubkey check; do
	check "$cmd --help exits 0 and shows usage" \
		sh -c "\"$tool\" $cmd --help | grep -q '^usage: gss-sodium $cmd'"
done
check "--help exits 0" sh -c "\"$tool\" --help | grep -q '^usage'"
for args in "" "frobnicate" "keygen" "keygen a b" "keygen a -f" "pubkey -x" "check extra"; do
	# shellcheck disable=SC2086
	"$tool" $args >/dev/null 2>&1
	rc=$?
	check "'gss-sodium $args' is a usage error (exit 2)" test $rc -eq 2
done
"$tool" keygen "bad name" -f x >/dev/null 2>err
rc=$?
check "keygen refuses an invalid name with exit 1" \
	sh -c "test $rc -eq 1 && grep -q 'space' err"

finish
