#!/bin/sh
# Resumed handshakes (PROTOCOL.md 4.2.1, 4.6) through real programs: a full
# handshake leaves the initiator a ticket, and the next handshake to the
# same target resumes with it (NNpsk0); a refused ticket costs one more
# round trip, never a failure.
#   - MIT's and Heimdal's mechglues (mechglue_probe resume), python3-gssapi:
#     contexts in one process, the ticket kept in memory; the probe also
#     replays a resumed token 1, which the handshake replay cache refuses,
#     then retires the ticket's keyring key: the acceptor refuses the
#     ticket, the application's loop runs one more round trip, and the new
#     ticket resumes;
#   - gss-client and gss-server (krb5-gss-samples), ticket_cache = file:
#     a second gss-client process resumes from the ticket file; a server
#     with resumption = no, a retired keyring key and a corrupted ticket
#     each make the client fall back, and the messages still pass;
#   - curl --negotiate against Apache (apache-setup.sh), ticket_cache = file
#     in XDG_RUNTIME_DIR: curl 7.88 never completes its context (curl#5235),
#     so it keeps no ticket and the second curl process makes a full
#     handshake too; a ticket another initiator left in the file resumes
#     once, and one Apache refuses costs curl one 401 where mod_auth_gssapi
#     keeps no context between requests (its default), one more round trip
#     where it does.
# Each part skips on its own when its programs are missing.
# shellcheck source=tests/lib.sh disable=SC2154  # the environment gives abs_top_*, MECH_OID*
. "$abs_top_srcdir/tests/lib.sh"

# Run alone (sh tests/resumption.sh), the test may lack what make passes.
HEIMDAL_GSSAPI=${HEIMDAL_GSSAPI:-}
MECH_OID_BRACES=${MECH_OID_BRACES:-"{ $(echo "$MECH_OID" | tr . ' ') }"}

# skip WHAT: a part that cannot run here, as one skipped check.
skip() {
	tap_count=$((tap_count + 1))
	echo "ok $tap_count # SKIP $*"
}

# relay PREFIX TAP-FILE ERR-FILE RC: a program's TAP lines counted again
# under this test's plan (PREFIX, if any, before each), and a failure when
# it stopped early or failed.
relay() {
	while IFS= read -r line; do
		case $line in
		"ok "*) ok "$1${line#* - }" ;;
		"not ok "*) not_ok "$1${line#* - }" ;;
		"#"* | "Bail out!"*) echo "# $line" ;;
		esac
	done <"$2"
	sed 's/^/# /' "$3"
	if ! grep -q '^1\.\.[1-9]' "$2" || [ "$4" -ne 0 ]; then
		not_ok "$1the $(basename "$2" .tap) program ran to its end (exit $4)"
	fi
}

# events FILE: a trace's lines about handshakes and tickets, for diagnostics.
events() {
	grep -E '] (init|accept|tickets|failure): ' "$1"
}

# has FILE TEXT / lacks FILE TEXT: a trace has the text, or has it not;
# either shows the trace's events when it fails.
has() {
	grep -qF -- "$2" "$1" && return 0
	echo "no '$2' in $1:"
	events "$1"
	return 1
}
lacks() {
	grep -qF -- "$2" "$1" || return 0
	echo "'$2' in $1:"
	events "$1"
	return 1
}

# corrupt_ticket FILE: one base64 character of the sealed part of each
# ticket (the last field; its first 70 characters are the header, which
# the file's reader checks) changed, so the line still parses and the
# ticket goes out, and the acceptor cannot open it.
corrupt_ticket() {
	awk '{ c = substr($NF, 100, 1); $NF = substr($NF, 1, 99) (c == "A" ? "B" : "A") substr($NF, 101); print }' \
		"$1" >"$1.changed" && cat "$1.changed" >"$1" && rm -f "$1.changed"
}

