#!/bin/sh
# Unmodified web browsers over HTTP Negotiate with gss-sodium: Firefox ESR
# and Chromium, headless, with an identity key from their environment,
# load pages that Apache's mod_auth_gssapi (apache-setup.sh) protects,
# through MIT's SPNEGO on both sides.  Each browser must show alice's
# /whoami, with GSS_MECH Negotiate/sodium, and /local with alice's local
# account; with mallory's key, which the server does not trust, Apache's
# 401 page, while Apache's error log gives gss-sodium's reason.
#
# What the browser shows is read from its DOM.  Chromium prints it itself
# (--dump-dom) and exits.  Firefox has no such switch, so the page's own
# script, dump.js, prints the DOM to stdout with dump(), which the profile
# enables, and the test ends Firefox once it has.  (Firefox's --screenshot
# also loads a page and exits, but in one of some twenty runs it exited
# with no DOM printed.)  So the pages are HTML that loads dump.js: the
# CGI's page, and the 401 page through ErrorDocument.
# shellcheck source=tests/lib.sh disable=SC2154  # the environment gives abs_top_*, MECH_OID*
. "$abs_top_srcdir/tests/lib.sh"

require_packages firefox-esr chromium apache2 libapache2-mod-auth-gssapi iproute2
# A module built with --enable-sanitizers needs the ASan runtime, which
# neither browser takes: loaded with the module, it aborts Firefox (its
# shadow memory clashes with Firefox's mappings) and crashes Chromium's
# network service; preloaded, Firefox dies of SIGSEGV and Chromium hangs.
[ -z "${SANITIZER_PRELOAD:-}" ] ||
	skip_all "neither browser can load a module built with --enable-sanitizers"
# shellcheck source=tests/apache-setup.sh
. "$abs_top_srcdir/tests/apache-setup.sh"

cat >"$server/whoami.cgi" <<'EOF'
#!/bin/sh
printf 'Content-Type: text/html\r\n\r\n'
printf '<!DOCTYPE html>\n<title>whoami</title>\n<pre>\n'
printf 'user %s\n' "$REMOTE_USER"
printf 'mech %s\n' "$GSS_MECH"
printf '</pre>\n<script src="/dump.js"></script>\n'
EOF
chmod 755 "$server/whoami.cgi"
cat >"$server/unauthorized.html" <<'EOF'
<!DOCTYPE html>
<title>401 Unauthorized</title>
<h1>Unauthorized</h1>
<script src="/dump.js"></script>
EOF
# Chromium has no dump(), and prints its DOM itself.
cat >"$server/dump.js" <<'EOF'
if (window.dump)
	dump("BEGIN DOM\n" + document.documentElement.outerHTML + "\nEND DOM\n");
EOF
# mod_mime gives dump.js and the 401 page their types.
cat >>"$server/httpd.conf" <<EOF
LoadModule mime_module $modules/mod_mime.so
TypesConfig /dev/null
AddType text/html .html
AddType text/javascript .js
Alias /dump.js "$server/dump.js"
Alias /unauthorized.html "$server/unauthorized.html"
ErrorDocument 401 /unauthorized.html
EOF
apache_start

# The browsers' own files (profiles, caches, NSS databases, temporary
# files) stay in the scratch directory; no display, an empty
# XDG_RUNTIME_DIR and no DBUS_SESSION_BUS_ADDRESS keep them off a desktop
# session.
home=$scratch/home
mkdir -p "$home/tmp" && mkdir -m 700 "$home/run" ||
	bail_out "cannot make directories in $home"
# Each Firefox run's profile starts with these settings: Negotiate for
# 127.0.0.1 alone, dump() for dump.js.
cat >"$home/user.js" <<'EOF'
user_pref("network.negotiate-auth.trusted-uris", "127.0.0.1");
user_pref("browser.dom.window.dump.enabled", true);
EOF

# Each browser runs in a session of its own, so that its leftover processes
# can be killed with it: when the run ends, or by the trap.
browser=
# shellcheck disable=SC2317  # called by the trap
cleanup() {
	[ -z "$browser" ] || kill -KILL "-$browser" 2>/dev/null
	apache_cleanup
}
trap cleanup EXIT

# browse NAME IDENTITY-FILE BROWSER ARGUMENTS...: starts a run of a browser,
# $browser, as an initiator with that gss-sodium identity and no Kerberos,
# as the client of http-negotiate.sh; $scratch/NAME.out gets its stdout,
# $scratch/NAME.err its stderr, $scratch/NAME.trace the mechanism's trace.
browse() {
	name=$1
	identity=$2
	shift 2
	env -u GSS_SODIUM_KEYTAB -u DBUS_SESSION_BUS_ADDRESS -u DISPLAY -u WAYLAND_DISPLAY \
		HOME="$home" XDG_CONFIG_HOME="$home/.config" XDG_CACHE_HOME="$home/.cache" \
		XDG_DATA_HOME="$home/.local/share" XDG_STATE_HOME="$home/.local/state" \
		XDG_RUNTIME_DIR="$home/run" TMPDIR="$home/tmp" \
		GSS_MECH_CONFIG="$client/mech" GSS_SODIUM_IDENTITY="$identity" \
		GSS_SODIUM_PEERS="$client/peers" GSS_SODIUM_CONF="$client/sodium.conf" \
		GSS_SODIUM_TRACE="$scratch/$name.trace" \
		KRB5_CONFIG="$scratch/krb5.conf" KRB5CCNAME="FILE:$client/no-ccache" \
		setsid timeout 60 "$@" >"$scratch/$name.out" 2>"$scratch/$name.err" &
	browser=$!
}

