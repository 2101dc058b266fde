#!/bin/sh
# The JSON contract: every line that diagnose --format=json and timeline
# --format=json write for the fixtures (tests/data, examples/data, the
# corpus when present, a cab, an unreadable input) validates against the
# installed JSON Schemas (schema/*.schema.json, draft 2020-12), and a line
# that breaks the contract does not. Needs python3-jsonschema under
# /usr/bin/python3; skipped without it.
set -u
espdiag="${ESPDIAG:-$top_builddir/examples/espdiag}"
corpus="${SHARED_CORPUS_DIR:-$top_srcdir/../shared/corpus}"
py=/usr/bin/python3
. "$top_srcdir/tests/testlib.sh"
if ! "$py" -c 'import jsonschema' > /dev/null 2>&1; then
	echo "SKIP: $py cannot import jsonschema (Debian: apt-get install python3-jsonschema)"
	exit 77
fi

set -- "$top_srcdir"/tests/data/*.reg "$top_srcdir"/examples/data/*.reg
if [ -d "$corpus/esp" ]; then
	set -- "$@" "$corpus"/esp/*.reg "$corpus"/esp/*.hive
else
	echo "note: $corpus is absent; corpus inputs are not validated"
fi
if command -v gcab > /dev/null 2>&1; then
	mkdir "$tmp/cab" && cp "$top_srcdir/examples/data/MDMDiagReport_RegistryDump.reg" "$tmp/cab/"
	(cd "$tmp/cab" && gcab -c -z ../diag.cab MDMDiagReport_RegistryDump.reg) && set -- "$@" "$tmp/diag.cab"
fi
# A folder bundle: a dump and an AppWorkload.log ("apps", "clock", names).
set -- "$@" "$top_srcdir/tests/data/apps"
printf 'not a registry file\n' > "$tmp/text.txt"
set -- "$@" "$tmp/does-not-exist.reg" "$tmp/text.txt"

: > "$tmp/report.jsonl"
: > "$tmp/timeline.jsonl"
for f in "$@"; do
	"$espdiag" diagnose --format=json "$f" >> "$tmp/report.jsonl" 2> /dev/null
	"$espdiag" timeline --format=json "$f" >> "$tmp/timeline.jsonl" 2> /dev/null
done
# One report line per input, in order, readable or not.
[ "$(wc -l < "$tmp/report.jsonl")" -eq $# ] && ok || bad "$(wc -l < "$tmp/report.jsonl") report lines for $# inputs"
"$espdiag" diagnose --format=json "$@" > "$tmp/all.jsonl" 2> /dev/null
"$py" - "$tmp/all.jsonl" "$@" <<'PY' && ok || bad "diagnose of many inputs: one line each, in order"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
want = sys.argv[2:]
assert len(lines) == len(want), (len(lines), len(want))
for line, path in zip(lines, want):
    assert line["input"]["path"] == path, (line["input"]["path"], path)
PY

# validate SCHEMA FILE: every line of FILE validates; prints the failures.
validate() {
	"$py" - "$top_srcdir/schema/$1" "$2" <<'PY'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
v = jsonschema.Draft202012Validator(schema)
bad = 0
for n, line in enumerate(open(sys.argv[2], encoding="utf-8"), 1):
    errors = list(v.iter_errors(json.loads(line)))
    if errors:
        bad += 1
        best = jsonschema.exceptions.best_match(errors)
        print("line %d: %s at %s" % (n, best.message[:300], list(best.absolute_path)))
print("%d lines checked" % n, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
}
out=$(validate espdiag-report-1.schema.json "$tmp/report.jsonl" 2>&1) && ok || bad "report lines: $out"
out=$(validate espdiag-timeline-1.schema.json "$tmp/timeline.jsonl" 2>&1) && ok || bad "timeline lines: $out"
grep -q '"error":{"status":-3' "$tmp/report.jsonl" && ok || bad "no error line for the missing input"
grep -q '"error":{' "$tmp/timeline.jsonl" && ok || bad "no timeline error line"

# The schemas are no rubber stamps: lines that break the contract fail.
head -n 1 "$tmp/report.jsonl" | sed 's/"outcome":"[a-z_]*"/"outcome":"fine"/' > "$tmp/broken.jsonl"
head -n 1 "$tmp/report.jsonl" | sed 's/"generated_at":"[^"]*",//' >> "$tmp/broken.jsonl"
grep -m 1 '"sources":\[{' "$tmp/report.jsonl" | sed 's/"sources":\[{"key":"[^"]*",/"sources":[{/' >> "$tmp/broken.jsonl"
"$py" - "$top_srcdir/schema/espdiag-report-1.schema.json" "$tmp/broken.jsonl" <<'PY' && ok || bad "broken lines validate"
import json, sys, jsonschema
v = jsonschema.Draft202012Validator(json.load(open(sys.argv[1])))
lines = open(sys.argv[2]).readlines()
assert len(lines) == 3
for line in lines:
    assert not v.is_valid(json.loads(line)), line[:200]
PY
finish schema
