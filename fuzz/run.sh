#!/bin/sh
# Runs each fuzz target for SECONDS seconds, seeded from the test fixtures,
# the bundled sample and the regression inputs; new crashes land in
# BUILDDIR/fuzz/artifacts-TARGET/.
# usage: fuzz/run.sh SRCDIR BUILDDIR SECONDS
set -eu
src=$1 build=$2 seconds=${3:-60}
out="$build/fuzz"
for t in reg hive pipeline; do
	corpus="$out/corpus-$t"
	mkdir -p "$corpus" "$out/artifacts-$t"
	cp "$src"/tests/fuzz-regressions/* "$corpus"/ 2>/dev/null || true
	cp "$src"/examples/data/*.reg "$corpus"/
	case $t in
	hive) seeds=$(ls "$src"/tests/data/*.hive "$src"/tests/data/*hive* 2>/dev/null || true) ;;
	*) seeds=$(ls "$src"/tests/data/*.reg 2>/dev/null || true) ;;
	esac
	for s in $seeds; do cp "$s" "$corpus"/; done
	echo "== fuzz_$t for ${seconds}s"
	"$out/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=262144 \
		-artifact_prefix="$out/artifacts-$t/" -print_final_stats=1 "$corpus" 2>&1 |
		grep -E '^(#[0-9]+ +DONE|stat::|==[0-9]+==ERROR|SUMMARY|artifact_prefix|Test unit written)' || true
done
