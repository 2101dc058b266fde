#!/usr/bin/env python3
"""examples/diagnose_folder.py - diagnose every registry dump in a folder and
write one CSV row per device: file, outcome, errors, failing rule ids.

    diagnose_folder.py FOLDER [OUT.csv]      (default: standard output)

Every *.reg file and every hive (a file starting with "regf") is read; a file
that cannot be read gets the outcome "unreadable" and the reason. Exit
status: 0 no device failed, 1 at least one did, 2 usage error.
"""
import csv
import os
import sys

import espdiag


def is_input(path: str) -> bool:
    if path.lower().endswith(".reg"):
        return True
    with open(path, "rb") as fh:
        return fh.read(4) == b"regf"


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3) or not os.path.isdir(argv[1]):
        print(__doc__.strip().splitlines()[3].strip(), file=sys.stderr)
        return 2
    folder = argv[1]
    out = open(argv[2], "w", newline="", encoding="utf-8") if len(argv) == 3 else sys.stdout
    writer = csv.writer(out)
    writer.writerow(["file", "outcome", "errors", "failing_rules"])
    any_failed = False
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        try:
            if not os.path.isfile(path) or not is_input(path):
                continue
            report = espdiag.diagnose(path)
        except OSError as exc:  # cannot be read: FileNotFoundError, PermissionError...
            writer.writerow([name, "unreadable", "", exc.strerror])
            continue
        except espdiag.EspdiagError as exc:  # damaged or not a registry file
            writer.writerow([name, "unreadable", "", exc.message])
            continue
        failing = sorted({f.id for f in report.findings if f.is_error})
        writer.writerow([name, report.outcome, report.errors, " ".join(failing)])
        any_failed |= report.outcome == "failed"
    if out is not sys.stdout:
        out.close()
    return 1 if any_failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