# The web part needs Apache, mod_auth_gssapi and a curl with SPNEGO;
# apache-setup.sh then makes $scratch and an EXIT trap that stops Apache.
web=
if [ -f /usr/lib/apache2/modules/mod_auth_gssapi.so ] && [ -x /usr/sbin/apache2 ] &&
	command -v curl >/dev/null && curl -V | grep -q SPNEGO && command -v ss >/dev/null &&
	{ [ "$(id -u)" -ne 0 ] || id www-data >/dev/null 2>&1; }; then
	web=yes
	# shellcheck source=tests/apache-setup.sh
	. "$abs_top_srcdir/tests/apache-setup.sh"
else
	make_scratch
fi
# gss-server, too, is stopped however the test ends.
sample_server=
# shellcheck disable=SC2317  # called by the trap
cleanup() {
	[ -z "$sample_server" ] || stop_process "$sample_server"
	if [ -n "$web" ]; then
		apache_cleanup
	else
		rm -f "$tap_log"
		rm -rf "$scratch"
	fi
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

# ---- two mechglues and python3-gssapi: tickets in process memory -----------

probes=$scratch/probes
mkdir "$probes" || bail_out "cannot make $probes"
# probe_run PROGRAM PREFIX: the probe's key files (probe-setup.sh, in a
# subshell so that its exports stay there) and a keyring for the acceptor,
# all made again for each program, so each starts with no ticket; and the
# keyring the mechglue probe changes to, key 1 retired and key 2 sealing.
probe_run() {
	rm -rf "$probes/run" && mkdir "$probes/run" || bail_out "cannot make $probes/run"
	(
		scratch=$probes/run
		# shellcheck source=tests/probe-setup.sh
		. "$abs_top_srcdir/tests/probe-setup.sh"
		cp "$scratch/sealkeys" "$scratch/sealkeys-rotated" &&
			"$tool" sealkey new -f "$scratch/sealkeys-rotated" >/dev/null 2>&1 &&
			"$tool" sealkey retire 1 -f "$scratch/sealkeys-rotated" >/dev/null 2>&1 ||
			bail_out "could not make $scratch/sealkeys-rotated"
		export GSS_SODIUM_SEALKEYS="$scratch/sealkeys"
		unset GSS_SODIUM_TICKETS XDG_RUNTIME_DIR
		case $1 in
		mit) GSS_MECH_CONFIG="$scratch/mech" "$abs_top_builddir/tests/mechglue_probe_mit" resume ;;
		heimdal)
			# Heimdal reads only /etc/gss/mech: a private mount namespace.
			mkdir "$scratch/etc-gss" && cp "$scratch/mech" "$scratch/etc-gss/mech" &&
				unshare -m sh -c 'mount --bind "$1/etc-gss" /etc/gss && exec "$2" resume' \
					unshare "$scratch" "$abs_top_builddir/tests/mechglue_probe_heimdal" ;;
		python)
			GSS_MECH_CONFIG="$scratch/mech" $foreign /usr/bin/python3 \
				"$abs_top_srcdir/tests/python_gssapi.py" resume ;;
		esac
	) >"$probes/$1.tap" 2>"$probes/$1.err"
	relay "$2" "$probes/$1.tap" "$probes/$1.err" $?
}

# The probe's lines name their mechglue already.
probe_run mit ""
if [ -n "$HEIMDAL_GSSAPI" ] && [ "$(id -u)" -eq 0 ] && [ -d /etc/gss ]; then
	probe_run heimdal ""
else
	skip "Heimdal's mechglue needs libgssapi3-heimdal (HEIMDAL_GSSAPI) and root"
fi
if /usr/bin/python3 -c 'import gssapi' 2>/dev/null; then
	probe_run python "python3-gssapi: "
else
	skip "python3-gssapi is not installed (Debian package python3-gssapi)"
fi

# ---- gss-client and gss-server: the ticket file, and the fallbacks ---------

