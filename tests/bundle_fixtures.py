#!/usr/bin/env python3
"""Makes the collections that tests/check_bundle.c and tests/bundle.sh read.

    bundle_fixtures.py all DATA_DIR OUT_DIR [EVTX]
        every fixture, from DATA_DIR/container-dump.reg and, when given, the
        event log EVTX (written by the C test with tests/evtx_writer.c)
    bundle_fixtures.py bulk OUT_DIR MIB
        intune-bulk.zip: intune.zip plus MIB MiB of members no reader wants
        (.etl traces and other logs), for the cost measurement

Everything is written under OUT_DIR, never into the source tree. The
layouts follow EVIDENCE.md section 3: the flat Intune zip of numbered
entries with the mdmdiagnosticstool cab in a "(N) FoldersFiles
temp_MDMDiagnostics_mdmlogs-<date>_cab" folder, and the older zip of
numbered folders (assumed here as "N/<file>", the files as in the flat
layout).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from container_fixtures import gcab, zip_of  # noqa: E402

DUMP = "MDMDiagReport_RegistryDump.reg"
MDM = "(77) FoldersFiles temp_MDMDiagnostics_mdmlogs-2024_05_01_12_00_00_cab"
IME_KEY = "(12) RegistryKey HKLM_SOFTWARE_Microsoft_IntuneManagementExtension export.reg"
PROV_KEY = "(13) RegistryKey HKLM_SOFTWARE_Microsoft_Provisioning_AutopilotSettings export.reg"
LOGS = "(20) FoldersFiles ProgramData_Microsoft_IntuneManagementExtension_Logs"
ZTD = b'{"CloudAssignedTenantId":"8a3c9f1e-0000-4000-8000-000000000001","CloudAssignedTenantDomain":"fabrikam.example","DeploymentProfileName":"Kiosk","CloudAssignedOobeConfig":1310,"CloudAssignedDomainJoinMethod":0,"PolicyDownloadDate":"2024-05-01T11:58:03Z"}\r\n'
ZTD_ERROR = b'{"ErrorCode":807,"ErrorReason":"ZtdDeviceIsNotRegistered"}'
HASH = (b"Device Serial Number,Windows Product ID,Hardware Hash\r\n"
        b"5CG1234XYZ,00330-80000-00000-AA123,T0FBQUFBQUFBQUFBQUFBQUFB\r\n")
HASH_NONE = b"Device Serial Number,Windows Product ID,Hardware Hash\r\nPF-SERIAL-2,,\r\n"
META = b'{"CollectionTime":"2024-05-01T12:00:00Z","Areas":["Autopilot","TPM"]}'


def regedit(keys):
    """A regedit 5 export as Windows writes it: UTF-16LE with a BOM, CRLF."""
    text = "Windows Registry Editor Version 5.00\r\n\r\n"
    for key, values in keys:
        text += "[%s]\r\n" % key
        for name, data in values:
            text += '"%s"=%s\r\n' % (name, data)
        text += "\r\n"
    return b"\xff\xfe" + text.encode("utf-16-le")


IME_EXPORT = regedit([
    ("HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\IntuneManagementExtension", []),
    ("HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\IntuneManagementExtension\\Win32Apps",
     [("Origin", '"ime export"')]),
])
PROV_EXPORT = regedit([
    ("HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Provisioning\\AutopilotSettings",
     [("Origin", '"provisioning export"'), ("AutopilotDevicePrepHint", "dword:00000000")]),
])
# An export whose keys are not where its name says.
WRONG_EXPORT = regedit([("HKEY_CURRENT_USER\\Software\\Elsewhere", [("Origin", '"wrong"')])])


def ime_log(records):
    out = ""
    for i, msg in enumerate(records):
        out += ('<![LOG[%s]LOG]!><time="12:%02d:00.0000000" date="5-1-2024" '
                'component="AppWorkload" context="" type="1" thread="4" file="">\r\n' % (msg, i))
    return out.encode()


IME_OLD = ime_log(["[Win32App] ExecManager: processing app with id: "
                   "0f6a2b1c-1111-4222-8333-944455566677"])
IME_NEW = ime_log(["[Win32App] lpExitCode 1603",
                   "ESP got skipUserStatusPage True"])


def mdm_cab(out, dump, extra=()):
    gcab(out, [(DUMP, dump), ("AutopilotDDSZTDFile.json", ZTD),
               ("DeviceHash_PC1.csv", HASH), ("MdmDiagLogMetadata.json", META),
               ("MDMDiagReport.xml", b"<MDMEnterpriseDiagnosticsReport/>\r\n"),
               ("MdmLogCollectorFootPrint.txt", b"collected\r\n")] + list(extra))


def intune_members(out, dump, evtx):
    cab = os.path.join(out, "mdmlogs.cab")
    mdm_cab(cab, dump)
    with open(cab, "rb") as f:
        cab_bytes = f.read()
    members = [
        (IME_KEY, IME_EXPORT),
        (PROV_KEY, PROV_EXPORT),
        ("(30) Command ipconfig all output.log", b"Windows IP Configuration\r\n"),
        (LOGS + "/IntuneManagementExtension-20240430-100000.log", IME_OLD),
        (LOGS + "/IntuneManagementExtension.log", IME_NEW),
        (MDM + "/mdmlogs.cab", cab_bytes),
        ("results.xml", b"<Collection/>\r\n"),
    ]
    if evtx is not None:
        members.insert(2, ("(40) Events DeviceManagement-Enterprise-Diagnostics-Provider "
                           "Admin Events.evtx", evtx))
    return members


def write_files(root, members):
    for name, data in members:
        path = os.path.join(root, *name.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)


def all_fixtures(data_dir, out, evtx_path):
    with open(os.path.join(data_dir, "container-dump.reg"), "rb") as f:
        dump = f.read()
    evtx = None
    if evtx_path:
        with open(evtx_path, "rb") as f:
            evtx = f.read()
    os.makedirs(out, exist_ok=True)
    members = intune_members(out, dump, evtx)
    zip_of(os.path.join(out, "intune.zip"), members)
    # The older layout: numbered folders only.
    old = [("1/" + IME_KEY.split(" ", 1)[1], IME_EXPORT), ("2/IntuneManagementExtension.log", IME_NEW),
           ("3/temp_MDMDiagnostics_mdmlogs_cab/mdmlogs.cab", dict(members)[MDM + "/mdmlogs.cab"])]
    zip_of(os.path.join(out, "intune-old.zip"), old)
    mdm_cab(os.path.join(out, "autopilot.cab"), dump,
            [("setupact.log", b"setup\r\n"), ("IntuneManagementExtension.log", IME_NEW)])
    write_files(os.path.join(out, "folder"), members)
    zip_of(os.path.join(out, "wrong-export.zip"),
           [("(5) RegistryKey HKLM_SOFTWARE_Elsewhere export.reg", WRONG_EXPORT)])
    # Single files.
    single = {"single.reg": dump, "AutopilotDDSZTDFile.json": ZTD_ERROR,
              "DeviceHash_PC2.csv": HASH_NONE, "MdmDiagLogMetadata.json": META,
              "IntuneManagementExtension.log": IME_NEW, "notes.txt": b"nothing\r\n"}
    os.makedirs(os.path.join(out, "single"), exist_ok=True)
    for name, data in single.items():
        with open(os.path.join(out, "single", name), "wb") as f:
            f.write(data)
    # Damage: the zip cut in the middle of its last member.
    with open(os.path.join(out, "intune.zip"), "rb") as f:
        whole = f.read()
    with open(os.path.join(out, "truncated.zip"), "wb") as f:
        f.write(whole[: len(whole) * 3 // 4])
    # A cab in a cab in a zip: nested three deep.
    inner = os.path.join(out, "inner.cab")
    gcab(inner, [(DUMP, dump)])
    with open(inner, "rb") as f:
        inner_bytes = f.read()
    middle = os.path.join(out, "middle.cab")
    gcab(middle, [("inner.cab", inner_bytes)])
    with open(middle, "rb") as f:
        middle_bytes = f.read()
    zip_of(os.path.join(out, "deep.zip"), [("middle.cab", middle_bytes)])


def bulk(out, mib):
    """intune-bulk.zip: intune.zip's members and mib MiB that no reader
    wants; intune-lean.zip: the same without them."""
    data_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
    with open(os.path.join(data_dir, "container-dump.reg"), "rb") as f:
        dump = f.read()
    members = intune_members(out, dump, None)
    zip_of(os.path.join(out, "intune-lean.zip"), members)
    extra = []
    per = 5 << 20
    for i in range(mib * (1 << 20) // per):
        # Traces compress poorly: random bytes, as ETW buffers nearly are.
        extra.append(("(%d) FoldersFiles Windows_Logs/trace%02d.etl" % (50 + i, i), os.urandom(per)))
    extra.append(("(90) Command dsregcmd status output.log", b"+---+\r\n" * 1000))
    zip_of(os.path.join(out, "intune-bulk.zip"), members + extra)


if __name__ == "__main__":
    if sys.argv[1] == "all":
        all_fixtures(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else None)
    elif sys.argv[1] == "bulk":
        bulk(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit("usage: bundle_fixtures.py all DATA_DIR OUT_DIR [EVTX] | bulk OUT_DIR MIB")
