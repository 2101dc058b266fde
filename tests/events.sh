#!/bin/sh
# A bundle's event logs and Autopilot files in the model, the timeline and
# the diagnosis: folders made here with a registry dump, event logs written
# by tests/gen_evtx (tests/evtx_writer.c) and an AutopilotDDSZTDFile.json.
# Each rule of lib/diagnose_bundle.c fires on its events and stays quiet
# when a later event undoes them; the real logs of ../shared/corpus/evtx
# give no finding of their own. Skipped without libevtx.
set -u
espdiag="$top_builddir/examples/espdiag"
gen="$top_builddir/tests/gen_evtx"
corpus="${SHARED_CORPUS_DIR:-$top_srcdir/../shared/corpus}"
py=/usr/bin/python3
. "$top_srcdir/tests/testlib.sh"
if ! grep -q 'define HAVE_LIBEVTX 1' "$top_builddir/config.h"; then
	echo "SKIP: built without event log support (libevtx)"
	exit 77
fi

DM="Microsoft-Windows-DeviceManagement-Enterprise-Diagnostics-Provider/Admin|Microsoft-Windows-DeviceManagement-Enterprise-Diagnostics-Provider"
UDR="Microsoft-Windows-User Device Registration/Admin|Microsoft-Windows-User Device Registration"
MS='HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft'
SC='./Device/Vendor/MSFT/EnrollmentStatusTracking/Setup/Apps/Tracking/Sidecar/Win32App_aaaaaaaa-0000-4000-8000-000000000001_1'

# A dump: FirstSync, and two Sidecar snapshots at 12:00:30 and 12:03:00 UTC.
dump() {
	mkdir -p "$1"
	cat > "$1/MdmDiagReport_RegistryDump.reg" <<REG
Windows Registry Editor Version 5.00

[$MS\\Enrollments\\{0C5D1D2E-4B7A-4F1E-9A3C-6E2B8D0F1A22}]
"ProviderID"="MS DM Server"

[$MS\\Enrollments\\{0C5D1D2E-4B7A-4F1E-9A3C-6E2B8D0F1A22}\\FirstSync]
"SkipUserStatusPage"=dword:ffffffff

[$MS\\Windows\\Autopilot\\EnrollmentStatusTracking\\ESPTrackingInfo\\Diagnostics\\Sidecar\\2024-05-01T12:00:30Z]
"$SC"=dword:00000002

[$MS\\Windows\\Autopilot\\EnrollmentStatusTracking\\ESPTrackingInfo\\Diagnostics\\Sidecar\\2024-05-01T12:03:00Z]
"$SC"=dword:00000003
REG
}

# --- the merged timeline: registry changes and events in UTC order ---
dump "$tmp/t"
"$gen" "$tmp/t/dm.evtx" \
	"$DM|76|2|2024-05-01T12:01:00|Unknown Win32 Error code: 0x8018002b" \
	"$DM|72|4|2024-05-01T12:00:00" \
	"$DM|109|4|2024-05-01T12:03:00|3" || exit 99