sample=$scratch/sample
# sample_run NAME SERVER-SETTINGS: one gss-server -once with that settings
# file and one gss-client with ticket_cache = file and its ticket file in
# $sample; their traces go to $sample/NAME.client and NAME.server, their
# outputs to NAME.client.out and NAME.server.out.  One check: the wrapped
# message and its MIC went through.
sample_run() {
	name=$1
	port=$(free_port)
	: >"$sample/$name.server"
	: >"$sample/$name.client"
	env -u GSS_SODIUM_IDENTITY GSS_SODIUM_CONF="$2" GSS_SODIUM_TRACE="$sample/$name.server" \
		$foreign gss-server -port "$port" -once sample@localhost \
		>"$sample/$name.server.out" 2>&1 &
	sample_server=$!
	if ! wait_for_port "$port" $sample_server; then
		not_ok "gss-client $name: gss-server did not start"
		sed 's/^/# /' "$sample/$name.server.out"
		stop_process $sample_server
		sample_server=
		return
	fi
	env -u GSS_SODIUM_KEYTAB -u GSS_SODIUM_SEALKEYS -u XDG_RUNTIME_DIR \
		GSS_SODIUM_CONF="$sample/client.conf" GSS_SODIUM_TICKETS="$sample/tickets" \
		GSS_SODIUM_TRACE="$sample/$name.client" \
		timeout 30 $foreign gss-client -port "$port" -mech "$MECH_OID_BRACES" \
		localhost sample@localhost "message $name" >"$sample/$name.client.out" 2>&1
	client_rc=$?
	timeout 10 sh -c "while kill -0 $sample_server 2>/dev/null; do sleep 0.1; done"
	stop_process $sample_server
	sample_server=
	if [ $client_rc -eq 0 ] && grep -q '^Signature verified' "$sample/$name.client.out" &&
		grep -q 'Accepted connection: "alice"' "$sample/$name.server.out" &&
		grep -q "Received message: \"message $name\"" "$sample/$name.server.out"; then
		ok "gss-client $name: its wrapped message reaches gss-server, which names alice; the MIC verifies"
	else
		not_ok "gss-client $name: exit $client_rc"
		sed 's/^/# client: /' "$sample/$name.client.out"
		sed 's/^/# server: /' "$sample/$name.server.out"
		events "$sample/$name.client" | sed 's/^/# client trace: /'
		events "$sample/$name.server" | sed 's/^/# server trace: /'
	fi
}

# What the traces of run NAME must show.
full_handshake() { # NAME KEY-ID: full, and a ticket sealed with that key kept
	has "$sample/$1.client" "init: sent IK handshake to 'sample@localhost' as 'alice' (not resumed: no ticket is held for it)" &&
		has "$sample/$1.server" "accept: issued 'alice' a ticket sealed with key $2, valid until" &&
		has "$sample/$1.client" "init: kept a ticket for 'sample@localhost' valid until"
}
resumed() { # NAME: resumed from the ticket file, on both sides
	has "$sample/$1.client" "tickets: ticket for 'sample@localhost' read from $sample/tickets" &&
		has "$sample/$1.client" "init: sent resumed handshake (NNpsk0) to 'sample@localhost' as 'alice' with a ticket valid until" &&
		has "$sample/$1.server" "accept: resumed context from 'alice' to 'sample@localhost' open for" &&
		lacks "$sample/$1.client" "sent IK handshake" &&
		lacks "$sample/$1.server" "accept: issued"
}
fell_back() { # NAME REASON: the ticket refused, then a full handshake
	has "$sample/$1.client" "init: sent resumed handshake (NNpsk0) to 'sample@localhost' as 'alice'" &&
		has "$sample/$1.server" "accept: refused a resumed handshake ($2); asking for a full one" &&
		has "$sample/$1.client" "init: 'sample@localhost' refused the ticket ($2); falling back to a full handshake" &&
		has "$sample/$1.client" "init: sent IK handshake to 'sample@localhost' as 'alice' (not resumed: the acceptor refused the ticket)" &&
		has "$sample/$1.server" "accept: context from 'alice' to 'sample@localhost'" &&
		lacks "$sample/$1.server" "resumed context"
}
ticket_file() { # mode 0600, ours, one line, for sample@localhost
	test "$(stat -c '%a %u' "$sample/tickets")" = "600 $(id -u)" &&
		test "$(wc -l <"$sample/tickets")" -eq 1 &&
		grep -q '^sample@localhost ' "$sample/tickets"
}
off_dropped() { # no ticket issued, and the refused one gone from the file
	lacks "$sample/off.server" "accept: issued" &&
		! grep -q '^sample@localhost ' "$sample/tickets"
}
retired_new_ticket() {
	has "$sample/retired.server" "accept: issued 'alice' a ticket sealed with key 2, valid until" &&
		has "$sample/retired.client" "init: kept a ticket for 'sample@localhost' valid until"
}

