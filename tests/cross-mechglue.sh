#!/bin/sh
# An initiator linked with MIT's GSS-API library and an acceptor linked with
# Heimdal's, and the reverse, complete the handshake and exchange wrapped
# messages and MICs both ways, each process loading the same
# mech_sodium.so.  Heimdal reads only /etc/gss/mech, so both run in a
# private mount namespace where a scratch directory covers /etc/gss (MIT
# reads the same file there); the machine's own /etc/gss is never changed.
. "$abs_top_srcdir/tests/lib.sh"

heimdal_setup
unset GSS_MECH_CONFIG

mit="$abs_top_builddir/tests/crossglue_mit"
heimdal="$abs_top_builddir/tests/crossglue_heimdal"

# pair INITIATOR ACCEPTOR NAME: run both ends joined by two fifos, inside
# the namespace; the exit statuses land in $scratch/NAME.rc.
pair() {
	rm -f "$scratch/to-acceptor" "$scratch/to-initiator"
	mkfifo "$scratch/to-acceptor" "$scratch/to-initiator"
	unshare -m sh -c '
		mount --bind "$1/etc-gss" /etc/gss || exit 3
		# Each end opens its writing fifo first, so the opens pair up.
		timeout 30 "$2" initiate HTTP@web.example \
			>"$1/to-acceptor" <"$1/to-initiator" 2>"$1/$4.init" &
		init=$!
		timeout 30 "$3" accept alice <"$1/to-acceptor" >"$1/to-initiator" 2>"$1/$4.acc"
		acc=$?
		wait $init
		echo "$? $acc" >"$1/$4.rc"' unshare "$scratch" "$1" "$2" "$3"
}

report() {
	name=$1
	description=$2
	if [ "$(cat "$scratch/$name.rc" 2>/dev/null)" = "0 0" ]; then
		ok "$description"
	else
		not_ok "$description"
		sed 's/^/# /' "$scratch/$name.init" "$scratch/$name.acc" 2>/dev/null
	fi
}

CROSSGLUE_PEER_GLUE=MIT pair "$mit" "$heimdal" mit-to-heimdal
report mit-to-heimdal "MIT-linked initiator, Heimdal-linked acceptor: handshake, wrap and MIC both ways"
CROSSGLUE_PEER_GLUE=Heimdal pair "$heimdal" "$mit" heimdal-to-mit
report heimdal-to-mit "Heimdal-linked initiator, MIT-linked acceptor: handshake, wrap and MIC both ways"
export CROSSGLUE_PEER_GLUE
check "both processes of each pair loaded the same module" \
	sh -c "grep -c 'init: sent IK handshake' '$scratch/trace' | grep -qx 2 &&
	       grep -c 'accept: context from .alice.' '$scratch/trace' | grep -qx 2"
finish