"$gen" "$tmp/t/udr.evtx" "$UDR|304|2|2024-05-01T12:02:00|ErrorCode=0x801c03f3" || exit 99
expect_output 0 "2024-05-01T12:00:00.0000000Z event 72 MDM enrollment succeeded (Microsoft-Windows-DeviceManagement-Enterprise-Diagnostics-Provider/Admin #2)
2024-05-01T12:00:30.0000000Z device_setup device Sidecar win32_app in_progress(2) Win32App_aaaaaaaa-0000-4000-8000-000000000001_1
2024-05-01T12:01:00.0000000Z event 76 automatic MDM enrollment failed (Microsoft-Windows-DeviceManagement-Enterprise-Diagnostics-Provider/Admin #1)
2024-05-01T12:02:00.0000000Z event 304 hybrid join registration failed (Microsoft-Windows-User Device Registration/Admin #1)
2024-05-01T12:03:00.0000000Z device_setup device Sidecar win32_app completed(3) Win32App_aaaaaaaa-0000-4000-8000-000000000001_1
2024-05-01T12:03:00.0000000Z event 109 offline domain join state 3 (timed out) (Microsoft-Windows-DeviceManagement-Enterprise-Diagnostics-Provider/Admin #3)" \
	"$espdiag" timeline "$tmp/t"
expect_exit 0 "$espdiag" timeline --format=json "$tmp/t"
"$py" - "$tmp/out" "$tmp/t" <<'PY' && ok || bad "timeline --format=json: $(cat "$tmp/out")"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert [l["source"] for l in lines] == ["event", "registry", "event", "event", "registry", "event"], lines
e = lines[2]
assert e["time"] == "2024-05-01T12:01:00.0000000Z" and e["clock"] == "utc" and e["local_time"] is None, e
assert (e["event_id"], e["record_id"], e["member"]) == (76, 1, "dm.evtx"), e
assert e["what"] == "automatic MDM enrollment failed", e
assert e["message"] == "Unknown Win32 Error code: 0x8018002b", e
assert e["sources"] == [{"key": "dm.evtx", "value": None, "type": None, "data": None,
                         "display": "Unknown Win32 Error code: 0x8018002b", "path": "dm.evtx",
                         "line": 1}], e
assert lines[3]["message"] == "ErrorCode=0x801c03f3", lines[3]
assert lines[0]["input"]["path"] == sys.argv[2], lines[0]
PY
cp "$tmp/out" "$tmp/timeline.jsonl"

# With the IME log (tests/data/apps/AppWorkload.log): the device's clock is
# found (a log record and a snapshot of the same moment), so the log lines
# take their UTC place among the registry's and the events' lines.
apps="$top_srcdir/tests/data/apps"
mkdir "$tmp/l" && cp "$apps/apps-dump.reg" "$tmp/l/MDMDiagReport_RegistryDump.reg" &&
	cp "$apps/AppWorkload.log" "$tmp/l/" || exit 99
"$gen" "$tmp/l/dm.evtx" "$DM|72|4|2024-05-01T08:00:00" "$DM|1920|4|2024-05-01T08:06:00" || exit 99
expect_exit 0 "$espdiag" timeline "$tmp/l"
head -n 14 "$tmp/out" > "$tmp/head"
cat > "$tmp/want" <<'TXT'
2024-05-01T08:00:00.0000000Z event 72 MDM enrollment succeeded (Microsoft-Windows-DeviceManagement-Enterprise-Diagnostics-Provider/Admin #1)
2024-05-01T08:00:30.0000000Z device_setup device Sidecar win32_app in_progress(2) Win32App_7a1f0e52-1d2c-4b8e-9f3a-0c5d6e7f8a91_1
2024-05-01T08:00:30.0000000Z device_setup device Sidecar win32_app in_progress(2) Win32App_2b8c4d6e-0f1a-4b2c-8d3e-4f5a6b7c8d9e_1
2024-05-01T08:00:30.0000000Z device_setup device Sidecar win32_app in_progress(2) Win32App_c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e6f_1
2024-05-01T08:06:00.0000000Z event 1920 install started (Microsoft-Windows-DeviceManagement-Enterprise-Diagnostics-Provider/Admin #2)
2024-05-01T08:06:01.0000000Z log - download started: 7-Zip (AppWorkload.log:4)
2024-05-01T08:06:31.0000000Z log - download finished: 7-Zip (AppWorkload.log:6)
2024-05-01T08:06:40.2500000Z log - install started: 7-Zip (AppWorkload.log:8)
2024-05-01T08:07:10.7500000Z log - install finished: 7-Zip (AppWorkload.log:9)
2024-05-01T08:07:11.0000000Z log - exit code 1603: 7-Zip (AppWorkload.log:10)
2024-05-01T08:07:12.0000000Z log - enforcement: Error: 7-Zip (AppWorkload.log:12)
2024-05-01T08:07:15.0000000Z device_setup device Sidecar win32_app error(4) Win32App_7a1f0e52-1d2c-4b8e-9f3a-0c5d6e7f8a91_1
2024-05-01T08:08:01.0000000Z log - download started: Contoso VPN (AppWorkload.log:14)
2024-05-01T08:08:20.0000000Z log - download finished: Contoso VPN (AppWorkload.log:15)
TXT
cmp -s "$tmp/head" "$tmp/want" && ok || bad "registry, event and log lines in UTC order: $(diff "$tmp/want" "$tmp/head")"
[ "$(wc -l < "$tmp/out")" -eq 34 ] && ok || bad "$(wc -l < "$tmp/out") timeline lines, not 34"
expect_exit 0 "$espdiag" timeline --format=json "$tmp/l"
cat "$tmp/out" >> "$tmp/timeline.jsonl"
# Without a snapshot of the same moment the clock is unknown: the log lines
# are labelled local and follow every UTC line, in local time order.
mkdir "$tmp/k" && cp "$apps/AppWorkload.log" "$tmp/l/dm.evtx" "$tmp/k/" || exit 99
printf 'Windows Registry Editor Version 5.00\r\n\r\n[%s\\Windows\\Autopilot\\EnrollmentStatusTracking\\ESPTrackingInfo\\Diagnostics\\Sidecar\\2024-05-01T08:00:30Z]\r\n"%s"=dword:00000002\r\n' \
	"$MS" "./Device/Vendor/MSFT/EnrollmentStatusTracking/Setup/Apps/Tracking/Sidecar/Win32App_7a1f0e52-1d2c-4b8e-9f3a-0c5d6e7f8a91_1" \
	> "$tmp/k/MDMDiagReport_RegistryDump.reg"
expect_exit 0 "$espdiag" timeline "$tmp/k"
head -n 5 "$tmp/out" > "$tmp/head"
cat > "$tmp/want" <<'TXT'
2024-05-01T08:00:00.0000000Z event 72 MDM enrollment succeeded (Microsoft-Windows-DeviceManagement-Enterprise-Diagnostics-Provider/Admin #1)
2024-05-01T08:00:30.0000000Z device_setup device Sidecar win32_app in_progress(2) Win32App_7a1f0e52-1d2c-4b8e-9f3a-0c5d6e7f8a91_1
2024-05-01T08:06:00.0000000Z event 1920 install started (Microsoft-Windows-DeviceManagement-Enterprise-Diagnostics-Provider/Admin #2)
2024-05-01T10:06:01.0000000(local) log - download started: 7-Zip (AppWorkload.log:4)
2024-05-01T10:06:31.0000000(local) log - download finished: 7-Zip (AppWorkload.log:6)
TXT
cmp -s "$tmp/head" "$tmp/want" && ok || bad "log lines of unknown UTC: $(diff "$tmp/want" "$tmp/head")"
expect_exit 0 "$espdiag" timeline --format=json "$tmp/k"
cat "$tmp/out" >> "$tmp/timeline.jsonl"
"$py" - "$tmp/out" <<'PY' && ok || bad "local log lines in JSON: $(sed -n 4p "$tmp/out")"
import json, sys
l = [json.loads(x) for x in open(sys.argv[1])][3]
assert (l["source"], l["clock"], l["time"], l["local_time"], l["member"], l["line"]) == \
    ("log", "local", None, "2024-05-01T10:06:01.0000000", "AppWorkload.log", 4), l
PY

# The diagnosis: the failed enrollment (a 72 came before it, not after),
# the timed-out offline domain join and the failed hybrid registration.
expect_exit 1 "$espdiag" diagnose --format=json "$tmp/t"
cp "$tmp/out" "$tmp/report.jsonl"
"$py" - "$tmp/out" <<'PY' && ok || bad "diagnose of the events: $(cat "$tmp/out")"
import json, sys
d = json.loads(open(sys.argv[1]).read())
f = {x["id"]: x for x in d["findings"]}
assert {"enrollment-failed", "odj-failed", "hybrid-registration-failed"} <= set(f), list(f)
e = f["enrollment-failed"]
assert e["severity"] == "error" and e["title"] == "MDM enrollment failed (0x8018002b)", e
assert "event 76" in e["detail"] and "2024-05-01T12:01:00.0000000Z" in e["detail"], e
assert e["evidence"] == [{"key": "dm.evtx", "value": "event 76 #1",
    "data": "2024-05-01T12:01:00.0000000Z Microsoft-Windows-DeviceManagement-Enterprise-Diagnostics-Provider/Admin: Unknown Win32 Error code: 0x8018002b"}], e
o = f["odj-failed"]
assert o["title"] == "Hybrid join: the offline domain join timed out", o
assert "community tools" in o["detail"], o
h = f["hybrid-registration-failed"]
assert h["severity"] == "warning" and h["title"] == "Hybrid Entra registration failed (0x801c03f3)", h
assert "community tools" in h["detail"], h
assert [x["event_id"] for x in d["events"]] == [72, 76, 304, 109], d["events"]
assert d["events"][1]["data"] == [{"name": "", "value": "Unknown Win32 Error code: 0x8018002b"}]
assert d["ztd"] is None and d["device_hashes"] == [] and d["collection"] is None
PY

# Undone by a later event: enrollment succeeded (72), the blob was applied
# (107), the registration succeeded (306): no finding.
dump "$tmp/u"
"$gen" "$tmp/u/dm.evtx" \
	"$DM|76|2|2024-05-01T12:01:00|0x8018002b" "$DM|72|4|2024-05-01T12:02:00" \
	"$DM|100|2|2024-05-01T12:01:30" "$DM|107|4|2024-05-01T12:04:00" || exit 99
"$gen" "$tmp/u/udr.evtx" "$UDR|304|2|2024-05-01T12:02:00|0x801c03f3" \
	"$UDR|306|4|2024-05-01T12:05:00" || exit 99
expect_exit 0 "$espdiag" diagnose --format=json "$tmp/u"
"$py" - "$tmp/out" <<'PY' && ok || bad "events undone by later ones: $(cat "$tmp/out")"
import json, sys
d = json.loads(open(sys.argv[1]).read())
ids = [x["id"] for x in d["findings"]]
for rule in ("enrollment-failed", "odj-failed", "hybrid-registration-failed"):
    assert rule not in ids, ids
PY
# A connectivity failure alone (event 100) is odj-failed, named so.
dump "$tmp/v"
"$gen" "$tmp/v/dm.evtx" "$DM|100|2|2024-05-01T12:01:30" "$DM|71|2|2024-05-01T12:01:40|-2145910741" || exit 99
expect_exit 1 "$espdiag" diagnose --format=json "$tmp/v"
"$py" - "$tmp/out" <<'PY' && ok || bad "event 100 and a decimal code: $(cat "$tmp/out")"
import json, sys
d = json.loads(open(sys.argv[1]).read())
f = {x["id"]: x for x in d["findings"]}
assert f["odj-failed"]["title"] == "Hybrid join: no domain controller was reachable for the offline domain join", f
assert f["enrollment-failed"]["title"] == "MDM enrollment failed (0x8018002b)", f["enrollment-failed"]
PY

# dsreg.dll's documented ids: a join-phase failure (22) fires without the
# community note; a later success (23) undoes an authentication failure (24).
dump "$tmp/udr22"
"$gen" "$tmp/udr22/udr.evtx" "$UDR|22|2|2024-05-01T12:02:00|0x80070774" || exit 99
expect_exit 0 "$espdiag" diagnose --format=json "$tmp/udr22"
"$py" - "$tmp/out" <<'PY' && ok || bad "event 22: $(cat "$tmp/out")"
import json, sys
d = json.loads(open(sys.argv[1]).read())
h = {x["id"]: x for x in d["findings"]}["hybrid-registration-failed"]
assert h["title"] == "Hybrid Entra registration failed (0x80070774)", h
assert "(event 22)" in h["detail"] and "community tools" not in h["detail"], h
PY
dump "$tmp/udr24"
"$gen" "$tmp/udr24/udr.evtx" "$UDR|24|2|2024-05-01T12:02:00|0x80070774" \
	"$UDR|23|4|2024-05-01T12:09:00" || exit 99
expect_exit 0 "$espdiag" diagnose --format=json "$tmp/udr24"
"$py" - "$tmp/out" <<'PY' && ok || bad "event 24 then 23: $(cat "$tmp/out")"
import json, sys
d = json.loads(open(sys.argv[1]).read())
assert "hybrid-registration-failed" not in [x["id"] for x in d["findings"]], d["findings"]
PY

# --- the ZTD file: a device the Autopilot service does not know ---
dump "$tmp/z"
printf '{"ErrorCode":807,"ErrorReason":"ZtdDeviceIsNotRegistered"}' > "$tmp/z/AutopilotDDSZTDFile.json"
printf 'Device Serial Number,Windows Product ID,Hardware Hash\r\n5CG1234XYZ,,T0FBQQ==\r\n' > "$tmp/z/DeviceHash_PC1.csv"
expect_exit 1 "$espdiag" diagnose --format=json "$tmp/z"
cat "$tmp/out" >> "$tmp/report.jsonl"
"$py" - "$tmp/out" <<'PY' && ok || bad "not registered: $(cat "$tmp/out")"
import json, sys
d = json.loads(open(sys.argv[1]).read())
f = {x["id"]: x for x in d["findings"]}
n = f["autopilot-not-registered"]
assert n["severity"] == "error" and n["title"] == "The device is not registered for Windows Autopilot", n
assert n["evidence"] == [
    {"key": "AutopilotDDSZTDFile.json", "value": "ErrorCode", "data": "807 ZtdDeviceIsNotRegistered"},
    {"key": "DeviceHash_PC1.csv", "value": "Device Serial Number", "data": "5CG1234XYZ (hardware hash present)"}], n
assert d["ztd"]["error_code"] == 807 and d["ztd"]["profile_name"] is None, d["ztd"]
assert d["device_hashes"] == [{"member": "DeviceHash_PC1.csv", "serial": "5CG1234XYZ", "product_id": "",
                               "hash_present": True, "hash_length": 8}], d["device_hashes"]
PY
# A profile in the file: registered, no finding.
dump "$tmp/p"
printf '{"CloudAssignedTenantId":"t","DeploymentProfileName":"Kiosk","ZtdCorrelationId":"c"}' > "$tmp/p/AutopilotDDSZTDFile.json"
expect_exit 0 "$espdiag" diagnose --format=json "$tmp/p"
grep -q '"autopilot-not-registered"' "$tmp/out" && bad "a profile is not a registration error" || ok
# A correlation id and no profile: Autopilot for existing devices.
dump "$tmp/x"
printf '{"CloudAssignedTenantId":"t","ZtdCorrelationId":"4f2a-c0ffee"}' > "$tmp/x/AutopilotDDSZTDFile.json"
expect_exit 0 "$espdiag" diagnose --format=json "$tmp/x"
"$py" - "$tmp/out" <<'PY' && ok || bad "existing device from the ZTD file: $(cat "$tmp/out")"
import json, sys
d = json.loads(open(sys.argv[1]).read())
s = d["scenario"]
assert s["name"] == "autopilot_existing_device", s
assert s["evidence"][0]["key"] == "AutopilotDDSZTDFile.json", s
PY

# --- a bundle's own warnings make the report incomplete (exit 4) ---
mkdir "$tmp/w"
printf 'Windows Registry Editor Version 5.00\r\n\r\n[%s\\Enrollments\\{0C5D1D2E-4B7A-4F1E-9A3C-6E2B8D0F1A22}\\FirstSync]\r\n"SkipUserStatusPage"=dword:ffffffff\r\n' "$MS" > "$tmp/w/MdmDiagReport_RegistryDump.reg"
printf 'Windows Registry Editor Version 5.00\r\n\r\n[HKEY_CURRENT_USER\\Foo]\r\n"A"="b"\r\n' > "$tmp/w/(13) RegistryKey HKLM_SOFTWARE_Microsoft_Provisioning export.reg"
expect_exit 4 "$espdiag" diagnose --format=json "$tmp/w"
cat "$tmp/out" >> "$tmp/report.jsonl"
"$py" - "$tmp/out" <<'PY' && ok || bad "bundle warnings: $(cat "$tmp/out")"
import json, sys
d = json.loads(open(sys.argv[1]).read())
assert d["summary"]["incomplete"] is True and d["summary"]["outcome"] == "unknown", d["summary"]
f = {x["id"]: x for x in d["findings"]}
dmg = f["input-damaged"]
assert "The bundle left 1 warning (the first: (13) RegistryKey" in dmg["detail"], dmg["detail"]
assert "withheld: os-too-old-for-win32-tracking" in dmg["detail"], dmg["detail"]
assert dmg["evidence"] == [{"key": "bundle", "value": None, "data":
    "(13) RegistryKey HKLM_SOFTWARE_Microsoft_Provisioning export.reg: its name says HKEY_LOCAL_MACHINE, "
    "but it holds keys under HKEY_CURRENT_USER; mounted where the file says"}], dmg
assert "os-too-old-for-win32-tracking" not in f, list(f)
PY

# --- the real event logs: read, and no finding of their own ---
if [ -d "$corpus/evtx" ]; then
	dump "$tmp/c" && cp "$corpus"/evtx/*.evtx "$tmp/c/"
	expect_exit 0 "$espdiag" diagnose --format=json "$tmp/c"
	"$py" - "$tmp/out" <<'PY' && ok || bad "corpus event logs: $(cat "$tmp/out")"
import json, sys
d = json.loads(open(sys.argv[1]).read())
ids = sorted(x["id"] for x in d["findings"])
# The dump's own finding only: no event rule fires on the real logs (DM
# Admin holds 1709 and 360 warnings, the Autopilot channel 100 of another
# channel than the ODJ's, User Device Registration no 304).
assert ids == ["phase-skipped"], ids
assert len(d["events"]) == 1 + 22 + 198 + 6, len(d["events"])
assert not any(m["read"] is False and m["kind"] == "event_log" for m in d["input"]["bundle"]["members"])
PY
	expect_exit 0 "$espdiag" timeline --format=json "$tmp/c"
	cat "$tmp/out" >> "$tmp/timeline.jsonl"
else
	echo "note: $corpus/evtx is absent; the real event logs are not read"
fi

# Every JSON line above validates against the installed schemas.
if "$py" -c 'import jsonschema' > /dev/null 2>&1; then
	for pair in "espdiag-report-1.schema.json report.jsonl" "espdiag-timeline-1.schema.json timeline.jsonl"; do
		set -- $pair
		"$py" - "$top_srcdir/schema/$1" "$tmp/$2" <<'PY' && ok || bad "$2 does not validate"
import json, sys, jsonschema
v = jsonschema.Draft202012Validator(json.load(open(sys.argv[1])))
for n, line in enumerate(open(sys.argv[2]), 1):
    errs = list(v.iter_errors(json.loads(line)))
    if errs:
        e = jsonschema.exceptions.best_match(errs)
        sys.exit("line %d: %s at %s" % (n, e.message[:300], list(e.absolute_path)))
PY
	done
else
	echo "note: $py cannot import jsonschema; the lines are not validated"
fi
finish events
