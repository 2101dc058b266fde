#!/bin/sh
# What members no reader wants cost: an Intune zip (flat layout, nested MDM
# cab) diagnosed as it is and with 50 MiB of .etl traces and other logs
# added. Prints the median time of 5 runs and the peak memory of each, and
# fails when the bulky zip takes more than 1.3x the time or 8 MiB more
# memory (an unread member kept would cost its 5 MiB at least).
#   bench/bundle_cost.sh [BUILD_DIR]   (default: build)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
espdiag="$build/examples/espdiag"
export LD_LIBRARY_PATH="$build/lib/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 "$top/tests/bundle_fixtures.py" bulk "$tmp" 50
# measure ZIP: "SECONDS KB" (median time of 5 runs, largest peak RSS)
measure() {
	for i in 1 2 3 4 5; do
		/usr/bin/time -f '%e %M' "$espdiag" diagnose "$1" 2>&1 > /dev/null | tail -1
	done | sort -n | awk '{ t[NR] = $1; if ($2 > m) m = $2 } END { print t[3], m }'
}
lean=$(measure "$tmp/intune-lean.zip")
bulk=$(measure "$tmp/intune-bulk.zip")
echo "intune-lean.zip ($(stat -c %s "$tmp/intune-lean.zip") bytes): ${lean% *} s, ${lean#* } KB"
echo "intune-bulk.zip ($(stat -c %s "$tmp/intune-bulk.zip") bytes): ${bulk% *} s, ${bulk#* } KB"
awk -v l="$lean" -v b="$bulk" 'BEGIN {
	split(l, x, " "); split(b, y, " ");
	ratio = (y[1] + 0.01) / (x[1] + 0.01);   # 10 ms of slack: times this small are noise
	printf "time ratio %.2f (limit 1.3), memory +%d KB (limit 8192)\n", ratio, y[2] - x[2];
	exit !(ratio <= 1.3 && y[2] - x[2] <= 8192) }'
