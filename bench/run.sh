#!/bin/sh
# bench/run.sh - "make bench" for the .reg reader: generates the input once
# (deterministic, so a kept copy is as good as a new one), then runs
# bench_reg on it. Run from the build directory, where make puts
# bench/gen_dump and bench/bench_reg.
#
# Environment: BENCH_SIZE (bytes, default 104857600 = 100 MiB, the least
# issue 2 allows for the targets), BENCH_RUNS (best of, default 5: on a
# virtual machine a run can meet memory the host has taken back),
# BENCH_DATA (directory for the input, default bench-data).
set -eu

size=${BENCH_SIZE:-104857600}
runs=${BENCH_RUNS:-5}
dir=${BENCH_DATA:-bench-data}
if [ "$size" = 104857600 ]; then
	name=dump-100M
else
	name=dump-$size
fi
file=$dir/$name.reg
counts=$dir/$name.counts

for prog in bench/gen_dump bench/bench_reg; do
	if [ ! -x "$prog" ]; then
		echo "run.sh: $prog not built; run 'make bench' from the build directory" >&2
		exit 2
	fi
done
if ! command -v iconv >/dev/null 2>&1; then
	echo "run.sh: iconv not found; it is the yardstick" >&2
	exit 2
fi

# "keys=K values=V value_bytes=D digest=H bytes=B", from gen_dump.
field() {
	[ -f "$counts" ] && tr ' ' '\n' <"$counts" | sed -n "s/^$1=//p"
}

# The counts file is written last, so a whole one says the input is whole.
have=
if [ -f "$file" ] && [ -n "$(field digest)" ]; then
	have=$(wc -c <"$file" | tr -d ' ')
fi
if [ "$have" != "$size" ]; then
	mkdir -p "$dir"
	rm -f "$counts"
	echo "generating $file ($size bytes)"
	bench/gen_dump -s "$size" "$file.tmp" >"$counts.tmp"
	mv "$file.tmp" "$file"
	mv "$counts.tmp" "$counts"
else
	echo "reusing $file ($size bytes)"
fi

exec bench/bench_reg -n "$runs" --expect-keys "$(field keys)" --expect-values "$(field values)" \
	--expect-value-bytes "$(field value_bytes)" --expect-digest "$(field digest)" "$file"
