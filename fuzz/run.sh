#!/bin/sh
# Runs each fuzz target for SECONDS seconds, seeded from the test fixtures,
# the bundled sample and the regression inputs; new crashes land in
# BUILDDIR/fuzz/artifacts-TARGET/.
# MAX_LEN is the longest input libFuzzer makes (default 262144). A few MB
# (make fuzz-run SECONDS=N MAX_LEN=4194304) reaches what only large inputs
# reach: wide keys, long lines, many deletions (issue 19); the RSS limit
# then grows with it, as the readers may hold a few times their input.
# usage: fuzz/run.sh SRCDIR BUILDDIR SECONDS [MAX_LEN]
set -eu
src=$1 build=$2 seconds=${3:-60} max_len=${4:-262144}
[ -n "$max_len" ] || max_len=262144
rss_mb=$((2048 + 8 * max_len / 1048576))
out="$build/fuzz"
for t in reg hive pipeline; do
	corpus="$out/corpus-$t"
	mkdir -p "$corpus" "$out/artifacts-$t"
	[ "$t" = hive ] || cp "$src"/tests/fuzz-regressions/*.reg "$src"/examples/data/*.reg "$corpus"/
	if [ "$t" = hive ]; then
		# fuzz_hive puts the "regf" magic in front of every input, so its
		# seeds are the shared corpus's small hives without their first 4 bytes.
		shared="${SHARED_CORPUS_DIR:-$src/../shared/corpus}"
		for h in "$shared"/hives/* "$shared"/esp/*.hive; do
			[ -f "$h" ] && [ "$(wc -c < "$h")" -le 262144 ] || continue
			tail -c +5 "$h" > "$corpus/$(basename "$h").seed"
		done
	else
		for s in "$src"/tests/data/*.reg; do cp "$s" "$corpus"/; done
		# Large seeds for large runs: the sweep's structured inputs, at
		# half the largest size.
		if [ "$max_len" -gt 262144 ] && command -v python3 >/dev/null 2>&1; then
			for k in wide-values wide-keys del-values del-keys readd; do
				python3 "$src/bench/gen_sweep.py" "$k" $((max_len / 2)) \
					"$corpus/sweep-$k.reg" >/dev/null
			done
		fi
	fi
	echo "== fuzz_$t for ${seconds}s, inputs up to $max_len bytes"
	"$out/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb="$rss_mb" -max_len="$max_len" \
		-artifact_prefix="$out/artifacts-$t/" -print_final_stats=1 "$corpus" 2>&1 |
		grep -E '^(#[0-9]+ +DONE|stat::|==[0-9]+==ERROR|SUMMARY|artifact_prefix|Test unit written)' || true
done
