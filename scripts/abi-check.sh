#!/bin/sh
# Compares the built library with every committed ABI baseline
# (abi/libespdiag-VERSION.abi, written by abidw at each release) and fails on
# an incompatible change: a removed or changed function, a changed public
# type. Added functions are compatible and pass. Checking the oldest
# baseline as well as the newest proves that every release's ABI still holds
# (docs/ABI.md).
# usage: scripts/abi-check.sh SRCDIR BUILDDIR          check
#        scripts/abi-check.sh SRCDIR BUILDDIR --update  write the baseline of
#                                                       the configured version
set -eu
src=$1 build=$2
so="$build/lib/.libs/libespdiag.so"
headers="--headers-dir $src/include/espdiag --headers-dir $build/include/espdiag"
if [ "${3:-}" = "--update" ]; then
	version=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' "$build/config.h")
	out="$src/abi/libespdiag-$version.abi"
	abidw --no-corpus-path $headers --out-file "$out" "$so"
	echo "abi: baseline written to $out"
	exit 0
fi
status=0
for baseline in "$src"/abi/libespdiag-*.abi; do
	name=$(basename "$baseline")
	report="$build/abidiff-$name.txt"
	set +e
	abidiff --suppressions "$src/abi/suppressions.ini" --headers-dir2 "$src/include/espdiag" \
		--headers-dir2 "$build/include/espdiag" "$baseline" "$so" > "$report" 2>&1
	rc=$?
	set -e
	# abidiff's status is a bit set: 1 error, 2 usage, 4 change, 8
	# incompatible change. A changed type only sets 4, as added functions
	# do, so the summary decides: anything removed or changed fails,
	# additions pass.
	changed=$(grep -E 'changes summary: .*([1-9][0-9]* Removed|[1-9][0-9]* Changed)' "$report" || true)
	if [ $((rc & 3)) -ne 0 ] || [ $((rc & 8)) -ne 0 ] || [ -n "$changed" ]; then
		cat "$report"
		echo "abi: incompatible change against abi/$name (abidiff status $rc)"
		status=1
		continue
	fi
	[ $((rc & 4)) -ne 0 ] && { cat "$report"; echo "abi: compatible additions only against abi/$name"; }
	echo "abi: compatible with abi/$name"
done
exit $status