# browsed NAME: waits for the run's end, kills what is left of its session,
# and says how a run that should exit by itself failed.
browsed() {
	wait "$browser" 2>/dev/null
	status=$?
	kill -KILL "-$browser" 2>/dev/null
	browser=
	[ "$status" -eq 0 ] || echo "# $1: the browser exited with status $status (124: timed out)"
}

# load_firefox NAME IDENTITY-FILE PATH, load_chromium (the same): load
# http://127.0.0.1:$port/PATH; $scratch/NAME.text gets the page's text (its
# DOM without the tags).
# Firefox stays open: once the page has printed its DOM (or after 60 s,
# when timeout has ended it) its session is ended; a fresh profile for each
# run keeps Firefox from restoring the session of the run before.
load_firefox() {
	mkdir "$home/$1" && cp "$home/user.js" "$home/$1/" || bail_out "cannot make $home/$1"
	browse "$1" "$2" firefox-esr --headless --no-remote --profile "$home/$1" \
		"http://127.0.0.1:$port/$3"
	tries=0
	until grep -qs '^END DOM$' "$scratch/$1.out"; do
		if [ $tries -ge 600 ]; then
			echo "# $1: Firefox printed no DOM in 60 s"
			break
		fi
		sleep 0.1
		tries=$((tries + 1))
	done
	kill -TERM "-$browser" 2>/dev/null
	browsed "$1" >/dev/null
	sed -e '1,/^BEGIN DOM$/d' -e '/^END DOM$/,$d' -e 's/<[^>]*>//g' \
		"$scratch/$1.out" >"$scratch/$1.text"
}
# Chromium refuses its sandbox to root (and a user's may lack namespaces).
load_chromium() {
	browse "$1" "$2" chromium --headless --no-sandbox --disable-gpu \
		--user-data-dir="$home/chromium" --auth-server-allowlist=127.0.0.1 \
		--dump-dom "http://127.0.0.1:$port/$3"
	browsed "$1"
	sed 's/<[^>]*>//g' "$scratch/$1.out" >"$scratch/$1.text"
}

# check_page NAME DESCRIPTION GREP-ARGUMENTS...: passes when grep finds
# its pattern in the text of run NAME; shows the run when not.
check_page() {
	name=$1
	description=$2
	shift 2
	if grep -q "$@" "$scratch/$name.text"; then
		ok "$description"
	else
		not_ok "$description"
		sed 's/^/# page: /' "$scratch/$name.text"
		tail -n 20 "$scratch/$name.err" | sed 's/^/# stderr: /'
		tail -n 20 "$server/error.log" | sed 's/^/# error.log: /'
		sed 's/^/# trace: /' "$scratch/$name.trace" 2>/dev/null
	fi
}

browse firefox-version "$client/identity" firefox-esr --version
browsed firefox-version
browse chromium-version "$client/identity" chromium --version
browsed chromium-version
echo "# firefox-esr $(sed -n 's/^Mozilla Firefox //p' "$scratch/firefox-version.out")," \
	"chromium $(awk '/^Chromium/ { print $2 }' "$scratch/chromium-version.out")"

# Chromium's first Negotiate challenge with a fresh profile fails before
# GSS-API is asked (its log: "Unable to create AuthHandler.
# Status: net::ERR_UNSUPPORTED_AUTH_SCHEME"); from the next launch on it
# authenticates.  A launch that saw no challenge (about:blank) does not
# help.  So one launch warms the profile, and says what it got.
load_chromium chromium-first "$client/identity" whoami
echo "# chromium's first launch, with a fresh profile, got:" \
	"$(grep -x -e '401 Unauthorized' -e 'user .*' "$scratch/chromium-first.text")"

for b in firefox chromium; do
	load_$b $b-alice "$client/identity" whoami
	check_page $b-alice "$b as alice: /whoami names alice" -x 'user alice'
	check_page $b-alice "$b as alice: mod_auth_gssapi publishes GSS_MECH=Negotiate/sodium" \
		-x 'mech Negotiate/sodium'
	check "$b's trace shows its gss-sodium handshake to $service as alice" \
		grep -q "init: sent IK handshake to '$service' as 'alice'" "$scratch/$b-alice.trace"

	load_$b $b-local "$client/identity" local
	check_page $b-local "$b as alice, GssapiLocalName On: /local names alice-www" \
		-x 'user alice-www'

	: >"$server/error.log"
	load_$b $b-mallory "$client/mallory" whoami
	check_page $b-mallory "$b with a key the server does not trust: Apache's 401 page" \
		-x '401 Unauthorized'
	check "$b with a key the server does not trust: no user on the page" \
		sh -c "! grep '^user' '$scratch/$b-mallory.text'"
	check "$b with a key the server does not trust: Apache's error log gives gss-sodium's reason" \
		grep -q 'gss_accept_sec_context() failed: .*is not in the peers file' "$server/error.log"
done
finish