if command -v gss-server >/dev/null && command -v gss-client >/dev/null &&
	command -v ss >/dev/null; then
	mkdir "$sample" || bail_out "cannot make $sample"
	"$tool" keygen sample@localhost -f "$sample/keytab" >>"$sample/peers" 2>/dev/null &&
		"$tool" keygen alice -f "$sample/identity" >>"$sample/peers" 2>/dev/null &&
		"$tool" sealkey new -f "$sample/sealkeys" >/dev/null 2>&1 ||
		bail_out "could not make keys"
	printf 'rcache_dir = %s\n' "$sample/rcache" >"$sample/server.conf"
	printf 'rcache_dir = %s\nresumption = no\n' "$sample/rcache" >"$sample/off.conf"
	printf 'rcache_dir = %s\nticket_cache = file\n' "$sample/rcache" >"$sample/client.conf"
	echo "sodium $MECH_OID $module" >"$sample/mech"
	export GSS_MECH_CONFIG="$sample/mech" GSS_SODIUM_KEYTAB="$sample/keytab" \
		GSS_SODIUM_IDENTITY="$sample/identity" GSS_SODIUM_PEERS="$sample/peers" \
		GSS_SODIUM_SEALKEYS="$sample/sealkeys"

	sample_run first "$sample/server.conf"
	check "gss-client first: a full handshake; gss-server issues a ticket and gss-client keeps it" \
		full_handshake first 1
	check "gss-client first: the ticket file holds one line for sample@localhost, mode 0600, this user's" \
		ticket_file

	sample_run second "$sample/server.conf"
	check "gss-client second: the next gss-client process reads the ticket file and resumes; so does gss-server" \
		resumed second

	# The client still says resumption = yes; this server says no.
	sample_run off "$sample/off.conf"
	check "gss-client off: gss-server with resumption = no refuses the ticket (token 3); gss-client falls back to a full handshake" \
		fell_back off "the acceptor has resumption = no"
	check "gss-client off: no ticket is issued, and gss-client drops the refused one from the file" \
		off_dropped

	sample_run fresh "$sample/server.conf"
	check "gss-client fresh: with no ticket left, a full handshake that gets a new ticket" \
		full_handshake fresh 1

	# Key 2 seals from now on and key 1, which sealed the held ticket, is
	# retired: the server can no longer open it.
	"$tool" sealkey new -f "$sample/sealkeys" >/dev/null 2>"$tap_log" &&
		"$tool" sealkey retire 1 -f "$sample/sealkeys" >/dev/null 2>>"$tap_log" ||
		{ sed 's/^/# /' "$tap_log"; bail_out "could not retire keyring key 1"; }
	sample_run retired "$sample/server.conf"
	check "gss-client retired: with keyring key 1 retired gss-server refuses the ticket; gss-client falls back" \
		fell_back retired "the ticket's keyring key is retired or unknown to the acceptor"
	check "gss-client retired: the full handshake's new ticket is sealed with key 2, and kept" \
		retired_new_ticket

	cp "$sample/tickets" "$sample/tickets.kept"
	corrupt_ticket "$sample/tickets"
	check "gss-client corrupted: one character of the ticket in the file is changed" \
		sh -c "test \$(cmp -l '$sample/tickets.kept' '$sample/tickets' | wc -l) -eq 1"
	sample_run corrupted "$sample/server.conf"
	check "gss-client corrupted: gss-server refuses the changed ticket; gss-client falls back" \
		fell_back corrupted "the ticket failed authentication"

	sample_run recovered "$sample/server.conf"
	check "gss-client recovered: the ticket of the corrupted run's full handshake resumes" \
		resumed recovered
