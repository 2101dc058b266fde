#!/bin/sh
# Runs each fuzz target for SECONDS seconds, seeded from the test fixtures,
# the bundled sample and the regression inputs; new crashes land in
# BUILDDIR/fuzz/artifacts-TARGET/.
# usage: fuzz/run.sh SRCDIR BUILDDIR SECONDS (FUZZ_TARGETS="evtx" runs only those)
set -eu
src=$1 build=$2 seconds=${3:-60}
out="$build/fuzz"
for t in ${FUZZ_TARGETS:-reg hive pipeline cmtrace evtx}; do
	corpus="$out/corpus-$t"
	mkdir -p "$corpus" "$out/artifacts-$t"
	case $t in hive | cmtrace | evtx) ;; *) cp "$src"/tests/fuzz-regressions/*.reg "$src"/examples/data/*.reg "$corpus"/ ;; esac
	if [ "$t" = cmtrace ]; then
		# CMTrace seeds: the IME log fixtures and the shared corpus's real logs.
		cp "$src"/tests/data/imelog/*.log "$corpus"/
		shared="${SHARED_CORPUS_DIR:-$src/../shared/corpus}"
		for l in "$shared"/logs/*.log; do [ -f "$l" ] && cp "$l" "$corpus"/; done
	elif [ "$t" = evtx ]; then
		# fuzz_evtx reads an input that starts with "ElfFile" as a whole
		# log and any other as the records of one chunk: the seeds are the
		# shared corpus's small logs and the first records of each.
		shared="${SHARED_CORPUS_DIR:-$src/../shared/corpus}"
		for l in "$shared"/evtx/*.evtx; do
			[ -f "$l" ] && [ "$(wc -c < "$l")" -le 262144 ] || continue
			b=$(basename "$l" .evtx | tr -c 'A-Za-z0-9\n' _)
			cp "$l" "$corpus/$b.evtx"
			tail -c +4609 "$l" | head -c 8192 > "$corpus/$b.records"
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
