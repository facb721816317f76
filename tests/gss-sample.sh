#!/bin/sh
# Debian's unmodified gss-sample programs (krb5-gss-samples) establish a
# context with the mechanism over loopback, exchange a wrapped message and
# verify its MIC, with each of the client's options.  Keys are made with the
# gss-sodium tool; the mechanism is registered through GSS_MECH_CONFIG.
. "$abs_top_srcdir/tests/lib.sh"

command -v gss-server >/dev/null && command -v gss-client >/dev/null ||
	skip_all "gss-server and gss-client are not installed (Debian package krb5-gss-samples)"
command -v ss >/dev/null || skip_all "ss is not installed (Debian package iproute2)"
make_scratch
"$tool" keygen sample@localhost -f "$scratch/keytab" >>"$scratch/peers" 2>/dev/null &&
	"$tool" keygen alice -f "$scratch/identity" >>"$scratch/peers" 2>/dev/null &&
	"$tool" sealkey new -f "$scratch/sealkeys" >/dev/null 2>&1 ||
	bail_out "could not make keys"
echo "rcache_dir = $scratch/rcache" >"$scratch/sodium.conf"
echo "sodium $MECH_OID $module" >"$scratch/mech"
export GSS_MECH_CONFIG="$scratch/mech" GSS_SODIUM_KEYTAB="$scratch/keytab" \
	GSS_SODIUM_IDENTITY="$scratch/identity" GSS_SODIUM_PEERS="$scratch/peers" \
	GSS_SODIUM_CONF="$scratch/sodium.conf" GSS_SODIUM_SEALKEYS="$scratch/sealkeys" \
	GSS_SODIUM_TRACE="$scratch/trace"


# run_pair NAME "SERVER OPTIONS" [CLIENT OPTIONS...]: one gss-server -once
# and one client.
run_pair() {
	name=$1
	server_options=$2
	shift 2
	port=$(free_port)
	# shellcheck disable=SC2086
	$foreign gss-server -port "$port" -once $server_options sample@localhost >"$scratch/server.out" 2>&1 &
	server=$!
	if ! wait_for_port "$port" $server; then
		not_ok "$name: gss-server did not start"
		sed 's/^/# /' "$scratch/server.out"
		return
	fi
	timeout 30 $foreign gss-client -port "$port" -mech "$MECH_OID_BRACES" "$@" \
		localhost sample@localhost "message $name" >"$scratch/client.out" 2>&1
	client_rc=$?
	timeout 10 sh -c "while kill -0 $server 2>/dev/null; do sleep 0.1; done"
	kill $server 2>/dev/null
	wait $server 2>/dev/null
	if [ $client_rc -eq 0 ] && grep -q '^Signature verified' "$scratch/client.out" &&
		grep -q "Accepted connection: \"alice\"" "$scratch/server.out" &&
		grep -q "Received message: \"message $name\"" "$scratch/server.out"; then
		ok "$name: wrapped message delivered, MIC verified, acceptor names alice"
	else
		not_ok "$name: client exit $client_rc"
		sed 's/^/# client: /' "$scratch/client.out"
		sed 's/^/# server: /' "$scratch/server.out"
	fi
}

run_pair "default options" ""
run_pair "-nomutual" "" -nomutual
run_pair "-noreplay" "" -noreplay
run_pair "-seq" "" -seq
run_pair "-seq -noreplay -nomutual" "" -seq -noreplay -nomutual
run_pair "-nx (integrity-only wrap)" "" -nx
run_pair "-mcount 4 (four messages on one context)" "" -mcount 4
check "the server inquires the client's name without an error" \
	sh -c "! grep -q 'error gss_inquire_name' '$scratch/server.out'"

# gss-server -export exports the context and imports it again around every
# message: the sealed token, the import-once cache and the restored
# sequence state all take part.
: >"$scratch/trace"
run_pair "gss-server -export" "-export" -mcount 3
check "gss-server -export: each message went through a sealed export and import" \
	sh -c "test \$(grep -c 'export: context with .alice. sealed with key 1' '$scratch/trace') -ge 3 &&
		test \$(grep -c 'import: context with .alice. opened from key 1' '$scratch/trace') -ge 3"
check "gss-server -export: no export or import failed" \
	sh -c "! grep 'failure:.*\\(export\\|import\\)' '$scratch/trace'"
run_pair "gss-server -export, client -seq -noreplay" "-export" -seq -noreplay -mcount 2
check "the client reports the sodium mechanism" \
	grep -q "Mechanism $MECH_OID_BRACES supports" "$scratch/client.out"

# gss-server prints the local account of the client's name (gss_localname)
# when there is one: none by default, the map's with localname = map.
check "localname = none: gss-server shows no local account for alice" \
	sh -c "! grep -q '^localname:' '$scratch/server.out'"
printf 'rcache_dir = %s\nlocalname = map\n' "$scratch/rcache" >"$scratch/sodium.conf"
printf 'alice alice-local\n' >"$scratch/localnames"
export GSS_SODIUM_LOCALNAMES="$scratch/localnames"
run_pair "localname = map" ""
check "localname = map: gss-server shows alice's account from the map" \
	grep -q '^localname: alice-local' "$scratch/server.out"
finish