else
	skip "gss-client and gss-server need krb5-gss-samples (and ss, iproute2)"
fi

# ---- curl --negotiate against Apache: the ticket file of XDG_RUNTIME_DIR ---

# web_fetch NAME PATH [STATUS]: one curl --negotiate -u : request for /PATH
# as alice, with ticket_cache = file and the default ticket file, in a
# runtime directory of its own; $client/NAME.trace gets curl's trace and
# $server/NAME.trace Apache's, $scratch/NAME.* the status, headers, body
# and errors.  One check: HTTP 200 and alice's name in the page, or the
# STATUS given and no name.
web_fetch() {
	: >"$server/trace"
	env -u GSS_SODIUM_KEYTAB -u GSS_SODIUM_SEALKEYS -u GSS_SODIUM_TICKETS \
		GSS_MECH_CONFIG="$client/mech" GSS_SODIUM_IDENTITY="$client/identity" \
		GSS_SODIUM_PEERS="$client/peers" GSS_SODIUM_CONF="$client/tickets.conf" \
		GSS_SODIUM_TRACE="$client/$1.trace" XDG_RUNTIME_DIR="$client/runtime" \
		KRB5_CONFIG="$scratch/krb5.conf" KRB5CCNAME="FILE:$client/no-ccache" \
		timeout 30 $foreign_late curl -sS --noproxy '*' --max-time 20 --negotiate -u : \
		-o "$scratch/$1.body" -D "$scratch/$1.headers" -w '%{http_code}' \
		"http://127.0.0.1:$port/$2" >"$scratch/$1.code" 2>"$scratch/$1.err"
	cp "$server/trace" "$server/$1.trace"
	if [ -n "${3:-}" ]; then
		if [ "$(cat "$scratch/$1.code")" = "$3" ] && ! grep -q '^user' "$scratch/$1.body"; then
			ok "curl $1: /$2 answers HTTP $3"
			return
		fi
	elif [ "$(cat "$scratch/$1.code")" = 200 ] && grep -qx 'user alice' "$scratch/$1.body"; then
		ok "curl $1: /$2 answers HTTP 200 and names alice"
		return
	fi
	not_ok "curl $1: /$2 answers HTTP status '$(cat "$scratch/$1.code")', not ${3:-200}"
	sed 's/^/# curl: /' "$scratch/$1.err"
	grep -i '^WWW-Authenticate' "$scratch/$1.headers" | sed 's/^/# headers: /'
	grep 'auth_gssapi:error' "$server/error.log" | tail -n 3 | sed 's/^/# error.log: /'
	events "$client/$1.trace" | sed 's/^/# curl trace: /'
	events "$server/$1.trace" | sed 's/^/# Apache trace: /'
}

