# shellcheck shell=sh
# Sourced after lib.sh by the HTTP Negotiate tests (http-negotiate.sh,
# browsers.sh): Debian's Apache 2 with mod_auth_gssapi, allowed gss-sodium
# only and given its keys through GssapiCredStore, behind MIT's SPNEGO.
#
# Apache listens on 127.0.0.1 only, on a free port, with its configuration,
# logs and keys in the test's scratch directory; it is stopped when the test
# ends (apache_cleanup, the EXIT trap).  Run as root, its children run as
# www-data (Apache refuses to serve as root), so the server's files are
# given to www-data.
#
# This file makes $server and $client: keys for the service
# HTTP@127.0.0.1, for alice (a peer of the server) and for mallory (not);
# the settings, the server's mapping alice to the local account alice-www;
# and $server/httpd.conf, whose /whoami (GssapiPublishMech On) and /local
# (GssapiLocalName On) run $server/whoami.cgi.  The test then writes that
# CGI script, appends what else it serves to httpd.conf, and calls
# apache_start, which serves http://127.0.0.1:$port.
PATH=$PATH:/usr/sbin:/sbin
modules=/usr/lib/apache2/modules
[ -f "$modules/mod_auth_gssapi.so" ] ||
	skip_all "$modules/mod_auth_gssapi.so is missing (Debian package libapache2-mod-auth-gssapi)"

make_scratch
apache=
# shellcheck disable=SC2317  # called by the trap
apache_cleanup() {
	[ -z "$apache" ] || stop_process "$apache"
	rm -f "$tap_log"
	rm -rf "$scratch"
}
trap apache_cleanup EXIT
# Apache runs in a session of its own, which ^C or make's end does not
# reach: a signal must end the test through its EXIT trap.
trap 'exit 1' HUP INT TERM

server=$scratch/server
client=$scratch/client
mkdir "$server" "$server/run" "$client" || bail_out "cannot make directories in $scratch"
# Clients name the service after the host in the URL: HTTP@127.0.0.1.
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

port=$(free_port)

# Run as root, Apache's children take www-data's uid; they read the keys.
run_as=
if [ "$(id -u)" -eq 0 ]; then
	id www-data >/dev/null 2>&1 || skip_all "there is no www-data user for Apache's children"
	run_as="User www-data
Group www-data"
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

# A test that wants Apache to issue resumption tickets (resumption.sh)
# names a sealing keyring in $server here before apache_start; without one
# Apache issues none, whatever the test's own environment holds.
apache_sealkeys=

# apache_start: start Apache on what the test has written into $server.
apache_start() {
	if [ -n "$run_as" ]; then
		chmod 711 "$scratch"
		chown -R www-data:www-data "$server"
		# Apache's parent, still root, asks for the mechanism's attributes
		# and so reads the settings: root must trust them, as it trusts a
		# sodium.conf of its own in /etc/gss/sodium.
		chown root:root "$server/sodium.conf"
	fi
	# Apache's own process environment is what mod_auth_gssapi and the
	# mechglue see: the mechanism registered, Kerberos pointed at nothing,
	# no gss-sodium identity; the keys come from the credential store.
	# Apache signals its whole process group when it stops, so it gets one
	# of its own (setsid keeps the pid: a background job is no group leader).
	setsid env -u GSS_SODIUM_KEYTAB -u GSS_SODIUM_IDENTITY -u GSS_SODIUM_PEERS -u KRB5CCNAME \
		-u GSS_SODIUM_SEALKEYS ${apache_sealkeys:+"GSS_SODIUM_SEALKEYS=$apache_sealkeys"} \
		GSS_MECH_CONFIG="$server/mech" GSS_SODIUM_CONF="$server/sodium.conf" \
		GSS_SODIUM_TRACE="$server/trace" KRB5_CONFIG="$scratch/krb5.conf" \
		GSS_SODIUM_LOCALNAMES="$server/localnames" KRB5_KTNAME="FILE:$server/no-keytab" \
		$foreign apache2 -d "$server" -f "$server/httpd.conf" -DFOREGROUND >"$server/stdout.log" 2>&1 &
	apache=$!
	if ! wait_for_port "$port" $apache; then
		sed 's/^/# /' "$server/stdout.log" "$server/error.log" 2>/dev/null
		bail_out "apache2 did not start on 127.0.0.1:$port"
	fi
}
