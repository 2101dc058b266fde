#!/bin/sh
# Builds the libFuzzer targets with clang, ASan and UBSan, from the library's
# sources and the configured build's config.h and version.h.
# usage: fuzz/build.sh SRCDIR BUILDDIR "EXTRA LIBS"
set -eu
src=$1 build=$2 libs=${3:-}
out="$build/fuzz"
mkdir -p "$out"
CC=${FUZZ_CC:-clang}
flags="-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -std=c11 -D_GNU_SOURCE -DHAVE_CONFIG_H"
incs="-I$build -I$src/include -I$build/include -I$src/lib -I$src/fuzz"
for t in reg hive pipeline cmtrace evtx regf_log bundle; do
	# fuzz_regf_log builds its hive with the test suite's regf writer
	extra=
	[ "$t" = regf_log ] && extra="-I$src/tests $src/tests/regf_writer.c"
	# shellcheck disable=SC2086
	$CC $flags $incs -o "$out/fuzz_$t" "$src/fuzz/fuzz_$t.c" "$src/fuzz/pipeline.c" $extra "$src"/lib/*.c $libs
	echo "built $out/fuzz_$t"
done