# seed_ticket NAME: a ticket for HTTP@127.0.0.1 in the ticket file, as
# another initiator of the user's leaves it: python3-gssapi, as alice,
# against copies of Apache's keytab and keyring in $seed.  One check.
seed_ticket() {
	rm -f "$tickets"
	: >"$seed/trace"
	GSS_MECH_CONFIG="$client/mech" GSS_SODIUM_IDENTITY="$client/identity" \
		GSS_SODIUM_KEYTAB="$seed/keytab" GSS_SODIUM_SEALKEYS="$seed/sealkeys" \
		GSS_SODIUM_PEERS="$seed/peers" GSS_SODIUM_CONF="$seed/conf" \
		GSS_SODIUM_TRACE="$seed/trace" XDG_RUNTIME_DIR="$client/runtime" \
		$foreign /usr/bin/python3 -c '
import os, gssapi
mech = gssapi.OID.from_int_seq(os.environ["MECH_OID"])
target = gssapi.Name("HTTP@127.0.0.1", gssapi.NameType.hostbased_service)
init = gssapi.SecurityContext(name=target, mech=mech, usage="initiate")
init.step(gssapi.SecurityContext(usage="accept").step(init.step()))
assert init.complete' >"$seed/out" 2>&1
	check "curl $1: a python3-gssapi initiator leaves alice a ticket for HTTP@127.0.0.1 in the file" \
		web_kept seed
}

# What the traces of request NAME must show.
web_full() { # NAME: a full handshake, and a ticket issued
	has "$client/$1.trace" "init: sent IK handshake to 'HTTP@127.0.0.1' as 'alice' (not resumed: no ticket is held for it)" &&
		has "$server/$1.trace" "accept: issued 'alice' a ticket sealed with key 1, valid until"
}
web_kept() { # first|seed: the initiator kept the ticket, in the file
	trace=$client/$1.trace
	[ "$1" = seed ] && trace=$seed/trace
	has "$trace" "init: kept a ticket for 'HTTP@127.0.0.1' valid until" &&
		test "$(stat -c '%a %u' "$tickets")" = "600 $(id -u)" &&
		grep -q '^HTTP@127.0.0.1 ' "$tickets"
}
web_resumed() { # NAME: resumed from the file, on both sides
	has "$client/$1.trace" "tickets: ticket for 'HTTP@127.0.0.1' read from $tickets" &&
		has "$client/$1.trace" "init: sent resumed handshake (NNpsk0) to 'HTTP@127.0.0.1' as 'alice'" &&
		has "$server/$1.trace" "accept: resumed context from 'alice' to 'HTTP@127.0.0.1' open for" &&
		lacks "$client/$1.trace" "sent IK handshake"
}
web_dropped() { # NAME: the ticket refused, the context never done, the ticket dropped
	has "$client/$1.trace" "init: sent resumed handshake (NNpsk0) to 'HTTP@127.0.0.1' as 'alice'" &&
		has "$server/$1.trace" "accept: refused a resumed handshake (the ticket failed authentication); asking for a full one" &&
		has "$client/$1.trace" "init: the resumed handshake with 'HTTP@127.0.0.1' did not complete; its ticket is dropped" &&
		! grep -q '^HTTP@127.0.0.1 ' "$tickets"
}
web_fell_back() { # NAME: the ticket refused, a full handshake, the ticket dropped
	has "$server/$1.trace" "accept: refused a resumed handshake (the ticket failed authentication); asking for a full one" &&
		has "$client/$1.trace" "init: 'HTTP@127.0.0.1' refused the ticket (the ticket failed authentication); falling back to a full handshake" &&
		has "$server/$1.trace" "accept: context from 'alice' to 'HTTP@127.0.0.1'" &&
		! grep -q '^HTTP@127.0.0.1 ' "$tickets"
}

if [ -n "$web" ]; then
	cat >"$server/whoami.cgi" <<'EOF'
