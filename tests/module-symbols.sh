#!/bin/sh
# The module exports only GSS-API entry points, every one Heimdal 7.8
# requires, and links no GSS-API or Kerberos library.
. "$abs_top_srcdir/tests/lib.sh"

[ -f "$module" ] || bail_out "$module was not built"

exported=$(nm -D --defined-only "$module" | awk '{ print $3 }')
check "exports only gss_* and gssspi_* symbols" \
	sh -c "echo '$exported' | grep -Ev '^gss(spi)?_' | sed 's/^/unexpected: /' | grep . && exit 1 || exit 0"

heimdal_required="acquire_cred release_cred init_sec_context accept_sec_context
process_context_token delete_sec_context context_time get_mic verify_mic wrap
unwrap display_status indicate_mechs compare_name display_name import_name
export_name release_name inquire_cred inquire_context wrap_size_limit add_cred
inquire_cred_by_mech export_sec_context import_sec_context
inquire_names_for_mech inquire_mechs_for_name canonicalize_name duplicate_name"
missing=""
for f in $heimdal_required; do
	echo "$exported" | grep -qx "gss_$f" || missing="$missing gss_$f"
done
check "exports every entry point Heimdal 7.8 requires${missing:+ (missing:$missing)}" \
	test -z "$missing"

missing=""
for f in acquire_cred_from localname inquire_attrs_for_mech internal_release_oid; do
	echo "$exported" | grep -qx "gss_$f" || missing="$missing gss_$f"
done
check "exports the MIT extensions it implements${missing:+ (missing:$missing)}" \
	test -z "$missing"

check "calls no gss_* function of a GSS-API library" \
	sh -c "! nm -D --undefined-only '$module' | grep -w 'gss_[a-z_]*'"

needed=$(readelf -d "$module" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
allowed='libsodium\.so\.[0-9]+|libc\.so\.6|ld-linux[-a-z0-9_.]*\.so\.[0-9]+'
# A --enable-sanitizers build links the sanitizer runtimes as well.
[ -z "${SANITIZER_PRELOAD:-}" ] ||
	allowed="$allowed|libasan\.so\.[0-9]+|libubsan\.so\.[0-9]+|libclang_rt\.asan-[a-z0-9_]+\.so|libgcc_s\.so\.1"
check "links only libsodium and libc${SANITIZER_PRELOAD:+ (and the sanitizer runtimes)} (NEEDED: $needed)" \
	sh -c "echo '$needed' | tr ' ' '\n' | grep . | grep -Ev '^($allowed)$' && exit 1 || exit 0"

check "ldd shows no GSS-API or Kerberos library" \
	sh -c "! ldd '$module' | grep -Ei 'gssapi|krb5|heimdal'"

finish
