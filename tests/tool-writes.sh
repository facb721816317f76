#!/bin/sh
# The tool's changes to key files are all or nothing: when a write fails
# (a file size limit, a full file system) the file keeps every byte it
# had, no temporary file is left, and the message gives the real error.
# A torn last line would make every process refuse the whole file.
. "$abs_top_srcdir/tests/lib.sh"
make_scratch
cd "$scratch" || bail_out "cannot enter $scratch"
unset GSS_SODIUM_KEYTAB GSS_SODIUM_IDENTITY GSS_SODIUM_PEERS GSS_SODIUM_CONF \
	GSS_SODIUM_SEALKEYS

# pad FILE SIZE: append a comment line that brings FILE to SIZE bytes.
pad() {
	need=$(($2 - $(wc -c <"$1") - 3))
	[ "$need" -ge 0 ] || bail_out "$1 is already longer than $2 bytes"
	{ printf '# '; head -c "$need" /dev/zero | tr '\0' x; echo; } >>"$1"
	[ "$(wc -c <"$1")" -eq "$2" ] || bail_out "could not pad $1 to $2 bytes"
}

# only_files DIR NAME...: DIR holds exactly these names (no temporary file).
only_files() {
	dir=$1
	shift
	test "$(ls -A "$dir" | sort | tr '\n' ' ')" = "$(printf '%s\n' "$@" | sort | tr '\n' ' ')"
}

# ---- a file size limit -------------------------------------------------------

# With SIGXFSZ ignored, a write past 'ulimit -f' fails with EFBIG; what a
# block of 'ulimit -f' is depends on the shell, so it is measured.
limit=$( (trap '' XFSZ; ulimit -f 1; head -c 4096 /dev/zero >probe) 2>/dev/null; wc -c <probe)
[ "$limit" -gt 0 ] || bail_out "'ulimit -f 1' does not limit the size of files"

# The file ends 20 bytes before the limit, so that an append in place
# would cross it in the middle of the new line.
mkdir limited
"$tool" sealkey new -f limited/ring >/dev/null 2>&1 || bail_out "sealkey new failed"
pad limited/ring $((limit - 20))
cp limited/ring ring.before
(trap '' XFSZ; ulimit -f 1; exec "$tool" sealkey new -f limited/ring) >out 2>err
rc=$?
check "sealkey new past the file size limit exits 1" test $rc -eq 1
check "it prints no key ID" test ! -s out
check "it leaves the keyring byte for byte as it was" cmp ring.before limited/ring
check "it names the keyring and the real error (File too large)" \
	grep -q "limited/ring.*File too large" err
check "it never says 'Success'" sh -c '! grep -q Success err'
check "it leaves no temporary file" only_files limited ring
check "the keyring still reads" "$tool" sealkey list -f limited/ring

# A keyring bigger than the limit: its rewrite fails on the first block.
cp limited/ring limited/big && pad limited/big $((limit + 100))
cp limited/big big.before
(trap '' XFSZ; ulimit -f 1; exec "$tool" sealkey retire 1 -f limited/big) >/dev/null 2>err
rc=$?
check "sealkey retire past the limit exits 1, names the error, changes nothing" \
	sh -c "test $rc -eq 1 && grep -q 'limited/big.*File too large' err &&
	       cmp big.before limited/big"
check "sealkey retire leaves no temporary file" only_files limited ring big

"$tool" keygen alice -f limited/identity >/dev/null 2>&1 || bail_out "keygen failed"
pad limited/identity $((limit - 20))
cp limited/identity identity.before
(trap '' XFSZ; ulimit -f 1; exec "$tool" keygen bob -f limited/identity) >out 2>err
rc=$?
check "keygen past the file size limit exits 1" test $rc -eq 1
check "keygen prints no peers line" test ! -s out
check "keygen leaves the identity file byte for byte as it was" \
	cmp identity.before limited/identity
check "keygen names the file and the real error (File too large)" \
	grep -q "limited/identity.*File too large" err
check "keygen never says 'Success'" sh -c '! grep -q Success err'
check "keygen leaves no temporary file" only_files limited ring big identity

(trap '' XFSZ; ulimit -f 1; exec "$tool" keygen carol -f limited/new-identity) >out 2>err
rc=$?
check "keygen making a new file within the limit succeeds" \
	sh -c "test $rc -eq 0 && grep -q '^carol ' out"

# ---- what a replacement keeps -------------------------------------------------

