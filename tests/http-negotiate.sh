#!/bin/sh
# HTTP Negotiate (RFC 4559) with gss-sodium: Debian's Apache 2 with
# mod_auth_gssapi, allowed gss-sodium only and given its keys through
# GssapiCredStore, protects /whoami (a CGI script that prints REMOTE_USER);
# unmodified curl --negotiate authenticates with an identity key, through
# MIT's SPNEGO on both sides.  An identity the server does not know gets 401.
#
# Apache listens on 127.0.0.1 only, on a free port, with its configuration,
# logs and keys in the test's scratch directory; it is stopped when the test
# ends.  Run as root, its children run as www-data (Apache refuses to serve
# as root), so the server's files are given to www-data.  Missing Debian
# packages are installed when run as root.
# shellcheck source=tests/lib.sh disable=SC2154  # the environment gives abs_top_*, MECH_OID*
. "$abs_top_srcdir/tests/lib.sh"

require_packages apache2 libapache2-mod-auth-gssapi curl iproute2
PATH=$PATH:/usr/sbin:/sbin
modules=/usr/lib/apache2/modules
[ -f "$modules/mod_auth_gssapi.so" ] ||
	skip_all "$modules/mod_auth_gssapi.so is missing (Debian package libapache2-mod-auth-gssapi)"
curl -V | grep -q 'SPNEGO' || skip_all "this curl has no SPNEGO (GSS-API) support"

make_scratch
apache=
# shellcheck disable=SC2317  # called by the trap
cleanup() {
	if [ -n "$apache" ]; then
		kill "$apache" 2>/dev/null
		tries=0
		while kill -0 "$apache" 2>/dev/null && [ $tries -lt 100 ]; do
			sleep 0.1
			tries=$((tries + 1))
		done
		kill -9 "$apache" 2>/dev/null
		wait "$apache" 2>/dev/null
	fi
	rm -f "$tap_log"
	rm -rf "$scratch"
}
trap cleanup EXIT

server=$scratch/server
client=$scratch/client
mkdir "$server" "$server/run" "$client" || bail_out "cannot make directories in $scratch"
# curl names the service after the host in the URL: HTTP@127.0.0.1.
service=HTTP@127.0.0.1
if ! "$tool" keygen "$service" -f "$server/keytab" >>"$client/peers" 2>"$tap_log" ||
	! "$tool" keygen alice -f "$client/identity" >>"$server/peers" 2>>"$tap_log" ||
	! "$tool" keygen mallory -f "$client/mallory" >/dev/null 2>>"$tap_log"; then
	sed 's/^/# /' "$tap_log"
	bail_out "could not make keys"
fi
printf 'rcache_dir = %s\nlocalname = map\n' "$server/rcache" >"$server/sodium.conf"
printf 'alice alice-www\n' >"$server/localnames"
echo "rcache_dir = $client/rcache" >"$client/sodium.conf"
echo "sodium $MECH_OID $module" >"$server/mech"
cp "$server/mech" "$client/mech"
: >"$server/trace"
: >"$client/trace"
: >"$scratch/krb5.conf"		# no realm, no KDC: Kerberos has nothing to offer

cat >"$server/whoami.cgi" <<'EOF'
#!/bin/sh
printf 'Content-Type: text/plain\r\n\r\n'
printf 'user %s\n' "$REMOTE_USER"
printf 'mech %s\n' "$GSS_MECH"
EOF
chmod 755 "$server/whoami.cgi"

port=$(free_port)

# Run as root, Apache's children take www-data's uid; they read the keys.
run_as=
if [ "$(id -u)" -eq 0 ]; then
	id www-data >/dev/null 2>&1 || skip_all "there is no www-data user for Apache's children"
	run_as="User www-data
Group www-data"
	chmod 711 "$scratch"
	chown -R www-data:www-data "$server"
	# Apache's parent, still root, asks for the mechanism's attributes
	# and so reads the settings: root must trust them, as it trusts a
	# sodium.conf of its own in /etc/gss/sodium.
	chown root:root "$server/sodium.conf"
