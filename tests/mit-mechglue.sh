#!/bin/sh
# Names and credentials through MIT krb5's mechglue, the module loaded
# from a GSS_MECH_CONFIG file, keys made with the gss-sodium tool.
. "$abs_top_srcdir/tests/lib.sh"
make_scratch
. "$abs_top_srcdir/tests/probe-setup.sh"

GSS_MECH_CONFIG="$scratch/mech" "$abs_top_builddir/tests/mechglue_probe_mit"
