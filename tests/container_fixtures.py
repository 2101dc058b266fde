#!/usr/bin/env python3
"""Makes the archives and folders that tests/check_container.c reads.

    container_fixtures.py all DATA_DIR OUT_DIR
        every fixture, from DATA_DIR/container-dump.reg and container-decoy.reg
    container_fixtures.py wrap REG OUT_PREFIX
        OUT_PREFIX.cab (gcab -c -z, REG renamed to MDMDiagReport_RegistryDump.reg)
        and OUT_PREFIX.zip (Intune layout: Windows/MDMDiagnostics_mdmlogs_cab/x.cab)

Everything is written under OUT_DIR / next to OUT_PREFIX, never into the
source tree. Hostile archives (wrong sizes, odd names, a zip bomb) are built
byte by byte with struct and zlib, since zipfile refuses to write them.
"""
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib

DUMP = "MDMDiagReport_RegistryDump.reg"
MDM = "Windows/MDMDiagnostics_mdmlogs_cab"
ZTD = b'{"CloudAssignedTenantDomain":"fabrikam.example"}\r\n'
TPM = b"TPM 2.0, manufacturer MSFT\r\n"


def gcab(out, members):
    """A cab (MSZIP) of members, a list of (name, bytes), in that order."""
    with tempfile.TemporaryDirectory() as stage:
        for name, data in members:
            with open(os.path.join(stage, name), "wb") as f:
                f.write(data)
        subprocess.run(["gcab", "-c", "-z", os.path.abspath(out)] + [n for n, _ in members],
                       cwd=stage, check=True, stdout=subprocess.DEVNULL)


def zip_of(out, members):
    """A zip (deflate) of members, names kept exactly as given."""
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            z.writestr(zipfile.ZipInfo(name, (2024, 5, 1, 12, 0, 0)), data,
                       compress_type=zipfile.ZIP_DEFLATED)


def raw_zip(out, members, central=True, descriptor=False):
    """A zip written by hand: members are (name, deflate bytes, crc,
    compressed size, uncompressed size as the headers say); without
    central, only the local headers and data (a zip cut short); with
    descriptor, the sizes follow the data (bit 3), as a streaming writer
    puts them, so a reader cannot know them in advance."""
    central_dir = central
    body = b""
    central = b""
    for name, comp, crc, csize, usize in members:
        n = name.encode()
        flags = 8 if descriptor else 0
        local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, 8, 0, 0x5821,
                            0 if descriptor else crc, 0 if descriptor else csize,
                            0 if descriptor else usize, len(n), 0) + n
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, flags, 8, 0, 0x5821,
                               crc, csize, usize, len(n), 0, 0, 0, 0, 0, len(body)) + n
        body += local + comp
        if descriptor:
            body += struct.pack("<IIII", 0x08074B50, crc, csize, usize)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members),
                      len(central), len(body), 0)
    with open(out, "wb") as f:
        f.write(body + central + end if central_dir else body)


