#!/bin/sh
# python3-gssapi, as a library user would use it, drives both sides of a
# context through the MIT mechglue (see python_gssapi.py).
. "$abs_top_srcdir/tests/lib.sh"

# Debian's python3-gssapi belongs to /usr/bin/python3, whatever PATH says.
/usr/bin/python3 -c 'import gssapi' 2>/dev/null ||
	skip_all "python3-gssapi is not installed (Debian package python3-gssapi)"
make_scratch
. "$abs_top_srcdir/tests/probe-setup.sh"
export GSS_MECH_CONFIG="$scratch/mech" GSS_SODIUM_SEALKEYS="$scratch/sealkeys"
$foreign /usr/bin/python3 "$abs_top_srcdir/tests/python_gssapi.py"
