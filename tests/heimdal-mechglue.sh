#!/bin/sh
# Names and credentials through Heimdal's mechglue.  Debian's Heimdal reads
# only /etc/gss/mech, so the probe runs in a private mount namespace where
# a scratch directory is bind-mounted over /etc/gss; the machine's own
# /etc/gss is never changed.
. "$abs_top_srcdir/tests/lib.sh"

[ -n "$HEIMDAL_GSSAPI" ] ||
	skip_all "Heimdal's libgssapi is not installed (Debian package libgssapi3-heimdal)"
[ "$(id -u)" -eq 0 ] || skip_all "needs root for unshare -m and a bind mount"
[ -d /etc/gss ] || bail_out "/etc/gss does not exist to bind-mount over"
make_scratch
. "$abs_top_srcdir/tests/probe-setup.sh"
mkdir "$scratch/etc-gss" && cp "$scratch/mech" "$scratch/etc-gss/mech" ||
	bail_out "cannot write $scratch/etc-gss"

unshare -m sh -c 'mount --bind "$1/etc-gss" /etc/gss && exec "$2"' unshare \
	"$scratch" "$abs_top_builddir/tests/mechglue_probe_heimdal"
