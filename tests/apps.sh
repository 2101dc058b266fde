#!/bin/sh
# Issue 14's acceptance for the apps: a cab holding a dump whose Win32 app
# failed plus an AppWorkload.log with its "Get policies" entry and
# "lpExitCode 1603" (tests/data/apps): espdiag diagnose names the app by its
# name, gives the exit code and its meaning, and cites the log line as
# evidence; the JSON report carries the same, the apps and the clock. The
# cab is made here with gcab; without it the test is skipped.
set -u
espdiag="$top_builddir/examples/espdiag"
. "$top_srcdir/tests/testlib.sh"
if ! command -v gcab > /dev/null || ! command -v python3 > /dev/null; then
	echo "note: gcab or python3 is not installed; apps.sh is skipped"
	exit 77
fi
apps="$top_srcdir/tests/data/apps"
mkdir "$tmp/cab"
cp "$apps/apps-dump.reg" "$tmp/cab/MDMDiagReport_RegistryDump.reg"
cp "$apps/AppWorkload.log" "$tmp/cab/"
(cd "$tmp/cab" && gcab -c -z ../autopilot.cab MDMDiagReport_RegistryDump.reg AppWorkload.log) || exit 99

# The text report: 7-Zip's finding, exactly.
cd "$tmp" || exit 99
expect_exit 1 "$espdiag" diagnose autopilot.cab
awk '/^  \[error\] app-install-failed: Win32 app "7-Zip"/ { on = 1; print; next }
     on && /^  \[/ { exit } on { print }' "$tmp/out" > "$tmp/zip.txt"
cat > "$tmp/want.txt" <<'TXT'
  [error] app-install-failed: Win32 app "7-Zip" (7a1f0e52-1d2c-4b8e-9f3a-0c5d6e7f8a91, version 1) failed to install
    In device setup, the tracked app Win32App_7a1f0e52-1d2c-4b8e-9f3a-0c5d6e7f8a91_1 (provider Sidecar) is in InstallationState 4 (error): the ESP stops here unless "Continue anyway" is allowed. The IME log AppWorkload.log, line 10, gives attempt 1's installer exit code 1603 (0x80070643, ERROR_INSTALL_FAILURE: Fatal error during installation (MSI 1603): read the installer's own log.). The ESP tracking timeline first shows the failure at 2024-05-01T08:07:15.000Z.
    What to do: Open the app "7-Zip" (7a1f0e52-1d2c-4b8e-9f3a-0c5d6e7f8a91) in Intune (Apps > All apps; the id is in the app's address) and its device install status; on the device, read C:\ProgramData\Microsoft\IntuneManagementExtension\Logs\AppWorkload.log (or IntuneManagementExtension.log) for its exit code. Fix the install command, detection rule or requirements, or remove the app from the ESP's blocking apps.
    Evidence:
      HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\Autopilot\EnrollmentStatusTracking\Device\Setup\Apps\Tracking\Sidecar\Win32App_7a1f0e52-1d2c-4b8e-9f3a-0c5d6e7f8a91_1
        InstallationState = 4 (error)
      HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\Autopilot\EnrollmentStatusTracking\ESPTrackingInfo\Diagnostics\Sidecar\2024-05-01T08:07:15.000Z
        ./Device/Vendor/MSFT/EnrollmentStatusTracking/Setup/Apps/Tracking/Sidecar/Win32App_7a1f0e52-1d2c-4b8e-9f3a-0c5d6e7f8a91_1 = 4 (error)
      AppWorkload.log
        line 8 = [Win32App] Launch Win32AppInstaller in machine session
      AppWorkload.log
        line 9 = [Win32App] Installation is done, collecting result
      AppWorkload.log
        line 10 = [Win32App] lpExitCode 1603
      AppWorkload.log
        line 12 = [Win32App] Setting enforcementState as: Error with lpExitCode: 1603
TXT
cmp -s "$tmp/zip.txt" "$tmp/want.txt" && ok || bad "7-Zip's finding: $(diff "$tmp/want.txt" "$tmp/zip.txt")"
head -n 1 "$tmp/out" | grep -qx 'autopilot.cab (MDMDiagReport_RegistryDump.reg): failed - 3 errors, 1 warning, 1 info - scenario autopilot_v1' \
	&& ok || bad "summary: $(head -n 1 "$tmp/out")"
# The device's clock under it: UTC+2, from the log line and the snapshot.
sed -n 2p "$tmp/out" | grep -q '^Device clock: UTC+02:00 (AppWorkload.log line 12 (2024-05-01 10:07:12.000 local), which ends a failed attempt of app "7-Zip" ' \
	&& ok || bad "clock line: $(sed -n 2p "$tmp/out")"

# The JSON report: the finding's subject, error and sources; the apps; the clock.
expect_exit 1 "$espdiag" diagnose --format=json autopilot.cab
python3 - "$tmp/out" <<'PY' && ok || bad "diagnose --format=json: $(cat "$tmp/out")"
import json, sys
d = json.loads(open(sys.argv[1]).read())
zips = [f for f in d["findings"] if f["id"] == "app-install-failed"
        and f["subject"]["name"] == "7-Zip"]
assert len(zips) == 1, d["findings"]
f = zips[0]
assert f["subject"] == {"kind": "win32_app", "id": "7a1f0e52-1d2c-4b8e-9f3a-0c5d6e7f8a91",
                        "name": "7-Zip", "context": "device", "sid": None}, f["subject"]
assert f["error_code"] == "0x80070643", f
assert f["error"]["exit_code"] == 1603 and f["error"]["symbol"] == "ERROR_INSTALL_FAILURE", f["error"]
assert f["evidence"][4] == {"key": "AppWorkload.log", "value": "line 10",
                            "data": "[Win32App] lpExitCode 1603", "path": "AppWorkload.log",
                            "line": 10, "column": 0, "offset": 0}, f["evidence"][4]
assert f["sources"][4] == {"key": "AppWorkload.log", "value": None, "type": None, "data": None,
                           "display": "[Win32App] lpExitCode 1603", "path": "AppWorkload.log",
                           "line": 10, "column": 0, "offset": 0}, f["sources"][4]
assert [f["id"] for f in d["findings"]] == ["app-install-failed", "app-install-failed",
                                            "app-detection-failed", "app-slow", "phase-skipped"]
z = [a for a in d["apps"] if a["name"] == "7-Zip"][0]
t = z["attempts"][0]
assert (t["outcome"], t["exit_code"], t["hresult"]) == ("failed", 1603, "0x80070643"), t
assert t["exit_code_line"] == {"file": "AppWorkload.log", "line": 10,
                               "local_time": "2024-05-01 10:07:11.000",
                               "utc_time": "2024-05-01T08:07:11.0000000Z",
                               "message": "[Win32App] lpExitCode 1603"}, t
assert d["clock"]["known"] and d["clock"]["utc_offset_minutes"] == 120, d["clock"]
assert [i.get("name") for i in d["items"]] == ["Contoso VPN", "7-Zip", "Retry Tool"], d["items"]
PY
finish apps.sh