def deflate(data):
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def zeros_deflated(mib):
    """Raw deflate of mib MiB of zeros, fast: after a full flush the
    compressor starts afresh, so every MiB compresses to the same bytes."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    one = c.compress(bytes(1 << 20)) + c.flush(zlib.Z_FULL_FLUSH)
    return one * mib + c.flush()


# zlib.crc32(bytes(1 << 30)): the bomb's content is fixed, so its CRC is too.
CRC_1GIB_ZEROS = 0x5B64C2B0


def wrap(reg, prefix):
    with open(reg, "rb") as f:
        dump = f.read()
    gcab(prefix + ".cab",
         [("AutopilotDDSZTDFile.json", ZTD), (DUMP, dump), ("TpmHliInfo.txt", TPM)])
    with open(prefix + ".cab", "rb") as f:
        cab = f.read()
    zip_of(prefix + ".zip", [("Windows/results.xml", b"<Collected/>\r\n"), (MDM + "/x.cab", cab)])


def all_fixtures(data_dir, out):
    with open(os.path.join(data_dir, "container-dump.reg"), "rb") as f:
        dump = f.read()
    with open(os.path.join(data_dir, "container-decoy.reg"), "rb") as f:
        decoy = f.read()

    # The mdmdiagnosticstool cab, and a zip of the same files.
    gcab(os.path.join(out, "dump.cab"),
         [("AutopilotDDSZTDFile.json", ZTD), (DUMP, dump), ("TpmHliInfo.txt", TPM)])
    with open(os.path.join(out, "dump.cab"), "rb") as f:
        cab = f.read()
    zip_of(os.path.join(out, "plain.zip"), [(DUMP, dump), ("readme.txt", b"collected\r\n")])

    # Intune's zip: the cab in a "...MDMDiagnostics..._cab" folder, or the
    # cab's files themselves there (with a decoy dump elsewhere, listed first).
    zip_of(os.path.join(out, "intune.zip"),
           [("Windows/results.xml", b"<Collected/>\r\n"), (MDM + "/x.cab", cab)])
    zip_of(os.path.join(out, "intune-flat.zip"),
           [("Decoy/" + DUMP, decoy), (MDM + "/" + DUMP, dump),
            (MDM + "/AutopilotDDSZTDFile.json", ZTD)])

    # Two cabs in the folder: the first holds no dump, the second does.
    gcab(os.path.join(out, "nodump.cab"), [("a.txt", b"a\r\n"), ("TpmHliInfo.txt", TPM)])
    with open(os.path.join(out, "nodump.cab"), "rb") as f:
        nodump_cab = f.read()
    zip_of(os.path.join(out, "intune-two-cabs.zip"),
           [(MDM + "/a.cab", nodump_cab), (MDM + "/b.cab", cab)])

    # A cab in the folder that is no cab past its magic.
    zip_of(os.path.join(out, "intune-bad-cab.zip"), [(MDM + "/x.cab", b"MSCF\0\0\0\0garbage")])

    # No dump; a cab inside a zip inside a zip (two levels: not opened).
    zip_of(os.path.join(out, "nodump.zip"), [("a.txt", b"a\r\n"), ("b/c.json", b"{}\r\n")])
    inner = os.path.join(out, "inner.tmp.zip")
    zip_of(inner, [("MDMDiagnostics_b_cab/x.cab", cab)])
    with open(inner, "rb") as f:
        inner_bytes = f.read()
    os.unlink(inner)
    zip_of(os.path.join(out, "deep.zip"), [("Windows/MDMDiagnostics_a_cab/inner.zip", inner_bytes)])

    # Truncated: the cab and the zip cut inside the dump's data; a zip cut
    # after its dump, inside a later member.
    with open(os.path.join(out, "truncated.cab"), "wb") as f:
        f.write(cab[: len(cab) * 2 // 3])
    with open(os.path.join(out, "plain.zip"), "rb") as f:
        plain = f.read()
    with open(os.path.join(out, "truncated.zip"), "wb") as f:
        f.write(plain[:120])
    filler = b"".join(b"event %08d\r\n" % i for i in range(20000))
    after = os.path.join(out, "after.tmp.zip")
    zip_of(after, [(DUMP, dump), ("events.txt", filler)])
    with open(after, "rb") as f:
        after_bytes = f.read()
    os.unlink(after)
    with open(os.path.join(out, "truncated-after-dump.zip"), "wb") as f:
        f.write(after_bytes[: len(after_bytes) - 2000])

    # A dump whose headers claim 4 GB (0xFFFFFFFE bytes).
    comp = deflate(dump)
    raw_zip(os.path.join(out, "claims4g.zip"),
            [(DUMP, comp, zlib.crc32(dump), len(comp), 0xFFFFFFFE)])

    # Absolute and "../" names, as other members and as the dump's own name.
    zip_of(os.path.join(out, "names.zip"),
           [("/tmp/espdiag-absolute.txt", b"abs\r\n"), ("../../espdiag-escape.txt", b"up\r\n"),
            (DUMP, dump)])
    zip_of(os.path.join(out, "names-dump.zip"),
           [("/etc/espdiag-absolute.txt", b"abs\r\n"), ("../../x/" + DUMP, dump)])

    # Zip bombs: 1 GiB of zeros as the dump, with honest headers and with
    # headers that claim 1000 bytes (so only counting can stop it).
    bomb = zeros_deflated(1024)
    raw_zip(os.path.join(out, "bomb.zip"), [(DUMP, bomb, CRC_1GIB_ZEROS, len(bomb), 1 << 30)])
    raw_zip(os.path.join(out, "bomb-lying.zip"), [(DUMP, bomb, CRC_1GIB_ZEROS, len(bomb), 1000)])
    # The same zeros, sizes after the data, in a zip without a central
    # directory: no size is known in advance, only counting stops them.
    # As the dump (the member cap stops it) and as a member before the dump
    # (which cannot be skipped through, only inflated: the total cap).
    raw_zip(os.path.join(out, "bomb-streamed.zip"),
            [(DUMP, bomb, CRC_1GIB_ZEROS, len(bomb), 1 << 30)], central=False, descriptor=True)
    raw_zip(os.path.join(out, "bomb-before.zip"),
            [("zeros.bin", bomb, CRC_1GIB_ZEROS, len(bomb), 1 << 30),
             (DUMP, comp, zlib.crc32(dump), len(comp), len(dump))], central=False,
            descriptor=True)

    # Extracted folders: the dump in the Intune layout; the cab there.
    results = ("Windows/results.xml", b"<Collected/>\r\n")
    for sub, files in (("folder", [(MDM + "/" + DUMP, dump),
                                   (MDM + "/AutopilotDDSZTDFile.json", ZTD), results]),
                       ("folder-cab", [(MDM + "/x.cab", cab), results]),
                       ("folder-empty", [("notes.txt", b"nothing here\r\n")]),
                       # Eight levels of folders are searched, not nine.
                       ("folder-deep8", [("1/2/3/4/5/6/7/8/" + DUMP, dump)]),
                       ("folder-deep9", [("1/2/3/4/5/6/7/8/9/" + DUMP, dump)])):
        for name, data in files:
            path = os.path.join(out, sub, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)
    # A link to its own folder is not followed (no loop), nor listed.
    os.symlink(".", os.path.join(out, "folder", "Windows", "loop"))


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "all":
        all_fixtures(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 4 and sys.argv[1] == "wrap":
        wrap(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
