#!/bin/sh
# The manual: every symbol the built library exports is documented in a
# section 3 page (named on an .Fn, .Fo or .Nm line) and is a page name (an
# .Nm line: make install links NAME.3 to the page), every page lints
# clean with groff -mandoc -ww -z (and mandoc -Tlint -Wwarning when present)
# and renders with man -l without a warning, and after make install-data
# into a staging directory, man finds every symbol's page.
set -u
man="$top_srcdir/man"
so="$top_builddir/lib/.libs/libespdiag.so"
fail=0 n=0
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

if ! command -v nm > /dev/null 2>&1 || ! command -v groff > /dev/null 2>&1; then
	echo "SKIP: nm or groff missing"; exit 77
fi
[ -f "$so" ] || { echo "FAIL: $so not built"; exit 1; }

# Names documented: the first word after .Fn/.Fo/.Nm in section 3 pages.
documented=$(sed -n 's/^\.\(Fn\|Fo\|Nm\)[[:space:]]\{1,\}\([A-Za-z_][A-Za-z0-9_]*\).*/\2/p' "$man"/man3/*.3 | sort -u)
symbols=$(nm -D --defined-only "$so" | awk '$2 ~ /^[TDBRVW]$/ { sub(/@.*/, "", $3); print $3 }' | sort -u)
[ -n "$symbols" ] || bad "no symbols in $so"
names=$(sed -n 's/^\.Nm[[:space:]]\{1,\}\([A-Za-z_][A-Za-z0-9_]*\).*/\1/p' "$man"/man3/*.3 | sort -u)
for s in $symbols; do
	n=$((n + 1))
	printf '%s\n' "$documented" | grep -qx "$s" || bad "$s has no section 3 page"
	printf '%s\n' "$names" | grep -qx "$s" || bad "$s is named on no .Nm line (man $s would fail)"
done

for page in "$man"/man1/*.1 "$man"/man3/*.3 "$man"/man7/*.7; do
	n=$((n + 1))
	out=$(groff -mandoc -ww -z "$page" 2>&1)
	[ -z "$out" ] || bad "groff: $out"
	if command -v mandoc > /dev/null 2>&1; then
		# STYLE messages are advice; WARNING and worse fail.
		out=$(mandoc -Tlint -Wwarning "$page" 2>&1)
		[ -z "$out" ] || bad "mandoc: $out"
	fi
	if command -v man > /dev/null 2>&1; then
		out=$(MANWIDTH=80 man -l "$page" 2>&1 > /dev/null)
		[ -z "$out" ] || bad "man -l $page: $out"
	fi
done

# Installed: man finds every symbol's page (the links of make install).
if command -v man > /dev/null 2>&1 && command -v make > /dev/null 2>&1; then
	stage=$(mktemp -d)
	trap 'rm -rf "$stage"' EXIT
	if make -s -C "$top_builddir" install-data DESTDIR="$stage" > "$stage/log" 2>&1; then
		man3=$(find "$stage" -type d -name man3 | head -n 1)
		# man -w resolves each name (a link resolves to its page).
		count=$(MANPATH="${man3%/man3}" man -w $symbols 2> "$stage/missing" | grep -c "^$stage/")
		n=$((n + 1))
		[ "$count" -eq "$(printf '%s\n' $symbols | wc -l)" ] || bad "after make install: $(cat "$stage/missing")"
		n=$((n + 1))
		out=$(MANPATH="${man3%/man3}" MANWIDTH=80 man -P cat espdiag_registry_open_file 2> /dev/null |
			col -b | grep -c 'espdiag_registry_open_file')
		[ "${out:-0}" -gt 0 ] || bad "man espdiag_registry_open_file shows no espdiag_registry_open_file"
		# What else install-data puts where espdiag(1) and README.md say.
		for f in share/espdiag/schema/espdiag-report-1.schema.json \
			share/espdiag/schema/espdiag-timeline-1.schema.json \
			share/doc/libespdiag/examples/failed_apps.c \
			share/doc/libespdiag/examples/data/MDMDiagReport_RegistryDump.reg; do
			n=$((n + 1))
			[ -n "$(find "$stage" -path "*/$f")" ] || bad "make install-data does not install $f"
		done
		n=$((n + 1))
		make -s -C "$top_builddir" uninstall-man uninstall-hook DESTDIR="$stage" > "$stage/log" 2>&1 &&
			[ -z "$(find "$stage" -name 'espdiag*.3')" ] ||
			bad "make uninstall leaves pages: $(find "$stage" -name 'espdiag*.3' | head -n 3)"
	else
		bad "make install-data DESTDIR=$stage failed: $(tail -n 5 "$stage/log")"
	fi
else
	echo "note: no man or make; the installed-pages check is skipped"
fi
echo "$((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
