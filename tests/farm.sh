#!/bin/sh
# A farm of three acceptor hosts, A, B and C, on loopback: each one
# long-lived tests/farm_node process (MIT's mechglue) with its own settings,
# local cache directory and trace, all holding copies of one keytab and
# one sealing keyring, and all keeping their replay records on one
# redis-server that the test starts on a free loopback port, with an ACL
# user and no unauthenticated access.  Checked:
#  - a token exported on A imports on B and is then refused on C;
#  - a first token accepted by A is refused by B;
#  - one token offered to all three at the same moment: exactly one import
#    wins, in each of 20 rounds;
#  - Redis stopped, frozen, out of memory, or asked with a wrong password:
#    refusals with a sentence naming the server; Redis back: service
#    resumes without a restart of the hosts;
#  - staged rotation: a key added with --after opens at once on every host
#    and seals only later.
# shellcheck source=tests/lib.sh disable=SC2154  # the environment gives abs_top_*, MECH_OID*
. "$abs_top_srcdir/tests/lib.sh"

require_packages redis-server redis-tools libfaketime iproute2
PATH=$PATH:/usr/sbin:/sbin
node="$abs_top_builddir/tests/farm_node"

make_scratch
redis_pid=
nodes=
# shellcheck disable=SC2317  # called by the trap
stop_redis() {
	[ -n "$redis_pid" ] || return 0
	kill -CONT "$redis_pid" 2>/dev/null
	stop_process "$redis_pid"
	redis_pid=
}
# shellcheck disable=SC2317  # called by the trap
cleanup() {
	exec 3>&- 4>&- 5>&-
	for pid in $nodes; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	stop_redis
	rm -f "$tap_log"
	rm -rf "$scratch"
}
trap cleanup EXIT
cd "$scratch" || bail_out "no scratch directory"

# ---- Redis: an ACL user for the farm, one for the test, nobody else ------------
rport=$(free_port)
password=$(head -c 18 /dev/urandom | base64 | tr '+/' '-_')
cat >redis.conf <<EOF
port $rport
bind 127.0.0.1
save ""
appendonly no
dir $scratch
user default off
user farm on >$password ~gss-sodium:* +eval +time +set +ping +select +auth
user admin on >admin-$password ~* +@all
EOF
start_redis() {
	redis-server "$scratch/redis.conf" >>redis.log 2>&1 &
	redis_pid=$!
	wait_for_port "$rport" "$redis_pid" || {
		sed 's/^/# redis: /' redis.log
		bail_out "redis-server did not start"
	}
}
admin() {
	redis-cli -p "$rport" --user admin --pass "admin-$password" --no-auth-warning "$@"
}
start_redis

# ---- the hosts ------------------------------------------------------------------
target=HTTP@farm.example
"$tool" keygen "$target" -f keytab >peers 2>/dev/null &&
	"$tool" keygen alice -f identity >>peers 2>/dev/null &&
	"$tool" sealkey new -f sealkeys >/dev/null 2>&1 &&
	echo "sodium $MECH_OID $module" >mech ||
	bail_out "could not make keys with $tool"
printf 'farm %s\n' "$password" >redis.auth && chmod 600 redis.auth

# host NAME: its directory, settings and copies of the shared files.
host() {
	mkdir -p "$1/rcache" && chmod 700 "$1/rcache" &&
		cp keytab identity peers sealkeys redis.auth "$1/" &&
		cat >"$1/sodium.conf" <<EOF
rcache_dir = $scratch/$1/rcache
replay_cache = redis://127.0.0.1:$rport
replay_cache_auth = $scratch/$1/redis.auth
replay_cache_timeout = 300
EOF
}

