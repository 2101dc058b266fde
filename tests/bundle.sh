#!/bin/sh
# espdiag members, and diagnose and timeline over collections: an Intune zip
# (flat layout, nested MDM cab, two RegistryKey exports), the Autopilot cab,
# a folder, single files. The collections are made here by
# tests/bundle_fixtures.py; without python3 or gcab the test is skipped.
set -u
espdiag="$top_builddir/examples/espdiag"
. "$top_srcdir/tests/testlib.sh"
if ! command -v python3 > /dev/null || ! command -v gcab > /dev/null; then
	echo "note: python3 or gcab is not installed; bundle.sh is skipped"
	exit 77
fi
python3 "$top_srcdir/tests/bundle_fixtures.py" all "$top_srcdir/tests/data" "$tmp/fx" || exit 99
fx=$tmp/fx
mdm="(77) FoldersFiles temp_MDMDiagnostics_mdmlogs-2024_05_01_12_00_00_cab/mdmlogs.cab"

if [ -n "$(grep -l 'define HAVE_LIBARCHIVE 1' "$top_builddir/config.h")" ]; then
	# Every entry listed, each with its kind, size and status.
	expect_output 0 "registry           424  read      (12) RegistryKey HKLM_SOFTWARE_Microsoft_IntuneManagementExtension export.reg (reg, mounted at the root)
registry           378  read      (13) RegistryKey HKLM_SOFTWARE_Microsoft_Provisioning_AutopilotSettings export.reg (reg, mounted at the root)
other               26  not read  (30) Command ipconfig all output.log (no reader wants it)
ime_log            204  read      (20) FoldersFiles ProgramData_Microsoft_IntuneManagementExtension_Logs/IntuneManagementExtension-20240430-100000.log (1 records (utf-8))
ime_log            297  read      (20) FoldersFiles ProgramData_Microsoft_IntuneManagementExtension_Logs/IntuneManagementExtension.log (2 records (utf-8))
archive            972  read      $mdm
registry           662  read      $mdm/MDMDiagReport_RegistryDump.reg (reg, mounted at the root)
ztd_json           254  read      $mdm/AutopilotDDSZTDFile.json (Autopilot profile Kiosk of tenant fabrikam.example)
device_hash        116  read      $mdm/DeviceHash_PC1.csv (serial 5CG1234XYZ, hardware hash present)
metadata            69  read      $mdm/MdmDiagLogMetadata.json (collected 2024-05-01T12:00:00Z, areas Autopilot;TPM)
other               35  not read  $mdm/MDMDiagReport.xml (no reader wants it)
other               11  not read  $mdm/MdmLogCollectorFootPrint.txt (no reader wants it)
other               15  not read  results.xml (no reader wants it)" "$espdiag" members "$fx/intune.zip"
	expect_exit 0 "$espdiag" members --format=json "$fx/autopilot.cab"
	python3 - "$tmp/out" <<'PY' && ok || bad "members --format=json: $(cat "$tmp/out")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema"] == "espdiag-members/1" and d["format"] == "cab", d
assert d["members"][0] == {"name": "MDMDiagReport_RegistryDump.reg", "kind": "registry", "size": 662,
                           "read": True, "reason": None, "summary": "reg, mounted at the root"}, d
assert d["members"][4] == {"name": "MDMDiagReport.xml", "kind": "other", "size": 35,
                           "read": False, "reason": "no reader wants it", "summary": None}, d
assert len(d["members"]) == 8
PY
	# diagnose reads the registry of every member and lists the members.
	expect_exit 0 "$espdiag" diagnose --format=json "$fx/intune.zip"
	python3 - "$tmp/out" "$mdm" <<'PY' && ok || bad "diagnose --format=json of the zip: $(cat "$tmp/out")"
import json, sys
d = json.loads(open(sys.argv[1]).read())
i = d["input"]
assert i["member"] == sys.argv[2] + "/MDMDiagReport_RegistryDump.reg", i
assert i["bundle"]["format"] == "zip", i
names = [m["name"] for m in i["bundle"]["members"]]
assert len(names) == 13 and names[-1] == "results.xml", names
assert [m["kind"] for m in i["bundle"]["members"] if m["read"]].count("registry") == 3
PY
	expect_exit 0 "$espdiag" timeline "$fx/intune-old.zip"
	expect_exit 0 "$espdiag" diagnose "$fx/folder"
	# A collection with no registry member: the registry reader's message.
	expect_exit 0 "$espdiag" members "$fx/single/MdmDiagLogMetadata.json"
fi
expect_exit 3 "$espdiag" diagnose "$fx/single/MdmDiagLogMetadata.json"
grep -q "not a registry file" "$tmp/err" && ok || bad "no registry member: $(cat "$tmp/err")"
expect_exit 0 "$espdiag" diagnose "$fx/single/single.reg"
expect_output 0 "ztd_json            58  read      AutopilotDDSZTDFile.json (error 807 ZtdDeviceIsNotRegistered)" \
	"$espdiag" members "$fx/single/AutopilotDDSZTDFile.json"
expect_exit 3 "$espdiag" members "$fx/does-not-exist"
expect_exit 2 "$espdiag" members
expect_exit 2 "$espdiag" members --format=xml "$fx/single/single.reg"
# A dirty hive in a collection is read with the transaction logs the
# collection holds beside it (NAME.LOG1, NAME.LOG2, any case); a log of no
# hive is listed, not read (issue 19).
corpus="${SHARED_CORPUS_DIR:-$top_srcdir/../shared/corpus}"
if [ -f "$corpus/hives/regipy_SYSTEM_B" ]; then
	python3 - "$corpus/hives" "$tmp/logs.zip" <<'PY'
import sys, zipfile
h, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    z.write(h + "/regipy_SYSTEM_B", "cfg/SYSTEM")
    z.write(h + "/regipy_SYSTEM_B.LOG1", "cfg/SYSTEM.LOG1")
    z.write(h + "/regipy_SYSTEM_B.LOG2", "cfg/system.log2")
    z.write(h + "/regipy_SYSTEM_B.LOG1", "other/X.LOG1")
PY
	expect_exit 0 "$espdiag" members "$tmp/logs.zip"
	grep -qF "cfg/SYSTEM (hive, mounted at HKEY_LOCAL_MACHINE\\SYSTEM; logs replayed: LOG1: 4 entries, 10 pages; LOG2: 20 entries, 305 pages)" "$tmp/out" &&
		ok || bad "hive with its logs: $(cat "$tmp/out")"
	grep -qF "cfg/system.log2 (transaction log, read with its hive)" "$tmp/out" && ok ||
		bad "log member: $(cat "$tmp/out")"
	grep -qF "not read  other/X.LOG1 (a transaction log of no hive in the collection)" "$tmp/out" &&
		ok || bad "stray log: $(cat "$tmp/out")"
else
	echo "note: ../shared/corpus is absent; the hive log checks are skipped"
fi
finish bundle.sh
