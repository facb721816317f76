#!/bin/sh
# Runs the libFuzzer harnesses (make fuzz, make fuzz-regress).
#
#   run.sh SECONDS BUILD CORPUS REGRESSIONS HARNESS...
#
# For each harness: replay REGRESSIONS/HARNESS/* (every input once), then
# fuzz for SECONDS on a copy of CORPUS/HARNESS in BUILD/run/HARNESS (the
# fuzzer's temporary files go there too).  SECONDS = replay replays the
# regressions and the seed corpus once each, without fuzzing.
# Prints the executions of each harness and a last line
#   fuzz: N executions in total, N crashes
# (replayed inputs count as executions; every failing regression input,
# and every harness whose fuzzing run failed, counts as a crash) and exits
# 1 on any crash, leak, sanitizer report or harness failure, with the
# sanitizer's report and the failing input in base64.  A harness whose
# regressions fail is not fuzzed.  Fuzzing finds are kept in
# BUILD/run/HARNESS/artifacts/.
set -u

if [ $# -lt 5 ]; then
	echo "usage: $0 SECONDS|replay BUILD CORPUS REGRESSIONS HARNESS..." >&2
	exit 2
fi
seconds=$1 build=$2 corpus=$3 regressions=$4
shift 4
# Absolute paths: the harnesses' temporary directories go in settings.
case $build in /*) ;; *) build=$PWD/$build ;; esac
case $seconds in
replay) ;;
''|*[!0-9]*) echo "fuzz: FUZZ_SECONDS must be a whole number of seconds, not '$seconds'" >&2; exit 2 ;;
esac

# Leaks fail a run; UBSan reports stop it (the code is built with
# -fno-sanitize-recover) with a stack.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
export ASAN_OPTIONS UBSAN_OPTIONS

total=0 crashes=0

# The inputs of a directory, one per line (none if it is empty or absent).
inputs() {
	[ -d "$1" ] && find "$1" -type f ! -name 'README*' ! -name '.*' | LC_ALL=C sort
}

# The sanitizer's or the harness's message and the first frames of its
# stack, from a log.
excerpt() {
	awk '/ERROR: |runtime error:|^fuzz: |SUMMARY: / { on = 1 }
	     on && /^ *#[0-9]+ / && /fuzzer::|libc_start|_start / { next }
	     on { print "    " $0; if (++n == 20) exit }' "$1"
}

# Report a failed run: the log's excerpt and each kept input in base64.
failed() {
	h=$1 what=$2 log=$3
	shift 3
	crashes=$((crashes + 1))
	echo "fuzz: $h: FAILED ($what); log: $log"
	excerpt "$log"
	for a in "$@"; do
		echo "fuzz: $h: failing input $a (base64):"
		base64 -w 0 "$a"
		echo
	done
}

for h in "$@"; do
	bin=$build/fuzz_$h
	dir=$build/run/$h
	if [ ! -x "$bin" ]; then
		echo "fuzz: $bin is missing; run make fuzz-build" >&2
		exit 2
	fi
	rm -rf "$dir"
	mkdir -p "$dir/corpus" "$dir/artifacts" "$dir/tmp" || exit 2

	# 1. Regressions (and, for replay, the seeds): each input once, one
	# run per input, so that every failing input is named.
	list=$(inputs "$regressions/$h")
	if [ "$seconds" = replay ]; then
		list=$(printf '%s\n%s\n' "$list" "$(inputs "$corpus/$h")" | sed '/^$/d')
	fi
	n=0 bad=0
	for input in $list; do
		n=$((n + 1))
		if ! TMPDIR=$dir/tmp "$bin" "$input" >"$dir/replay-$n.log" 2>&1; then
			bad=$((bad + 1))
			failed "$h" "replaying $input" "$dir/replay-$n.log" "$input"
		fi
	done
	if [ "$n" -gt 0 ]; then
		echo "fuzz: $h: replayed $n input(s), $bad failed"
		total=$((total + n))
	fi
	[ "$bad" -eq 0 ] || continue
	[ "$seconds" = replay ] && continue

	# 2. Fuzzing on a copy of the seeds.
	if [ -d "$corpus/$h" ]; then
		cp "$corpus/$h"/* "$dir/corpus/" 2>/dev/null
	fi
	seeds=$(inputs "$dir/corpus" | wc -l)
	TMPDIR=$dir/tmp "$bin" -max_total_time="$seconds" -timeout=30 \
		-print_final_stats=1 -artifact_prefix="$dir/artifacts/" \
		"$dir/corpus" >"$dir/fuzz.log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/fuzz.log" | tail -n 1)
	if [ "$rc" -ne 0 ] || [ -z "$runs" ]; then
		# shellcheck disable=SC2046 # artifact names have no spaces
		failed "$h" "exit status $rc" "$dir/fuzz.log" $(inputs "$dir/artifacts")
		continue
	fi
	total=$((total + runs))
	echo "fuzz: $h: $runs executions in $seconds s, corpus $seeds -> $(inputs "$dir/corpus" | wc -l) inputs, 0 crashes"
done

echo "fuzz: $total executions in total, $crashes crashes"
[ "$crashes" -eq 0 ]