fi

gssapi_auth="	AuthType GSSAPI
	AuthName \"gss-sodium\"
	GssapiAllowedMech $MECH_OID
	GssapiCredStore sodium_keytab:$server/keytab
	GssapiCredStore sodium_peers:$server/peers
	GssapiSSLonly Off
	Require valid-user"
cat >"$server/httpd.conf" <<EOF
ServerRoot "$server"
ServerName 127.0.0.1
Listen 127.0.0.1:$port
PidFile "$server/httpd.pid"
DefaultRuntimeDir "$server/run"
ErrorLog "$server/error.log"
LogLevel info auth_gssapi:debug
$run_as
LoadModule mpm_prefork_module $modules/mod_mpm_prefork.so
LoadModule authn_core_module $modules/mod_authn_core.so
LoadModule authz_core_module $modules/mod_authz_core.so
LoadModule authz_user_module $modules/mod_authz_user.so
LoadModule alias_module $modules/mod_alias.so
LoadModule cgi_module $modules/mod_cgi.so
LoadModule auth_gssapi_module $modules/mod_auth_gssapi.so
StartServers 1
MinSpareServers 1
MaxSpareServers 2
MaxRequestWorkers 4
ScriptAlias /whoami "$server/whoami.cgi"
ScriptAlias /local "$server/whoami.cgi"
<Location /whoami>
$gssapi_auth
	GssapiPublishMech On
</Location>
<Location /local>
$gssapi_auth
	GssapiLocalName On
</Location>
EOF

# Apache's own process environment is what mod_auth_gssapi and the
# mechglue see: the mechanism registered, Kerberos pointed at nothing, no
# gss-sodium identity; the keys come from the credential store.  Apache
# signals its whole process group when it stops, so it gets one of its own
# (setsid keeps the pid: a background job is no group leader).
setsid env -u GSS_SODIUM_KEYTAB -u GSS_SODIUM_IDENTITY -u GSS_SODIUM_PEERS -u KRB5CCNAME \
	GSS_MECH_CONFIG="$server/mech" GSS_SODIUM_CONF="$server/sodium.conf" \
	GSS_SODIUM_TRACE="$server/trace" KRB5_CONFIG="$scratch/krb5.conf" \
	GSS_SODIUM_LOCALNAMES="$server/localnames" KRB5_KTNAME="FILE:$server/no-keytab" \
	$foreign apache2 -d "$server" -f "$server/httpd.conf" -DFOREGROUND >"$server/stdout.log" 2>&1 &
apache=$!
if ! wait_for_port "$port" $apache; then
	sed 's/^/# /' "$server/stdout.log" "$server/error.log" 2>/dev/null
	bail_out "apache2 did not start on 127.0.0.1:$port"
fi
url=http://127.0.0.1:$port/whoami

# fetch NAME IDENTITY-FILE CURL-OPTIONS...: one request by an initiator
# with that gss-sodium identity and no Kerberos; $scratch/NAME.code gets
# the status, $scratch/NAME.body the body, $scratch/NAME.headers the headers.
fetch() {
	name=$1
	identity=$2
	shift 2
	env -u GSS_SODIUM_KEYTAB GSS_MECH_CONFIG="$client/mech" \
		GSS_SODIUM_IDENTITY="$identity" GSS_SODIUM_PEERS="$client/peers" \
		GSS_SODIUM_CONF="$client/sodium.conf" GSS_SODIUM_TRACE="$client/trace" \
		KRB5_CONFIG="$scratch/krb5.conf" KRB5CCNAME="FILE:$client/no-ccache" \
		timeout 30 $foreign_late curl -sS --noproxy '*' --max-time 20 -o "$scratch/$name.body" \
		-D "$scratch/$name.headers" -w '%{http_code}' "$@" "$url" \
		>"$scratch/$name.code" 2>"$scratch/$name.err"
}

