#!/bin/sh
# Compares the built library with the committed ABI baseline (abi/libespdiag.abi,
# written by abidw) and fails on an incompatible change: a removed or changed
# function, a changed public type. Added functions are compatible and pass.
# usage: scripts/abi-check.sh SRCDIR BUILDDIR          check
#        scripts/abi-check.sh SRCDIR BUILDDIR --update  rewrite the baseline
set -eu
src=$1 build=$2
so="$build/lib/.libs/libespdiag.so"
headers="--headers-dir $src/include/espdiag --headers-dir $build/include/espdiag"
if [ "${3:-}" = "--update" ]; then
	abidw --no-corpus-path $headers --out-file "$src/abi/libespdiag.abi" "$so"
	echo "abi: baseline written to $src/abi/libespdiag.abi"
	exit 0
fi
set +e
abidiff --suppressions "$src/abi/suppressions.ini" --headers-dir2 "$src/include/espdiag" --headers-dir2 "$build/include/espdiag" \
	"$src/abi/libespdiag.abi" "$so" > "$build/abidiff.txt" 2>&1
rc=$?
set -e
# abidiff's status is a bit set: 1 error, 2 usage, 4 change, 8 incompatible
# change. A changed type only sets 4, as added functions do, so the summary
# decides: anything removed or changed fails, additions pass.
changed=$(grep -E 'changes summary: .*([1-9][0-9]* Removed|[1-9][0-9]* Changed)' "$build/abidiff.txt" || true)
if [ $((rc & 3)) -ne 0 ] || [ $((rc & 8)) -ne 0 ] || [ -n "$changed" ]; then
	cat "$build/abidiff.txt"
	echo "abi: incompatible change against abi/libespdiag.abi (abidiff status $rc)"
	exit 1
fi
[ $((rc & 4)) -ne 0 ] && { cat "$build/abidiff.txt"; echo "abi: compatible additions only"; }
echo "abi: compatible with the baseline"
