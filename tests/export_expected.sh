#!/bin/sh
# "espdiag dump" of every .reg fixture, the sample, the corpus hives and
# dumps, in UTF-8 and UTF-16LE and for a few subtrees, against the exit
# status and SHA-256 of the output that the exporter wrote before issue 18
# rewrote it for speed (commit 28419cb): tests/data/export-expected/dumps.
# The corpus lines are skipped when ../shared/corpus is absent.
#
# A change that means to change the output regenerates the list with
#   top_srcdir=. top_builddir=build sh tests/export_expected.sh --update
# and says why in its commit message.
set -u
espdiag="$top_builddir/examples/espdiag"
corpus="${SHARED_CORPUS_DIR:-$top_srcdir/../shared/corpus}"
list="$top_srcdir/tests/data/export-expected/dumps"
. "$top_srcdir/tests/testlib.sh"

# The file a label names: data/X is tests/data/X, examples/X
# examples/data/X, corpus/X ../shared/corpus/X.
file_of() {
	case $1 in
	data/*) echo "$top_srcdir/tests/$1" ;;
	examples/*) echo "$top_srcdir/examples/data/${1#examples/}" ;;
	corpus/*) echo "$corpus/${1#corpus/}" ;;
	esac
}

# run LABEL ENCODING KEY: prints "EXIT SHA256" of the dump ("-" for the
# whole file, else --key KEY).
run() {
	f=$(file_of "$1")
	# The biggest dump is 33 MB: a broken writer is stopped (SIGXFSZ)
	# at 100 MB or so rather than filling the disk.
	(
		ulimit -f 200000
		if [ "$3" = - ]; then
			exec "$espdiag" dump --encoding="$2" "$f" > "$tmp/dump" 2> /dev/null
		else
			exec "$espdiag" dump --encoding="$2" --key "$3" "$f" > "$tmp/dump" 2> /dev/null
		fi
	)
	echo "$? $(sha256sum < "$tmp/dump" | cut -d' ' -f1)"
}

if [ "${1:-}" = --update ]; then
	{
		echo "# label encoding key exit sha256 (written by tests/export_expected.sh --update)"
		for f in "$top_srcdir"/tests/data/*.reg; do echo "data/${f##*/} -"; done
		echo "examples/MDMDiagReport_RegistryDump.reg -"
		echo "examples/MDMDiagReport_RegistryDump.reg HKLM\\SOFTWARE\\Microsoft\\Enrollments"
		for f in "$corpus"/hives/* "$corpus"/esp/*.reg "$corpus"/esp/*.hive; do
			case $f in *SHA256SUMS|*.LOG*|*.log*) continue ;; esac
			echo "corpus/${f#"$corpus"/} -"
		done
		echo "corpus/hives/regipy_SYSTEM HKLM\\SYSTEM\\ControlSet001\\Services"
		echo "corpus/hives/regipy_NTUSER.DAT HKCU\\Software"
	} | while read -r label key; do
		case $label in '#'*) echo "$label $key"; continue ;; esac
		for enc in utf-8 utf-16le; do
			echo "$label $enc $key $(run "$label" "$enc" "$key")"
		done
	done > "$list.new" && mv "$list.new" "$list"
	echo "wrote $list"
	exit 0
fi

skipped=0
while read -r label enc key want_exit want_sum; do
	case $label in '#'*) continue ;; esac
	case $label in
	corpus/*)
		if [ ! -d "$corpus" ]; then
			skipped=$((skipped + 1))
			continue
		fi ;;
	esac
	got=$(run "$label" "$enc" "$key")
	what="dump --encoding=$enc"
	[ "$key" = - ] || what="$what --key $key"
	[ "$got" = "$want_exit $want_sum" ] && ok ||
		bad "$what $label: exit and SHA-256 '$got', expected '$want_exit $want_sum'"
done < "$list"
[ "$skipped" -eq 0 ] || echo "export_expected: $corpus is absent; $skipped corpus dumps skipped"
finish export_expected