# expect_status NAME CODE DESCRIPTION
expect_status() {
	if [ "$(cat "$scratch/$1.code")" = "$2" ]; then
		ok "$3"
	else
		not_ok "$3 (HTTP status '$(cat "$scratch/$1.code")', expected $2)"
		sed 's/^/# curl: /' "$scratch/$1.err"
		sed 's/^/# headers: /' "$scratch/$1.headers"
		sed 's/^/# body: /' "$scratch/$1.body"
		tail -n 20 "$server/error.log" | sed 's/^/# error.log: /'
		sed 's/^/# server trace: /' "$server/trace"
		sed 's/^/# client trace: /' "$client/trace"
	fi
}

fetch anonymous "$client/identity"
expect_status anonymous 401 "without credentials: 401"
check "without credentials: the server offers Negotiate" \
	grep -qi '^WWW-Authenticate: Negotiate' "$scratch/anonymous.headers"

fetch alice "$client/identity" --negotiate -u :
expect_status alice 200 "curl --negotiate as alice: 200"
check "curl --negotiate as alice: /whoami names alice" \
	grep -qx 'user alice' "$scratch/alice.body"
check "the server's trace shows alice's gss-sodium context" \
	grep -q "accept: context from 'alice' to '$service'" "$server/trace"
check "the client's trace shows its gss-sodium handshake to $service as alice" \
	grep -q "init: sent IK handshake to '$service' as 'alice'" "$client/trace"
check "mod_auth_gssapi publishes GSS_MECH=Negotiate/sodium (SPNEGO, then the name gss_inquire_saslname_for_mech gives)" \
	grep -qx 'mech Negotiate/sodium' "$scratch/alice.body"

# The 200 response carries SPNEGO's last token (RFC 4559 section 4.1):
# accept-completed, gss-sodium, and its handshake reply (framed with the
# OID like every context token, then token id 01 02, version 02).  curl does not read WWW-Authenticate on a 200, so it never
# gives that token to gss_init_sec_context and its side of the context is
# never completed (curl/curl#5235); the token is checked here instead.
oid_hex=$(echo "$MECH_OID" | awk -f "$abs_top_srcdir/scripts/oid2der.awk" | sed 's/\\x//g')
oid_length=$(printf '%02x' $((${#oid_hex} / 2)))
final=$(sed -n 's/^WWW-Authenticate: Negotiate \([A-Za-z0-9+/=]*\).*$/\1/Ip' "$scratch/alice.headers")
final_hex=$(printf '%s' "$final" | base64 -d 2>/dev/null | od -An -v -tx1 | tr -d ' \n')
check "the 200 response carries SPNEGO's accept-completed with gss-sodium's handshake reply" \
	sh -c "echo '$final_hex' |
		grep -Eq '^a1.*a0030a0100a1[0-9a-f]{2}06$oid_length${oid_hex}a2[0-9a-f]{2}04[0-9a-f]{2}60[0-9a-f]{2}06$oid_length${oid_hex}010202'"

# GssapiLocalName On: REMOTE_USER is the account gss_localname gives,
# here from the server's local account map (localname = map).
url=http://127.0.0.1:$port/local
fetch local "$client/identity" --negotiate -u :
url=http://127.0.0.1:$port/whoami
expect_status local 200 "GssapiLocalName On, curl --negotiate as alice: 200"
check "GssapiLocalName On: /local names alice's mapped account, alice-www" \
	grep -qx 'user alice-www' "$scratch/local.body"

: >"$server/trace"
fetch mallory "$client/mallory" --negotiate -u :
expect_status mallory 401 "curl --negotiate with a key the server does not trust: 401"
check "with a key the server does not trust: no user reaches /whoami" \
	sh -c "! grep -q '^user' '$scratch/mallory.body'"
check "with a key the server does not trust: the server's trace shows no context" \
	sh -c "! grep -q 'accept: context from' '$server/trace'"
check "with a key the server does not trust: Apache's error log gives gss-sodium's reason" \
	grep -q 'gss_accept_sec_context() failed: .*is not in the peers file' "$server/error.log"
finish
