#!/bin/sh
# The Debian packaging: dpkg-buildpackage -us -uc -b on a copy of the source
# tree, then the .deb files' contents, modes, conffiles and dependencies,
# and tests/installcheck.sh on the unpacked packages.
. "$abs_top_srcdir/tests/lib.sh"

command -v dpkg-query >/dev/null 2>&1 || skip_all "not a Debian system (no dpkg-query)"
build_deps="dpkg-dev debhelper dh-autoreconf autoconf automake libtool pkg-config
gcc make libc6-dev libsodium-dev libkrb5-dev check libjson-c-dev"
# shellcheck disable=SC2086
require_packages $build_deps

make_scratch
src="$scratch/gss-sodium"
mkdir "$src" || bail_out "cannot make $src"
# Copy what a commit or the tarball holds, not build output: in a git work
# tree the tracked and the new unignored files; otherwise (make distcheck's
# read-only unpacked tarball, or a tarball built in place) the tree without
# the usual build products.
if [ -e "$abs_top_srcdir/.git" ] && command -v git >/dev/null 2>&1 &&
	git -C "$abs_top_srcdir" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$abs_top_srcdir" && git ls-files -z -co --exclude-standard |
		tar --null --ignore-failed-read -T - -cf - 2>/dev/null) | tar -C "$src" -xf -
else
	tar -C "$abs_top_srcdir" --exclude=.libs --exclude=.deps --exclude='*.o' \
		--exclude='*.lo' --exclude='*.la' --exclude=.dirstamp --exclude='*.log' \
		--exclude='*.trs' --exclude=_build --exclude='./gss-sodium-*' \
		--exclude=./Makefile --exclude=./config.status --exclude=./config.h \
		--exclude=./stamp-h1 --exclude=./libtool -cf - . | tar -C "$src" -xf -
fi
[ -f "$src/debian/control" ] || bail_out "no debian/control in the copy of $abs_top_srcdir"
chmod -R u+w "$src" && chmod +x "$src/debian/rules"

# Make's job server and the test environment stay out of the build.
(cd "$src" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES -u DESTDIR \
	DEB_BUILD_OPTIONS=nocheck dpkg-buildpackage -us -uc -b -j"$(nproc)") \
	>"$scratch/build.log" 2>&1
rc=$?
if [ $rc -eq 0 ]; then
	ok "dpkg-buildpackage -us -uc -b builds the packages"
else
	not_ok "dpkg-buildpackage -us -uc -b builds the packages (exit $rc)"
	tail -n 40 "$scratch/build.log" | sed 's/^/# /'
	finish
	exit 1
fi

cd "$scratch" || bail_out "cannot enter $scratch"
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
triplet=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
deb=$(ls gss-sodium_*_"$arch".deb 2>/dev/null)
devdeb=$(ls gss-sodium-dev_*_all.deb 2>/dev/null)
check "one package gss-sodium for $arch: $(echo "$deb" | paste -sd" ")" test "$(echo "$deb" | wc -w)" -eq 1
check "one package gss-sodium-dev for all architectures: $(echo "$devdeb" | paste -sd" ")" test "$(echo "$devdeb" | wc -w)" -eq 1
[ -f "$deb" ] && [ -f "$devdeb" ] || { finish; exit 1; }
dpkg-deb -c "$deb" >contents
dpkg-deb -c "$devdeb" >dev-contents
modpath="/usr/lib/$triplet/gss-sodium/mech_sodium.so"

# has MODE PATH [FILE]: the listing holds PATH with MODE, owned by root.
has() {
	awk -v mode="$1" -v path=".$2" '$1 == mode && $2 == "root/root" && $6 == path { found = 1 }
		END { exit !found }' "${3:-contents}" ||
		{ echo "$2 with mode $1 owned by root/root is not in the package:"; cat "${3:-contents}"; false; }
}
check "the package is gss-sodium, Architecture $arch" \
	test "$(dpkg-deb -f "$deb" Package Architecture | tr '\n' ' ')" = "Package: gss-sodium Architecture: $arch "
