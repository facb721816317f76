#!/bin/sh
# Names and credentials through Heimdal's mechglue.  Debian's Heimdal reads
# only /etc/gss/mech, so the probe runs in a private mount namespace where
# a scratch directory is bind-mounted over /etc/gss; the machine's own
# /etc/gss is never changed.
. "$abs_top_srcdir/tests/lib.sh"

heimdal_setup

unshare -m sh -c 'mount --bind "$1/etc-gss" /etc/gss && exec "$2"' unshare \
	"$scratch" "$abs_top_builddir/tests/mechglue_probe_heimdal"
