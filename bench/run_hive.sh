#!/bin/sh
# bench/run_hive.sh - "make bench" for the regf hive reader (issue 3): runs
# bench_hive on ../shared/corpus/hives/regipy_SYSTEM (11 MB, 30,756 keys),
# timing "espdiag dump" and a full walk through the API against hivexml.
# Run from the build directory, where make puts bench/bench_hive and
# examples/espdiag.
#
# Environment: BENCH_HIVE (the hive, default the corpus SYSTEM hive),
# BENCH_RUNS (best of, default 5), SHARED_CORPUS_DIR (the corpus).
set -eu

corpus=${SHARED_CORPUS_DIR:-../../shared/corpus}
hive=${BENCH_HIVE:-$corpus/hives/regipy_SYSTEM}
runs=${BENCH_RUNS:-5}

if [ ! -x bench/bench_hive ]; then
	echo "run_hive.sh: bench/bench_hive not built; run 'make bench' from the build directory" >&2
	exit 2
fi
if [ ! -f "$hive" ]; then
	echo "run_hive.sh: $hive is absent; hive benchmark skipped"
	exit 0
fi
if ! command -v hivexml >/dev/null 2>&1; then
	echo "run_hive.sh: hivexml not found (libhivex-bin); it is the yardstick" >&2
	exit 2
fi

# Time the program itself, not libtool's wrapper script around it.
espdiag=examples/espdiag
if [ -x examples/.libs/espdiag ]; then
	espdiag=examples/.libs/espdiag
	LD_LIBRARY_PATH=$(pwd)/lib/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
	export LD_LIBRARY_PATH
fi
bench=bench/bench_hive
if [ -x bench/.libs/bench_hive ]; then
	bench=bench/.libs/bench_hive
fi

exec "$bench" -n "$runs" --espdiag "$espdiag" "$hive"