#!/bin/sh
printf 'Content-Type: text/plain\r\n\r\n'
printf 'user %s\n' "$REMOTE_USER"
EOF
	chmod 755 "$server/whoami.cgi"
	"$tool" sealkey new -f "$server/sealkeys" >/dev/null 2>"$tap_log" ||
		{ sed 's/^/# /' "$tap_log"; bail_out "could not make Apache's keyring"; }
	apache_sealkeys=$server/sealkeys
	# mod_auth_gssapi runs a handshake of more than one round trip (a
	# refused ticket) only on a connection it keeps the context for.
	cat >>"$server/httpd.conf" <<EOF
ScriptAlias /bound "$server/whoami.cgi"
<Location /bound>
$gssapi_auth
	GssapiConnectionBound On
</Location>
EOF
	apache_start
	printf 'rcache_dir = %s\nticket_cache = file\n' "$client/rcache" >"$client/tickets.conf"
	mkdir -m 700 "$client/runtime" || bail_out "cannot make $client/runtime"
	tickets=$client/runtime/gss-sodium-tickets

	web_fetch first whoami
	check "curl first: a full handshake, and Apache issues alice a ticket" web_full first
	# Apache's ticket comes in the 200 response's last token, which curl
	# 7.88 never gives gss_init_sec_context (curl/curl#5235, see
	# http-negotiate.sh): its side of the context never completes, so it
	# keeps no ticket and every curl process makes a full handshake.  This
	# is curl's limit, which the manual states; the checks say what holds.
	check "curl first: curl never completes its context (curl#5235), so it keeps no ticket" \
		sh -c "! grep -q 'init: kept a ticket' '$client/first.trace' &&
		       ! grep -qs '^HTTP@127.0.0.1 ' '$tickets'"
	web_fetch second whoami
	check "curl second: so the second curl process makes a full handshake too" \
		web_full second

	# The ticket file as another initiator of the user's leaves it: python3-
	# gssapi, as alice, against copies of Apache's keytab and keyring.
	if /usr/bin/python3 -c 'import gssapi' 2>/dev/null; then
		seed=$scratch/seed
		mkdir "$seed" && cp "$server/keytab" "$server/sealkeys" "$seed/" &&
			cat "$server/peers" "$client/peers" >"$seed/peers" &&
			printf 'rcache_dir = %s\nticket_cache = file\n' "$seed/rcache" >"$seed/conf" ||
			bail_out "cannot make $seed"
		seed_ticket seeded
		web_fetch seeded whoami
		check "curl seeded: curl reads that ticket and resumes; Apache resumes the context" \
			web_resumed seeded
		# curl's resumed context never completes either, so the ticket
		# is used once: the initiator cannot tell a 200 it never read
		# from a refusal it never saw, and drops it rather than send a
		# refused ticket again.
		check "curl seeded: its unfinished context drops the ticket after that one use" \
			sh -c "grep -qF \"init: the resumed handshake with 'HTTP@127.0.0.1' did not complete; its ticket is dropped\" '$client/seeded.trace' &&
			       ! grep -q '^HTTP@127.0.0.1 ' '$tickets'"

		# A ticket Apache cannot open (corrupted): it answers with token 3.
		# mod_auth_gssapi runs that extra round trip only on a connection
		# it keeps the context for; elsewhere (its default) the request
		# gets 401, curl deletes its unfinished context, and the ticket
		# goes with it, so the next request succeeds (gss_sodium(7)).
		seed_ticket refused
		corrupt_ticket "$tickets"
		web_fetch refused whoami 401
		check "curl refused: Apache refuses the ticket; curl's unfinished context drops it" \
			web_dropped refused
		web_fetch next whoami
		check "curl next: with the ticket gone, a full handshake" web_full next

		seed_ticket bound
		corrupt_ticket "$tickets"
		web_fetch bound bound
		check "curl bound: where the connection keeps the context, curl falls back to a full handshake and drops the ticket" \
			web_fell_back bound
	else
		skip "a ticket left by another initiator needs python3-gssapi"
	fi
else
	skip "curl against Apache needs apache2, libapache2-mod-auth-gssapi, a curl with SPNEGO and iproute2"
fi
finish
