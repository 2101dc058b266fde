#!/bin/sh
# Runs each fuzz target for SECONDS seconds, seeded from the test fixtures,
# the bundled sample and the regression inputs; new crashes land in
# BUILDDIR/fuzz/artifacts-TARGET/.
# usage: fuzz/run.sh SRCDIR BUILDDIR SECONDS
set -eu
src=$1 build=$2 seconds=${3:-60}
out="$build/fuzz"
for t in reg hive pipeline regf_log; do
	corpus="$out/corpus-$t"
	mkdir -p "$corpus" "$out/artifacts-$t"
	case $t in hive|regf_log) ;; *) cp "$src"/tests/fuzz-regressions/*.reg "$src"/examples/data/*.reg "$corpus"/ ;; esac
	if [ "$t" = regf_log ]; then
		# fuzz_regf_log takes a control byte and a log's entries (see its
		# comment): seeds are its own (logs that apply to its hive) and the
		# shared corpus's logs from offset 512 on, with the checksums made
		# right (control byte 2) or two logs (10).
		FUZZ_REGF_LOG_SEEDS="$corpus" "$out/fuzz_$t" -runs=0 "$corpus" > /dev/null 2>&1 || true
		shared="${SHARED_CORPUS_DIR:-$src/../shared/corpus}"
		for l in "$shared"/hives/*.LOG1 "$shared"/hives/*.LOG2 "$shared"/hives/*.log1 "$shared"/hives/*.log2; do
			[ -f "$l" ] || continue
			for c in 002 012; do
				{ printf "\\$c"; tail -c +513 "$l" | head -c 200000; } > "$corpus/$(basename "$l").$c.seed"
			done
		done
	elif [ "$t" = hive ]; then
		# fuzz_hive puts the "regf" magic in front of every input, so its
		# seeds are the shared corpus's small hives without their first 4 bytes.
		shared="${SHARED_CORPUS_DIR:-$src/../shared/corpus}"
		for h in "$shared"/hives/* "$shared"/esp/*.hive; do
			[ -f "$h" ] && [ "$(wc -c < "$h")" -le 262144 ] || continue
			tail -c +5 "$h" > "$corpus/$(basename "$h").seed"
		done
	else
		for s in "$src"/tests/data/*.reg; do cp "$s" "$corpus"/; done
	fi
	echo "== fuzz_$t for ${seconds}s"
	"$out/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=262144 \
		-artifact_prefix="$out/artifacts-$t/" -print_final_stats=1 "$corpus" 2>&1 |
		grep -E '^(#[0-9]+ +DONE|stat::|==[0-9]+==ERROR|SUMMARY|artifact_prefix|Test unit written)' || true
done
