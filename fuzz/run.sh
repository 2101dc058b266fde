#!/bin/sh
# Runs each fuzz target for SECONDS seconds, seeded from the test fixtures,
# the bundled sample, the shared corpus and the regression inputs; new
# crashes land in BUILDDIR/fuzz/artifacts-TARGET/.
# usage: fuzz/run.sh SRCDIR BUILDDIR SECONDS [MAX_LEN]
#   FUZZ_TARGETS="evtx hive" runs only those. MAX_LEN (the 4th argument or
#   the environment) is the longest input libFuzzer makes (default 262144).
#   A few MB (make fuzz-run SECONDS=N MAX_LEN=4194304) reaches what only
#   large inputs reach: wide keys, long lines, many deletions (issue 19);
#   the RSS limit then grows with it, as the readers may hold a few times
#   their input.
set -eu
src=$1 build=$2 seconds=${3:-60}
max_len=${4:-${MAX_LEN:-}}
[ -n "$max_len" ] || max_len=262144
rss_mb=$((2048 + 8 * max_len / 1048576))
out="$build/fuzz"
shared="${SHARED_CORPUS_DIR:-$src/../shared/corpus}"

# seeds TARGET DIR: puts the target's seed inputs into DIR.
seeds() {
	case $1 in
	cmtrace)
		# the IME log fixtures and the shared corpus's real logs
		cp "$src"/tests/data/imelog/*.log "$2"/
		for l in "$shared"/logs/*.log; do [ -f "$l" ] && cp "$l" "$2"/; done
		;;
	evtx)
		# fuzz_evtx reads an input that starts with "ElfFile" as a whole
		# log and any other as the records of one chunk: the shared
		# corpus's small logs and the first records of each.
		for l in "$shared"/evtx/*.evtx; do
			[ -f "$l" ] && [ "$(wc -c < "$l")" -le 262144 ] || continue
			b=$(basename "$l" .evtx | tr -c 'A-Za-z0-9\n' _)
			cp "$l" "$2/$b.evtx"
			tail -c +4609 "$l" | head -c 8192 > "$2/$b.records"
		done
		;;
	regf_log)
		# fuzz_regf_log takes a control byte and a log's entries (see its
		# comment): seeds are its own (logs that apply to its hive) and the
		# shared corpus's logs from offset 512 on, with the checksums made
		# right (control byte 2) or two logs (10).
		FUZZ_REGF_LOG_SEEDS="$2" "$out/fuzz_$1" -runs=0 "$2" > /dev/null 2>&1 || true
		for l in "$shared"/hives/*.LOG1 "$shared"/hives/*.LOG2 "$shared"/hives/*.log1 "$shared"/hives/*.log2; do
			[ -f "$l" ] || continue
			for c in 002 012; do
				{ printf "\\$c"; tail -c +513 "$l" | head -c 200000; } > "$2/$(basename "$l").$c.seed"
			done
		done
		;;
	bundle)
		# collections as the bundle tests make them (python3 and gcab),
		# and the registry fixtures as single files
		python3 "$src"/tests/bundle_fixtures.py all "$src"/tests/data "$2/fx" > /dev/null 2>&1 &&
			for f in "$2"/fx/*.zip "$2"/fx/*.cab "$2"/fx/single/*; do cp "$f" "$2"/; done
		rm -rf "$2/fx"
		cp "$src"/examples/data/*.reg "$2"/
		;;
	hive)
		# fuzz_hive puts the "regf" magic in front of every input: the
		# shared corpus's small hives without their first 4 bytes.
		for h in "$shared"/hives/* "$shared"/esp/*.hive; do
			[ -f "$h" ] && [ "$(wc -c < "$h")" -le 262144 ] || continue
			tail -c +5 "$h" > "$2/$(basename "$h").seed"
		done
		;;
	*)
		cp "$src"/tests/fuzz-regressions/*.reg "$src"/examples/data/*.reg "$2"/
		for s in "$src"/tests/data/*.reg; do cp "$s" "$2"/; done
		;;
	esac
}

for t in ${FUZZ_TARGETS:-reg hive pipeline cmtrace evtx regf_log bundle}; do
	corpus="$out/corpus-$t"
	mkdir -p "$corpus" "$out/artifacts-$t"
	seeds "$t" "$corpus"
	echo "== fuzz_$t for ${seconds}s"
	"$out/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb="$rss_mb" -max_len="$max_len" \
		-artifact_prefix="$out/artifacts-$t/" -print_final_stats=1 "$corpus" 2>&1 |
		grep -E '^(#[0-9]+ +DONE|stat::|==[0-9]+==ERROR|SUMMARY|artifact_prefix|Test unit written)' || true
done
