#!/bin/sh
# espdiag report and diagnose --format=html end to end: exit statuses,
# --output, one section per input with an index, an unreadable input's
# section, hostile names shown as text (never markup), and `tidy -e -q`
# finding no error in the report of the sample and of each diag-*.reg
# fixture (skipped with a message when tidy is absent). The browser checks
# are in html_browser.sh.
set -u
espdiag="$top_builddir/examples/espdiag"
data="$top_srcdir/tests/data"
sample="$top_srcdir/examples/data/MDMDiagReport_RegistryDump.reg"
. "$top_srcdir/tests/testlib.sh"
has() { grep -qF -- "$1" "$tmp/out" && ok || bad "output lacks \"$1\""; }
lacks() { grep -qiF -- "$1" "$tmp/out" && bad "output holds \"$1\"" || ok; }
# count TEXT N: $tmp/out holds TEXT exactly N times.
count() {
	n=$(grep -oF -- "$1" "$tmp/out" | wc -l)
	[ "$n" -eq "$2" ] && ok || bad "\"$1\" $n times, expected $2"
}

expect_exit 1 "$espdiag" report "$sample"
has '<!DOCTYPE html>'
count 'data-run="' 1
count 'data-bar="' 8
count 'data-finding="app-install-failed"' 2
has '<dt>Scenario</dt><dd data-scenario="autopilot_v1">autopilot_v1</dd>'
head -c 15 "$tmp/out" | grep -q '^<!DOCTYPE html>' && ok || bad "no doctype first"
cp "$tmp/out" "$tmp/report.html"
expect_exit 1 "$espdiag" diagnose --format=html "$sample"
cmp -s "$tmp/out" "$tmp/report.html" && ok || bad "diagnose --format=html differs from report"
expect_output 1 "" "$espdiag" report --output "$tmp/o.html" "$sample"
cmp -s "$tmp/o.html" "$tmp/report.html" && ok || bad "--output differs from standard output"
expect_exit 0 "$espdiag" report "$data/diag-ok.reg"
expect_exit 4 "$espdiag" report "$data/diag-damaged.reg"
expect_exit 2 "$espdiag" report
expect_exit 3 "$espdiag" report --output "$tmp/no/such/dir/r.html" "$data/diag-ok.reg"

# Several inputs: an index, a section each, an unreadable one included (3 wins).
expect_exit 3 "$espdiag" report "$data/diag-ok.reg" "$tmp/missing.reg" "$sample"
count 'data-run="' 3
has '<h2>Inputs (3)</h2>'
has 'data-outcome="unreadable"'
has 'missing.reg</a> &#8212; <span class="error">could not be read</span>'
expect_exit 1 "$espdiag" report "$data/diag-ok.reg" "$sample"
count 'data-run="' 2

# Device preparation (v2): a row per workload, its band, 7-Zip failed.
expect_exit 1 "$espdiag" report "$data/v2-workload-failed.reg"
count '<g data-row="workload"' 3
count 'data-bar="' 4
count 'data-marker="failure"' 1
has 'data-band="device_preparation_v2" data-status="failed"'

# A folder bundle: names and attempts from the IME log, its milestones as
# markers, the device's local time (UTC+02:00) beside UTC.
expect_exit 1 "$espdiag" report "$data/apps"
has '<td>7-Zip (revision 1)</td>'
has '<span data-attempts="2">2</span>: #1 failed, exit 1618, 1 min 39 s; #2 succeeded, exit 0, 32 min 30 s'
has '>local 2024-05-01 (UTC+02:00)</text>'
count 'data-marker="log"' 26

# Names that are markup stay text: no element but ours, each name escaped.
expect_exit 1 "$espdiag" report "$data/html-escapes.reg"
cp "$tmp/out" "$tmp/escapes.html"
for tag in '<img' '<svg onload' '<b ' '<i>' '<![CDATA['; do lacks "$tag"; done
# One script, the report's filter; the Content-Security-Policy names its hash.
count '<script' 1
if command -v python3 > /dev/null 2>&1; then
	python3 - "$tmp/escapes.html" <<'PY' && ok || bad "the script's SHA-256 is not the one the Content-Security-Policy allows"
import base64, hashlib, re, sys
page = open(sys.argv[1], encoding="utf-8").read()
script = re.findall(r"<script>(.*?)</script>", page, re.S)
allowed = re.search(r"script-src 'sha256-([^']*)'", page).group(1)
digest = base64.b64encode(hashlib.sha256(script[0].encode()).digest()).decode()
sys.exit(0 if len(script) == 1 and digest == allowed else 1)
PY
fi
has 'Win32 app &lt;script&gt;alert(1)&lt;/script&gt; (revision 1)'
has 'Win32App_&quot;&gt;&lt;img src=x onerror=alert(2)&gt;_2'
has 'Win32App_]]&gt;&lt;svg onload=alert(3)&gt;_3'
has '&lt;b onmouseover=alert(4)&gt;profile&lt;/b&gt; &amp; &#39;co&#39;'
has 'Win32App_e\u001b[2J\u0007\u202e_4'
n=$(LC_ALL=C tr -d '\n\t\040-\176\200-\377' < "$tmp/escapes.html" | wc -c)
[ "$n" -eq 0 ] && ok || bad "$n control bytes in the HTML"

if command -v tidy > /dev/null 2>&1; then
	for f in "$sample" "$data"/diag-*.reg "$data"/v2-*.reg "$data/html-escapes.reg" "$data/apps"; do
		"$espdiag" report --output "$tmp/t.html" "$f" 2> /dev/null
		# tidy exits 0 when clean, 1 on warnings, 2 on errors; we want clean.
		if out=$(tidy -e -q "$tmp/t.html" 2>&1); then ok; else bad "tidy $(basename "$f"): $out"; fi
	done
	"$espdiag" report --output "$tmp/t.html" "$data/diag-ok.reg" "$tmp/missing.reg" "$sample" 2> /dev/null
	if out=$(tidy -e -q "$tmp/t.html" 2>&1); then ok; else bad "tidy, three inputs: $out"; fi
else
	echo "SKIP: tidy is not installed (apt-get install tidy): the reports were not checked with it"
fi
finish html
