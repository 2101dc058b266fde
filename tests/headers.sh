#!/bin/sh
# Compiles each public header alone, as C99 and as C++, so that none of them
# depends on another being included first or on config.h.
set -eu
inc="$top_srcdir/include"
binc="$top_builddir/include"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0 n=0
for h in "$inc"/espdiag/*.h "$binc"/espdiag/version.h; do
	name=espdiag/$(basename "$h")
	printf '#include <%s>\nint espdiag_header_test;\n' "$name" > "$tmp/t.c"
	cp "$tmp/t.c" "$tmp/t.cc"
	if ! ${CC:-cc} -std=c99 -Wall -Wextra -Werror -pedantic -I"$inc" -I"$binc" -c "$tmp/t.c" -o "$tmp/t.o"; then
		echo "FAIL: $name as C99"; fail=$((fail + 1))
	fi
	if ! ${CXX:-c++} -Wall -Wextra -Werror -I"$inc" -I"$binc" -c "$tmp/t.cc" -o "$tmp/t.o"; then
		echo "FAIL: $name as C++"; fail=$((fail + 1))
	fi
	n=$((n + 2))
done
echo "$((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
