#!/bin/sh
# The HTML report at scale (not a test): a dump with N tracked Win32 apps
# (default 2000), each changing state over four ESPTrackingInfo snapshots
# (not installed, in progress, completed or failed), is rendered with
# `espdiag report`; prints the document's size (the goal: at most 3 MB for
# 2,000 items), the time espdiag takes, and the time headless Chromium takes
# to load it and take a screenshot (the goal: under 5 s).
# Usage: bench/html_bench.sh [N]   (from the source tree, after make)
set -eu
n=${1:-2000}
top=$(cd "$(dirname "$0")/.." && pwd)
espdiag=${ESPDIAG:-$top/build/examples/espdiag}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT; [ -n "${KEEP:-}" ] && trap - EXIT
python3 - "$n" > "$tmp/big.reg" <<'PY'
import sys
n = int(sys.argv[1])
t = r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\Autopilot\EnrollmentStatusTracking"
uri = "./Device/Vendor/MSFT/EnrollmentStatusTracking/Setup/Apps/Tracking/Sidecar/"
apps = ["Win32App_%08x-0000-4000-8000-%012x_1" % (i, i) for i in range(n)]
final = [4 if i % 50 == 0 else 3 for i in range(n)]
print("Windows Registry Editor Version 5.00\n")
print(r"[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Enrollments\{11111111-2222-3333-4444-555555555555}\FirstSync]")
print('"SyncFailureTimeout"=dword:0000003c\n')
print("[%s\\Device\\Setup]\n\"HasProvisioningCompleted\"=dword:00000000\n" % t)
for a, f in zip(apps, final):
    print("[%s\\Device\\Setup\\Apps\\Tracking\\Sidecar\\%s]\n\"InstallationState\"=dword:%08x\n" % (t, a, f))
snaps = ["2026-11-24T09:00:00.000Z", "2026-11-24T09:10:00.000Z",
         "2026-11-24T09:25:00.000Z", "2026-11-24T09:50:00.000Z"]
for k, ts in enumerate(snaps):
    print("[%s\\ESPTrackingInfo\\Diagnostics\\Sidecar\\%s]" % (t, ts))
    for i, (a, f) in enumerate(zip(apps, final)):
        # app i starts at snapshot 1 or 2 and ends at 2 or 3
        start, end = 1 + i % 2, 2 + i % 2
        state = 1 if k < start else 2 if k < end else f
        print('"%s%s"=dword:%08x' % (uri, a, state))
    print()
PY
start=$(date +%s.%N)
"$espdiag" report --output "$tmp/big.html" "$tmp/big.reg" || true
end=$(date +%s.%N)
size=$(wc -c < "$tmp/big.html")
echo "items: $n; dump: $(wc -c < "$tmp/big.reg") bytes"
echo "report: $size bytes ($(echo "$size" | awk '{printf "%.2f", $1 / 1048576}') MiB), espdiag $(echo "$end - $start" | bc) s"
chrome=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chrome" ]; then
	echo "no Chromium: not rendered"; exit 0
fi
for run in 1 2 3; do
	start=$(date +%s.%N)
	"$chrome" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$tmp/profile$run" --window-size=1280,900 \
		--screenshot="$tmp/big.png" "file://$tmp/big.html" > /dev/null 2>&1
	end=$(date +%s.%N)
	echo "chromium run $run: load and screenshot $(echo "$end - $start" | bc) s"
done