# in_host NAME COMMAND...: COMMAND with host NAME's environment.
in_host() {
	h=$1
	shift
	env GSS_MECH_CONFIG="$scratch/mech" GSS_SODIUM_CONF="$scratch/$h/sodium.conf" \
		GSS_SODIUM_KEYTAB="$scratch/$h/keytab" GSS_SODIUM_IDENTITY="$scratch/$h/identity" \
		GSS_SODIUM_PEERS="$scratch/$h/peers" GSS_SODIUM_SEALKEYS="$scratch/$h/sealkeys" \
		GSS_SODIUM_TRACE="$scratch/$h/trace" FARM_TARGET="$target" "$@"
}

# Hosts A, B and C read commands on file descriptors 3, 4 and 5.
fd=3
for h in A B C; do
	host "$h" || bail_out "could not make host $h"
	mkfifo "$h/in" || bail_out "mkfifo failed"
	in_host "$h" $foreign "$node" <"$h/in" >"$h/out" 2>"$h/err" &
	nodes="$nodes $!"
	eval "exec $fd>\"$h/in\""
	fd=$((fd + 1))
done

# ask HOST COMMAND: HOST's one-line answer to COMMAND, on stdout.
ask() {
	case $1 in A) n=3 ;; B) n=4 ;; C) n=5 ;; esac
	before=$(wc -l <"$1/out")
	echo "$2" >&"$n"
	tries=0
	while [ "$(wc -l <"$1/out")" -le "$before" ] && [ $tries -lt 300 ]; do
		sleep 0.05
		tries=$((tries + 1))
	done
	sed -n "$((before + 1))p" "$1/out"
}

# expect NAME PATTERN ANSWER: a check that ANSWER matches PATTERN (grep -E).
expect() {
	if printf '%s\n' "$3" | grep -Eq "$2"; then
		ok "$1"
	else
		not_ok "$1"
		echo "# answer: $3"
	fi
}

# ---- once across hosts ------------------------------------------------------------
expect "host A exports a context" '^ok exported$' "$(ask A "export $scratch/t1")"
expect "a token exported on A imports on B" '^ok imported$' "$(ask B "import $scratch/t1")"
expect "the same token is then refused on C: it was imported once" \
	'^refused 0x[0-9a-f]+ .*already imported once' "$(ask C "import $scratch/t1")"
check "the records went to Redis, not to the hosts' files" \
	sh -c "test \"\$(find A/rcache B/rcache C/rcache -type f | wc -l)\" -eq 0 &&
		test \"\$(redis-cli -p $rport --user admin --pass admin-$password --no-auth-warning --scan --pattern 'gss-sodium:import:*' | wc -l)\" -eq 1"

expect "A makes an initiator's first token" '^ok token1$' "$(ask A "token1 $scratch/h1")"
expect "A accepts it, naming alice" '^ok accepted alice$' "$(ask A "accept $scratch/h1")"
expect "the same first token is refused by B: a handshake is accepted once" \
	'^refused 0x[0-9a-f]+ .*accepted before' "$(ask B "accept $scratch/h1")"

# ---- a child process after fork() -----------------------------------------------------
# A's connection is in use (it just accepted); its child imports over a
# connection of its own, and A's goes on: had they shared one stream,
# replies would have crossed.
ask A "export $scratch/f1" >/dev/null
ask A "export $scratch/f2" >/dev/null
before=$(wc -l <A/out)
echo "fork $scratch/f1" >&3
tries=0
while [ "$(wc -l <A/out)" -lt $((before + 2)) ] && [ $tries -lt 300 ]; do
	sleep 0.05
	tries=$((tries + 1))
done
expect "a forked child of A imports a token over its own connection" \
	'^ok imported$' "$(sed -n "$((before + 1))p" A/out)"
expect "and exits cleanly" '^ok forked$' "$(sed -n "$((before + 2))p" A/out)"
expect "the parent goes on over its connection afterwards" '^ok imported$' \
	"$(ask A "import $scratch/f2")"
expect "and the child's import counted for the farm: the token is refused on B" \
	'already imported once' "$(ask B "import $scratch/f1")"
check "the child connected for itself (the trace shows a second connection from another pid)" \
	sh -c "test \$(grep 'replay cache: connected to' A/trace | cut -d' ' -f2 | sort -u | wc -l) -ge 2"

