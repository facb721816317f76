#!/bin/sh
# The mechanism's SASL name, its RFC 5587 attributes each beside the
# behaviour it promises, and local accounts, through MIT's mechglue and,
# as root, Heimdal's (bind-mounted /etc/gss, as heimdal-mechglue.sh), under
# three settings files: the defaults, anonymous initiators and a local
# account map, and localname = same.
. "$abs_top_srcdir/tests/lib.sh"

make_scratch
. "$abs_top_srcdir/tests/probe-setup.sh"
rcache="rcache_dir = $scratch/rcache"
printf '%s\n' "$rcache" >"$scratch/closed.conf"
printf '%s\nallow_anonymous = yes\nlocalname = map\n' "$rcache" >"$scratch/open.conf"
printf '%s\nlocalname = same\n' "$rcache" >"$scratch/same.conf"
printf '# name account\nalice ali\nalice admin\n' >"$scratch/localnames"
export GSS_SODIUM_LOCALNAMES="$scratch/localnames"

run_probe() { # glue mode
	if [ "$1" = mit ]; then
		GSS_SODIUM_CONF="$scratch/$2.conf" GSS_MECH_CONFIG="$scratch/mech" \
			"$abs_top_builddir/tests/mechinfo_probe_mit" "$2"
	else
		GSS_SODIUM_CONF="$scratch/$2.conf" unshare -m sh -c \
			'mount --bind "$1/etc-gss" /etc/gss && exec "$2" "$3"' unshare \
			"$scratch" "$abs_top_builddir/tests/mechinfo_probe_heimdal" "$2"
	fi
}

glues=mit
if [ -n "$HEIMDAL_GSSAPI" ] && [ "$(id -u)" -eq 0 ] && [ -d /etc/gss ]; then
	mkdir "$scratch/etc-gss" && cp "$scratch/mech" "$scratch/etc-gss/mech" ||
		bail_out "cannot write $scratch/etc-gss"
	glues="mit heimdal"
else
	echo "# Heimdal's mechglue is not probed: it needs libgssapi3-heimdal and root"
fi
# Each run's TAP lines are counted again here, under this test's plan.
for glue in $glues; do
	for mode in closed open same; do
		run_probe "$glue" "$mode" >"$scratch/tap" 2>"$scratch/err"
		rc=$?
		while IFS= read -r line; do
			case $line in
			"ok "*) ok "$mode settings: ${line#* - }" ;;
			"not ok "*) not_ok "$mode settings: ${line#* - }" ;;
			"#"*) echo "$line" ;;
			esac
		done <"$scratch/tap"
		sed 's/^/# /' "$scratch/err"
		grep -q '^1\.\.[1-9]' "$scratch/tap" ||
			not_ok "$glue mechglue, $mode settings: the probe stopped early (exit $rc)"
	done
done
finish
