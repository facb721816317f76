# Sourced by the Quick start scripts: installs the Debian packages given as
# arguments when any of them is missing.  Needs root when it installs.
install_packages() {
	missing=""
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	echo "Installing Debian packages:$missing"
	if [ "$(id -u)" -ne 0 ]; then
		echo "error: installing packages needs root; run as root or install:$missing" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq &&
		apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
		{ echo "error: apt-get could not install:$missing" >&2; exit 1; }
}

# What building and testing need.
BUILD_PACKAGES="gcc make autoconf automake libtool pkg-config libc6-dev
libsodium-dev check libjson-c-dev libkrb5-dev libgssapi-krb5-2 libgssapi3-heimdal
binutils util-linux mount krb5-gss-samples python3 python3-gssapi iproute2
krb5-kdc krb5-admin-server krb5-user apache2 libapache2-mod-auth-gssapi curl
groff-base dpkg-dev debhelper clang libclang-rt-14-dev valgrind faketime
default-jdk-headless"

# What only the tests of unmodified programs and services need
# (scripts/test): LDAP and Cyrus SASL through GS2, the browsers against
# Apache, and the farm's shared Redis.
TEST_PACKAGES="slapd ldap-utils sasl2-bin libsasl2-modules-gssapi-mit
firefox-esr chromium redis-server redis-tools"