# ---- one token, three hosts, one moment ---------------------------------------------
rounds_ok=0
for round in $(seq 1 20); do
	ask A "export $scratch/r$round" >/dev/null
	at=$(($(date +%s%3N) + 400))
	before_a=$(wc -l <A/out) before_b=$(wc -l <B/out) before_c=$(wc -l <C/out)
	echo "import $scratch/r$round $at" >&3
	echo "import $scratch/r$round $at" >&4
	echo "import $scratch/r$round $at" >&5
	tries=0
	while { [ "$(wc -l <A/out)" -le "$before_a" ] || [ "$(wc -l <B/out)" -le "$before_b" ] ||
		[ "$(wc -l <C/out)" -le "$before_c" ]; } && [ $tries -lt 300 ]; do
		sleep 0.05
		tries=$((tries + 1))
	done
	answers=$(sed -n "$((before_a + 1))p" A/out; sed -n "$((before_b + 1))p" B/out
		sed -n "$((before_c + 1))p" C/out)
	if [ "$(printf '%s\n' "$answers" | grep -c '^ok imported$')" -eq 1 ] &&
		[ "$(printf '%s\n' "$answers" | grep -c 'already imported once')" -eq 2 ]; then
		rounds_ok=$((rounds_ok + 1))
	else
		printf '%s\n' "$answers" | sed "s/^/# round $round: /"
	fi
done
check "one token offered to A, B and C at one moment: exactly one import wins, in 20 of 20 rounds" \
	test "$rounds_ok" -eq 20

# ---- Redis away, and back ------------------------------------------------------------
ask A "export $scratch/t2" >/dev/null
ask A "token1 $scratch/h2" >/dev/null
stop_redis
expect "Redis stopped: an import is refused, naming the server and the error" \
	"^refused 0x[0-9a-f]+ .*import-once replay cache on redis://127.0.0.1:$rport cannot be used \\(Connection refused\\), so the import was refused" \
	"$(ask B "import $scratch/t2")"
expect "Redis stopped: a handshake is refused, naming the server and the error" \
	"^refused 0x[0-9a-f]+ .*handshake replay cache on redis://127.0.0.1:$rport cannot be used \\(Connection refused\\)" \
	"$(ask C "accept $scratch/h2")"
check "Redis stopped: nothing fell back to the hosts' files" \
	sh -c "test \"\$(find A/rcache B/rcache C/rcache -type f | wc -l)\" -eq 0"
start_redis
expect "Redis back: the same host imports without a restart" '^ok imported$' \
	"$(ask B "import $scratch/t2")"
expect "Redis back: the same host accepts without a restart" '^ok accepted alice$' \
	"$(ask C "accept $scratch/h2")"

ask A "export $scratch/t3" >/dev/null
kill -STOP "$redis_pid"
expect "Redis frozen: an import is refused after replay_cache_timeout" \
	'^refused 0x[0-9a-f]+ .*cannot be used \(no answer within replay_cache_timeout\)' \
	"$(ask C "import $scratch/t3")"
kill -CONT "$redis_pid"
# The command waited in the server's socket and ran once it was thawed: a
# refusal for a timeout may still have spent the token (fail closed).
expect "Redis thawed: the late record stands, and the token is refused as imported" \
	'already imported once' "$(ask C "import $scratch/t3")"
ask A "export $scratch/t3b" >/dev/null
expect "Redis thawed: a new token imports on the same host" '^ok imported$' \
	"$(ask C "import $scratch/t3b")"

ask A "export $scratch/t4" >/dev/null
admin config set maxmemory 1 >/dev/null
expect "Redis out of memory: an import is refused with the server's error" \
	'^refused 0x[0-9a-f]+ .*cannot be used \(the server answered .OOM' \
	"$(ask B "import $scratch/t4")"
admin config set maxmemory 0 >/dev/null
expect "Redis with memory again: the token imports" '^ok imported$' "$(ask B "import $scratch/t4")"