check "the module is $modpath (0644)" has -rw-r--r-- "$modpath"
check "no libtool archive is shipped" sh -c '! grep -q "\.la$" contents'
check "the mechglue line /etc/gss/mech.d/sodium.conf (0644)" has -rw-r--r-- /etc/gss/mech.d/sodium.conf
check "the directory /etc/gss/sodium/ is drwxr-xr-x root/root" has drwxr-xr-x /etc/gss/sodium/
check "the replay caches' directory /var/lib/gss-sodium/ is root's, not writable by others" \
	grep -Eq '^d[rwxs-]{6}[r-]-[xt-] root/root .* \./var/lib/gss-sodium/$' contents
check "no key file is shipped: /etc/gss/sodium/ is empty" \
	sh -c '! grep -Eq " \./etc/gss/sodium/." contents'
check "no key file is shipped: no keytab, identity, peers or sealkeys file" \
	sh -c '! grep -Eq "/(keytab|identity|peers|sealkeys)$" contents dev-contents'
check "the tool is /usr/bin/gss-sodium (0755)" has -rwxr-xr-x /usr/bin/gss-sodium
check "the sample settings file is in /usr/share/doc/gss-sodium" \
	has -rw-r--r-- /usr/share/doc/gss-sodium/sodium.conf.sample
check "the copyright file is in /usr/share/doc/gss-sodium" \
	has -rw-r--r-- /usr/share/doc/gss-sodium/copyright
check "the header is only in gss-sodium-dev: /usr/include/gssapi/gssapi_sodium.h" \
	sh -c 'grep -q " \./usr/include/gssapi/gssapi_sodium.h$" dev-contents && ! grep -q "/usr/include/" contents'
for page in gss-sodium.1 sodium.conf.5 gss_sodium.7; do
	if [ -n "$(find "$src/doc" -name "$page" -o -name "$page.in" 2>/dev/null)" ]; then
		check "the manual page $page is in the package" \
			has -rw-r--r-- "/usr/share/man/man${page##*.}/$page.gz"
	else
		ok "the manual page $page is in the package # SKIP doc/$page does not exist yet"
	fi
done

dpkg-deb -I "$deb" conffiles >conffiles 2>&1
check "the conffiles are exactly /etc/gss/mech.d/sodium.conf" \
	sh -c 'test "$(cat conffiles)" = /etc/gss/mech.d/sodium.conf || { cat conffiles; false; }'
depends=$(dpkg-deb -f "$deb" Depends)
check "Depends names libsodium and libc: $depends" \
	sh -c "echo '$depends' | grep -q 'libsodium' && echo '$depends' | grep -q 'libc6'"
check "Depends names no GSS-API library (the module links none)" \
	sh -c "! echo '$depends' | grep -q 'libgssapi'"
check "the package has no maintainer scripts (it makes no keys, edits no other file)" \
	sh -c "! dpkg-deb -I \"$deb\" | grep -Eq ' (pre|post)(inst|rm) '"

mkdir root && dpkg-deb -x "$deb" root && dpkg-deb -x "$devdeb" root ||
	bail_out "dpkg-deb -x failed"
oid=$(sed -n 's/^#define GSS_SODIUM_MECH_OID_STRING "\(.*\)"$/\1/p' root/usr/include/gssapi/gssapi_sodium.h)
check "the header names a dotted OID: $oid" sh -c "echo '$oid' | grep -Eq '^[0-9]+(\.[0-9]+)+$'"
check "sodium.conf holds 'sodium $oid $modpath'" \
	sh -c "grep -v '^#' root/etc/gss/mech.d/sodium.conf | grep -v '^$' >line &&
		test \"\$(cat line)\" = 'sodium $oid $modpath' || { cat root/etc/gss/mech.d/sodium.conf; false; }"
check "the mechglue line's path is the module in the package" test -f "root$modpath"

# The unpacked packages pass the same checks as make installcheck.
DESTDIR="$scratch/root" bindir=/usr/bin moduledir="/usr/lib/$triplet/gss-sodium" \
	sysconfdir=/etc mandir=/usr/share/man docdir=/usr/share/doc/gss-sodium \
	includedir=/usr/include MECH_OID="$oid" \
	sh "$abs_top_srcdir/tests/installcheck.sh" >installcheck.out 2>&1
rc=$?
check "tests/installcheck.sh passes on the unpacked packages" \
	sh -c "test $rc -eq 0 || { grep -v '^ok' installcheck.out; false; }"
grep '# SKIP' installcheck.out | sed 's/^/# installcheck: /'

finish
