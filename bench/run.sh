#!/bin/sh
# bench/run.sh - "make bench": makes the inputs (deterministic, so kept
# copies are reused), then runs bench/bench once, which prints every
# figure of issue 18 in one table. Run from the build directory, where
# make puts bench/bench, bench/gen_dump, bench/gen_hive, bench/bench_hivex_walk
# (only with libhivex) and examples/espdiag.
#
# Inputs: a 100 MiB dump from gen_dump (the .reg figures, against iconv);
# ../shared/corpus/hives/regipy_SYSTEM (11 MB, 30,756 keys: the hive dump
# and walk, against hivexml and libhivex); a 60 MiB hive from gen_hive
# (one value, against libhivex); the Python binding staged as "make
# install" lays it out (its _config.py names the libdir), byte-compiled.
#
# Environment: BENCH_ROUNDS (default 5), BENCH_PY_RUNS (python pairs,
# default 21), BENCH_SIZE (the dump's bytes, default 104857600),
# BENCH_HIVE_SIZE (default 60M), BENCH_DATA (directory for the inputs,
# default bench-data), BENCH_HIVE (the hive, default the corpus SYSTEM
# hive), SHARED_CORPUS_DIR, PYTHON (default python3).
set -eu

srcdir=$(cd "$(dirname "$0")/.." && pwd)
size=${BENCH_SIZE:-104857600}
hive_size=${BENCH_HIVE_SIZE:-60M}
dir=${BENCH_DATA:-bench-data}
corpus=${SHARED_CORPUS_DIR:-$srcdir/../shared/corpus}
hive=${BENCH_HIVE:-$corpus/hives/regipy_SYSTEM}

for prog in bench/bench bench/gen_dump bench/gen_hive examples/espdiag; do
	if [ ! -x "$prog" ]; then
		echo "run.sh: $prog not built; run 'make bench' from the build directory" >&2
		exit 2
	fi
done
for tool in iconv hivexml; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "run.sh: $tool not found; it is a yardstick" >&2
		exit 2
	fi
done
mkdir -p "$dir"

# gen NAME COMMAND...: runs the generator (its counts line into
# $dir/NAME.counts) unless a whole earlier output is there; the counts
# file is written last, so its presence says the input is whole.
gen() {
	name=$1
	shift
	if [ -s "$dir/$name.counts" ] && [ -f "$dir/$name" ]; then
		echo "reusing $dir/$name"
		return
	fi
	rm -f "$dir/$name.counts"
	echo "generating $dir/$name"
	"$@" "$dir/$name.tmp" > "$dir/$name.counts.tmp"
	mv "$dir/$name.tmp" "$dir/$name"
	mv "$dir/$name.counts.tmp" "$dir/$name.counts"
}
gen "dump-$size.reg" bench/gen_dump -s "$size"
gen "hive-$hive_size" bench/gen_hive -s "$hive_size"

# The programs themselves, not libtool's wrapper scripts around them.
espdiag=examples/espdiag
bench=bench/bench
if [ -x examples/.libs/espdiag ]; then
	espdiag=examples/.libs/espdiag
	bench=bench/.libs/bench
	LD_LIBRARY_PATH=$(pwd)/lib/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
	export LD_LIBRARY_PATH
fi

set -- -n "${BENCH_ROUNDS:-5}" --python-runs "${BENCH_PY_RUNS:-21}" --espdiag "$espdiag" \
	--reg "$dir/dump-$size.reg" --reg-counts "$dir/dump-$size.reg.counts" \
	--big-hive "$dir/hive-$hive_size" --big-counts "$dir/hive-$hive_size.counts"
if [ -f "$hive" ]; then
	set -- "$@" --hive "$hive"
else
	echo "run.sh: $hive is absent; the hive dump and walk figures are skipped"
fi
if [ -x bench/bench_hivex_walk ]; then
	set -- "$@" --hivex-walk bench/bench_hivex_walk
fi

# Python as installed: the package byte-compiled, _config.py naming the
# libdir; the interpreter itself, not a launcher script (pyenv's shims
# are shell scripts that cost more than the import).
python=$(${PYTHON:-python3} -c 'import sys; print(sys.executable)' 2>/dev/null || true)
if [ -n "$python" ] && [ -x "$python" ]; then
	rm -rf "$dir/python"
	mkdir -p "$dir/python/espdiag"
	cp "$srcdir"/bindings/python/espdiag/*.py "$dir/python/espdiag/"
	echo "LIBDIR = '$(pwd)/lib/.libs'  # written by bench/run.sh" > "$dir/python/espdiag/_config.py"
	"$python" -m compileall -q "$dir/python/espdiag"
	set -- "$@" --python "$python" --pythonpath "$(cd "$dir/python" && pwd)"
else
	echo "run.sh: no Python 3; the import figure is skipped"
fi

exec "$bench" "$@"