# Edits are serialised by a lock on the directory: a key added while
# another keygen replaces the file is not lost.
mkdir busy
for i in 1 2 3 4 5 6 7 8; do
	"$tool" keygen "user$i" -f busy/identity >>busy/peers 2>/dev/null &
done
wait
sort busy/peers >busy/peers.sorted
check "concurrent keygen into one file keep every key" \
	sh -c "test \$(wc -l <busy/identity) -eq 8 &&
	       \"$tool\" pubkey -f busy/identity | sort | cmp - busy/peers.sorted"

# The owner's and group's bits and the group are kept, so that a service
# group that reads the file still can.
"$tool" keygen svc@host -f keytab >/dev/null 2>&1 && chmod 640 keytab &&
	cp ring.before ring640 && chmod 640 ring640 || bail_out "cannot make the files"
group=
if [ "$(id -u)" -eq 0 ] && getent group 100 >/dev/null; then
	group=100
	chgrp "$group" keytab ring640
fi
"$tool" keygen svc@host -f keytab >/dev/null 2>&1
"$tool" sealkey new -f ring640 >/dev/null 2>&1
check "keygen keeps a keytab's mode 0640" sh -c 'test "$(stat -c %a keytab)" = 640'
check "sealkey new keeps a keyring's mode 0640" sh -c 'test "$(stat -c %a ring640)" = 640'
if [ -n "$group" ]; then
	check "keygen and sealkey new keep the file's group" \
		sh -c "test \"\$(stat -c %g keytab ring640 | sort -u)\" = $group"
else
	ok "# SKIP keeping the group: needs root and a group 100"
fi

ln -s keytab link
"$tool" keygen svc@host -f link >/dev/null 2>err
rc=$?
check "keygen refuses to replace a symbolic link, naming it" \
	sh -c "test $rc -eq 1 && grep -q 'link is not a regular file' err && test -L link"

# ---- a full file system ------------------------------------------------------

# A tmpfs of a few pages, filled up, inside a mount namespace of its own
# (so that nothing outlives the test).  The files end 20 bytes before a
# page boundary, so that an append in place would fail in the new line.
cat >full.sh <<'EOF'
tool=$1
mnt=$PWD/full
mkdir "$mnt" &&
mount -t tmpfs -o size=64k,mode=0700 gss-sodium-test "$mnt" &&
cp ring.page "$mnt/ring" && cp identity.page "$mnt/identity" &&
chmod 600 "$mnt/ring" "$mnt/identity" || exit 1
dd if=/dev/zero of="$mnt/fill" bs=4096 2>/dev/null
"$tool" sealkey new -f "$mnt/ring" >new.out 2>new.err
echo $? >new.rc
"$tool" keygen bob -f "$mnt/identity" >keygen.out 2>keygen.err
echo $? >keygen.rc
cmp ring.page "$mnt/ring" >/dev/null && echo same >new.same
cmp identity.page "$mnt/identity" >/dev/null && echo same >keygen.same
ls -A "$mnt" | sort | tr '\n' ' ' >listing
EOF

page=$(getconf PAGESIZE)
"$tool" sealkey new -f ring.page >/dev/null 2>&1 && pad ring.page $((page - 20)) &&
	"$tool" keygen alice -f identity.page >/dev/null 2>&1 &&
	pad identity.page $((page - 20)) || bail_out "could not make the files for tmpfs"
if [ "$(id -u)" -ne 0 ]; then
	ok "# SKIP a full file system: mounting a tmpfs needs root"
elif ! unshare -m true 2>/dev/null; then
	ok "# SKIP a full file system: 'unshare -m' does not work here"
else
	unshare -m sh full.sh "$tool" >tmpfs.log 2>&1
	if [ ! -f new.rc ]; then
		ok "# SKIP a full file system: could not mount a tmpfs: $(tr '\n' ' ' <tmpfs.log)"
	else
		check "sealkey new on a full file system exits 1 and prints no ID" \
			sh -c 'test "$(cat new.rc)" = 1 && test ! -s new.out'
		check "it leaves the keyring byte for byte as it was" test -f new.same
		check "it names the keyring and the real error (No space left on device)" \
			grep -q "full/ring.*No space left on device" new.err
		check "keygen on a full file system exits 1 and prints no peers line" \
			sh -c 'test "$(cat keygen.rc)" = 1 && test ! -s keygen.out'
		check "keygen leaves the identity file byte for byte as it was" test -f keygen.same
		check "keygen names the file and the real error (No space left on device)" \
			grep -q "full/identity.*No space left on device" keygen.err
		check "no temporary file is left on the full file system" \
			test "$(cat listing)" = "fill identity ring "
	fi
fi

finish