# A host with a wrong password: one process of its own.
host D && printf 'farm wrong-%s\n' "$password" >D/redis.auth && chmod 600 D/redis.auth
ask A "export $scratch/t5" >/dev/null
answer=$(echo "import $scratch/t5" | in_host D $foreign "$node" 2>/dev/null)
expect "a wrong password: the import is refused with Redis's WRONGPASS" \
	'^refused 0x[0-9a-f]+ .*cannot be used \(AUTH: WRONGPASS' "$answer"
sed -i '/^replay_cache_auth/d' D/sodium.conf
answer=$(echo "import $scratch/t5" | in_host D $foreign "$node" 2>/dev/null)
expect "no password: the import is refused with Redis's NOAUTH" \
	'^refused 0x[0-9a-f]+ .*cannot be used \(the server answered .NOAUTH' "$answer"
expect "the token was never recorded: it imports on A" '^ok imported$' \
	"$(ask A "import $scratch/t5")"

# ---- threads of one process on the shared cache ---------------------------------------
# tests/threads: 8 threads import and accept at once, one token each time
# offered to all of them at one moment; with Redis, each thread that finds
# the process's connection busy makes one of its own.
check "tests/threads (8 threads, shared Redis cache) passes" \
	env THREADS_SETTINGS="replay_cache = redis://127.0.0.1:$rport
replay_cache_auth = $scratch/redis.auth" $foreign "$abs_top_builddir/tests/threads" 8 10

# ---- staged rotation --------------------------------------------------------------------
# A gets key 2, sealing 6 seconds from now; B and C get it a little later.
"$tool" sealkey new --after 6 -f A/sealkeys >/dev/null 2>&1
sleep 1.1
expect "right after 'sealkey new --after 6' A still seals with key 1" '^ok exported$' \
	"$(ask A "export $scratch/s1")"
check "the token A sealed names key 1" \
	sh -c "\"$tool\" inspect $scratch/s1 | grep -qx 'sealing key: 1'"
expect "so B, which does not hold key 2 yet, imports it" '^ok imported$' \
	"$(ask B "import $scratch/s1")"
cp A/sealkeys B/sealkeys && cp A/sealkeys C/sealkeys && sleep 1.1
# A host whose clock is 20 seconds ahead already seals with key 2 ...
# libfaketime goes after the sanitizer runtime when there is one, which
# must come first; faketime(1) would put itself first.
libfaketime=$(dpkg -L libfaketime 2>/dev/null | grep '/libfaketime\.so\.1$' | head -n 1)
[ -n "$libfaketime" ] || bail_out "libfaketime.so.1 was not found (Debian package libfaketime)"
answer=$(echo "export $scratch/s2" | in_host A $foreign env FAKETIME=+20s \
	LD_PRELOAD="${SANITIZER_PRELOAD:+$SANITIZER_PRELOAD:}$libfaketime" "$node" 2>/dev/null)
check "a host 20 s ahead seals with key 2" \
	sh -c "test '$answer' = 'ok exported' && \"$tool\" inspect $scratch/s2 | grep -qx 'sealing key: 2'"
# ... and every host opens it at once, before key 2 may seal there.
expect "C opens a key-2 token before key 2 seals on C" '^ok imported$' \
	"$(ask C "import $scratch/s2")"
check "sealkey list on C shows key 2 opening and sealing later" \
	sh -c "\"$tool\" sealkey list -f C/sealkeys | grep -q '^2 .* opens, seals from '"
sleep 5
expect "after the delay B seals with key 2" '^ok exported$' "$(ask B "export $scratch/s3")"
check "the token B sealed names key 2" \
	sh -c "\"$tool\" inspect $scratch/s3 | grep -qx 'sealing key: 2'"

for h in A B C; do
	[ -s "$h/err" ] && sed "s/^/# $h: /" "$h/err"
done
echo "# $(redis-server --version | cut -d' ' -f1-3)"
finish
