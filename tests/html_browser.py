#!/usr/bin/env python3
"""The HTML report in a real browser: headless Chromium renders the report of
the bundled sample and of each ESP fixture (tests/data/diag-*.reg, and
html-escapes.reg), taking a screenshot and dumping the DOM it built, in one
run per file, two at a time.

Checked: the screenshot is a PNG of the window's size whose pixels vary (the
sample's fully decoded: it holds the failure and completed colours); the DOM
has as many rows, bars and markers as the chart says, one bar per timed
change of `espdiag timeline --format=json`, one finding article per finding
of `espdiag --format=json`, each item of the report's JSON named by a row,
and no element or event-handler attribute that the input's names spelled.

Needs top_srcdir and top_builddir (make check sets them). Exits 77 (skip)
with a message when Chromium is absent. Python 3 standard library only.
"""
import concurrent.futures
import glob
import html
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

WIDTH, HEIGHT = 1280, 900
SRC = os.environ.get("top_srcdir", ".")
BUILD = os.environ.get("top_builddir", ".")
ESPDIAG = os.path.join(BUILD, "examples", "espdiag")
SAMPLE = os.path.join(SRC, "examples", "data", "MDMDiagReport_RegistryDump.reg")

failures = []


def fail(what):
    failures.append(what)
    print("FAIL: " + what)


def browser():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def run_espdiag(*args):
    return subprocess.run([ESPDIAG, *args], capture_output=True, check=False).stdout


def render(chrome, page, png, workdir):
    """One Chromium run: the screenshot to png, the DOM it built returned."""
    profile = tempfile.mkdtemp(dir=workdir)
    cmd = [chrome, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--hide-scrollbars",
           "--user-data-dir=" + profile, "--window-size=%d,%d" % (WIDTH, HEIGHT),
           "--screenshot=" + png, "--dump-dom", "file://" + os.path.abspath(page)]
    done = subprocess.run(cmd, capture_output=True, timeout=60, check=False)
    return done.stdout.decode("utf-8", "replace")


def png_info(path):
    """(width, height, colour type, bit depth, the decompressed IDAT bytes)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, ihdr = 8, [], None
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        pos += 12 + length
    width, height, depth, ctype = ihdr[0], ihdr[1], ihdr[2], ihdr[3]
    return width, height, ctype, depth, zlib.decompress(b"".join(idat))


def unfilter(width, height, bpp, raw):
    """The pixel rows of an 8-bit PNG (filters 0-4 undone)."""
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        ftype, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        if ftype == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif ftype == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, prev))
        elif ftype == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
        elif ftype == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b, c = prev[i], prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pred) & 255
        rows.append(line)
        prev = line
    return rows


def check_png(name, path, colours=()):
    try:
        width, height, ctype, depth, raw = png_info(path)
    except (OSError, ValueError, TypeError, zlib.error) as exc:
        fail("%s: screenshot unreadable: %s" % (name, exc))
        return
    if (width, height) != (WIDTH, HEIGHT):
        fail("%s: screenshot %dx%d, expected %dx%d" % (name, width, height, WIDTH, HEIGHT))
        return
    bpp = {2: 3, 6: 4}.get(ctype)
    if depth != 8 or bpp is None or len(raw) != height * (1 + width * bpp):
        fail("%s: unexpected PNG layout (type %d, depth %d)" % (name, ctype, depth))
        return
    stride = 1 + width * bpp
    lines = {raw[y * stride:(y + 1) * stride] for y in range(height)}
    if len(lines) < 20:
        fail("%s: screenshot blank (%d distinct scanlines)" % (name, len(lines)))
    if not colours:
        return
    pixels = set()
    for line in unfilter(width, height, bpp, raw):
        for x in range(0, len(line), bpp):
            pixels.add(bytes(line[x:x + 3]))
    if len(pixels) < 16:
        fail("%s: only %d colours in the screenshot" % (name, len(pixels)))
    for label, rgb in colours:
        if rgb not in pixels:
            fail("%s: the %s colour #%s is not in the screenshot" % (name, label, rgb.hex()))


def count(dom, pattern):
    return len(re.findall(pattern, dom))


def check_dom(name, dom, report, changes):
    if "<svg" not in dom:
        fail("%s: no chart in the DOM" % name)
        return
    m = re.search(r'<svg class="gantt"[^>]*data-rows="(\d+)" data-bars="(\d+)" '
                  r'data-markers="(\d+)"', dom)
    if m is None:
        fail("%s: the chart's counts are missing" % name)
        return
    rows, bars, markers = (int(g) for g in m.groups())
    got = (count(dom, r'<g data-row="'), count(dom, r' data-bar="'),
           count(dom, r' data-marker="'))
    if got != (rows, bars, markers):
        fail("%s: DOM has %s rows/bars/markers, the chart says %s" % (name, got,
                                                                        (rows, bars, markers)))
    timed = sum(1 for c in changes if c["time"] is not None)
    if bars != timed:
        fail("%s: %d bars, the timeline has %d timed changes" % (name, bars, timed))
    failed_changes = sum(1 for c in changes if c["time"] is not None and
                         (c["state"] == "error" or
                          (c["kind"] == "workload" and c["state"] == "failed")))
    if count(dom, r'data-marker="failure"') != failed_changes:
        fail("%s: %d failure markers, %d changes to error" %
             (name, count(dom, r'data-marker="failure"'), failed_changes))
    findings = report["findings"]
    if count(dom, r'<article class="finding') != len(findings):
        fail("%s: %d finding articles, the report has %d" %
             (name, count(dom, r'<article class="finding'), len(findings)))
    for f in findings:
        if 'data-finding="%s"' % f["id"] not in dom:
            fail("%s: finding %s not shown" % (name, f["id"]))
    ids = {(c["kind"], c["id"] if c["id"] is not None else "Workloads[%d]" % c["index"])
           for c in changes}
    for item in report["items"]:
        ids.add((item["kind"], item["id"]))
    lower = dom.lower()
    for _, ident in ids:
        if re.search(r"[\x00-\x1f\x7f-\x9f\u2028-\u202e\u2066-\u2069]", ident):
            continue
        # Registry key names ignore case: a row may spell the id otherwise.
        if ("id: " + html.escape(ident, quote=False)).lower() not in lower:
            fail("%s: no row names %r" % (name, ident))
    # Nothing from the input became markup.
    no_foreign_elements(name, dom)
    if re.search(r"<[a-z]+[^<>]*\son[a-z]+=", dom):
        fail("%s: an event-handler attribute in the DOM" % name)


def main():
    chrome = browser()
    if chrome is None:
        print("SKIP: Chromium is not installed (apt-get install chromium): "
              "the HTML report was not rendered in a browser")
        return 77
    if not os.access(ESPDIAG, os.X_OK):
        print("FAIL: %s is not built" % ESPDIAG)
        return 1
    inputs = [SAMPLE] + sorted(glob.glob(os.path.join(SRC, "tests", "data", "diag-*.reg")))
    inputs += sorted(glob.glob(os.path.join(SRC, "tests", "data", "v2-*.reg")))
    # A folder bundle: the ESP's registry and an IME log at UTC+2.
    inputs.append(os.path.join(SRC, "tests", "data", "apps"))
    inputs.append(os.path.join(SRC, "tests", "data", "html-escapes.reg"))
    work = tempfile.mkdtemp(prefix="espdiag-html-")
    try:
        jobs = []
        for path in inputs:
            name = os.path.basename(path)
            page = os.path.join(work, name + ".html")
            subprocess.run([ESPDIAG, "report", "--output", page, path],
                           capture_output=True, check=False)
            report = json.loads(run_espdiag("--format=json", path).decode("utf-8"))
            # The registry's changes and the workloads (a bundle's timeline
            # also holds its log and event lines: those are markers).
            changes = [c for c in (json.loads(line) for line in
                                   run_espdiag("timeline", "--format=json", path)
                                   .decode("utf-8").splitlines())
                       if c.get("source", "registry") in ("registry", "workload")]
            jobs.append((name, page, os.path.join(work, name + ".png"), report, changes))
        # The sample's model with the bundle's moments and a clock
        # (tests/html_page.c): markers, local time, hostile texts.
        page = os.path.join(work, "moments.html")
        with open(page, "wb") as f:
            subprocess.run([os.path.join(BUILD, "tests", "html_page"), SAMPLE, "60"],
                           stdout=f, check=False)
        jobs.append(("moments", page, os.path.join(work, "moments.png"), None, None))
        # The filter filled in from the address: only Retry Tool stays.
        jobs.append(("filtered", os.path.join(work, "apps.html") + "#filter=retry",
                     os.path.join(work, "filtered.png"), None, None))
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            doms = list(pool.map(lambda j: render(chrome, j[1], j[2], work), jobs))
        for (name, _, png, report, changes), dom in zip(jobs, doms):
            if name == "moments":
                check_png(name, png)
                moments_dom(dom)
                continue
            if name == "filtered":
                filtered_dom(dom)
                continue
            colours = ()
            if name == os.path.basename(SAMPLE):
                colours = (("failure", bytes.fromhex("cf222e")),
                           ("completed", bytes.fromhex("1a7f37")))
                sample_dom(dom)
            if name == "apps":
                bundle_dom(dom)
            if name == "v2-workload-failed.reg":
                colours = (("failure", bytes.fromhex("cf222e")),
                           ("completed", bytes.fromhex("1a7f37")))
                v2_dom(dom)
            check_png(name, png, colours)
            check_dom(name, dom, report, changes)
        if "keep" in sys.argv[1:]:
            print("kept in " + work)
            return 1 if failures else 0
    finally:
        if "keep" not in sys.argv[1:]:
            shutil.rmtree(work, ignore_errors=True)
    print("html_browser: %d files, %d failures" % (len(jobs), len(failures)))
    return 1 if failures else 0


def no_foreign_elements(name, dom):
    """No element or event handler from the input; one script, the
    report's own filter, which ran (the Content-Security-Policy let it:
    its control is in the DOM)."""
    for tag in ("img", "iframe", "object", "b", "i"):
        if re.search(r"<%s[\s>]" % tag, dom):
            fail("%s: a <%s> element in the DOM" % (name, tag))
    scripts = re.findall(r"<script[\s>]", dom)
    if len(scripts) != 1 or not re.search(r"<script>\(function \(\) \{\n'use strict';", dom):
        fail("%s: %d script elements, expected only the report's filter" % (name, len(scripts)))
    if '<p class="filter"><input type="search"' not in dom:
        fail("%s: the filter script did not run" % name)
    if re.search(r"<[a-z]+[^<>]*\son[a-z]+=", dom):
        fail("%s: an event-handler attribute in the DOM" % name)


def sample_dom(dom):
    """The acceptance picture: the phases, a row per item, the failed app's
    row in the failure state with its finding, the finding beside."""
    name = "sample"
    if count(dom, r'<g class="lane" data-band="') != 3:
        fail("%s: expected 3 phase lanes" % name)
    if 'data-band="device_setup" data-status="failed"' not in dom:
        fail("%s: device setup is not shown failed" % name)
    if count(dom, r'<g data-row="') != 6:
        fail("%s: expected 6 rows" % name)
    if not re.search(r'<g data-row="win32_app" data-state="failed" '
                     r'data-finding="app-install-failed">', dom):
        fail("%s: the failed app's row is not failed and linked" % name)
    if not re.search(r'<rect data-bar="failed"[^>]*><title>Win32 app '
                     r'7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d \(revision 3\)\nerror at '
                     r'2026-11-24 09:58:07\.250 UTC', dom):
        fail("%s: no failed bar at 09:58:07.250" % name)
    if 'data-finding="app-install-failed" data-severity="error"' not in dom:
        fail("%s: the finding is not beside the chart" % name)


def v2_dom(dom):
    """Device preparation (v2): its band first and failed, a row per
    workload, 7-Zip's bars (in progress, then failed at 10:05:00.5) with
    the failure marked and its finding linked, the page's timeout line."""
    name = "v2-workload-failed.reg"
    if not re.search(r'<g class="lane" data-band="device_preparation_v2" data-status="failed">'
                     r'<text class="lane-label"[^>]*>Device preparation \(v2\): failed', dom):
        fail("%s: no failed device preparation (v2) lane" % name)
    if count(dom, r'<g class="lane" data-band="') != 1:
        fail("%s: expected only the v2 lane" % name)
    if count(dom, r'<g data-row="workload"') != 3:
        fail("%s: expected 3 workload rows" % name)
    row = re.search(r'<g data-row="workload" data-state="failed" '
                    r'data-finding="apv2-workload-failed">(.*?)</g>', dom, re.S)
    if row is None:
        fail("%s: 7-Zip's row is not failed and linked" % name)
        return
    bars = re.findall(r'<rect data-bar="([a-z_]+)"', row.group(1))
    if bars != ["in_progress", "failed"]:
        fail("%s: 7-Zip's bars are %s" % (name, bars))
    if not re.search(r'<rect data-bar="failed"[^>]*><title>7-Zip\nfailed at '
                     r'2024-06-20 10:05:00\.500 UTC', row.group(1)):
        fail("%s: no failed bar at 10:05:00.500" % name)
    if count(row.group(1), r'data-marker="failure"') != 1:
        fail("%s: 7-Zip's failure is not marked" % name)
    if 'data-line="timeout"' not in dom:
        fail("%s: no timeout line" % name)


def bundle_dom(dom):
    """A real bundle: the apps named from the IME log, each with its log
    milestones on its row; local time (UTC+02:00); the apps table's
    attempts."""
    name = "apps"
    row = re.search(r'<g data-row="win32_app" data-state="failed"[^>]*><text[^>]*>7-Zip '
                    r'\(revision 1\)<title>(.*?)</g>', dom, re.S)
    if row is None:
        fail("%s: no failed row named 7-Zip" % name)
    elif count(row.group(1), r' data-marker="log"') != 6:
        fail("%s: 7-Zip's row has %d log markers, expected 6" %
             (name, count(row.group(1), r' data-marker="log"')))
    if ">local 2024-05-01 (UTC+02:00)</text>" not in dom:
        fail("%s: no local time on the axis" % name)
    if '<span data-attempts="2">2</span>: #1 failed, exit 1618' not in dom:
        fail("%s: the apps table lacks Retry Tool's attempts" % name)


def filtered_dom(dom):
    """tests/data/apps with #filter=retry: the other rows dimmed, the other
    apps hidden."""
    name = "filtered"
    dimmed = re.findall(r'<g data-row="[^"]*" data-state="[^"]*"[^>]*?( class="dim")?>', dom)
    if dimmed != [' class="dim"', ' class="dim"', '', ' class="dim"']:
        fail("%s: rows dimmed %s" % (name, dimmed))
    shown = re.findall(r'<tr data-app="[^"]*"(?: class="failed")?( hidden="")?><td>([^<]*)', dom)
    if [n for h, n in shown if not h] != ["Retry Tool (revision 1)"]:
        fail("%s: apps shown %s" % (name, shown))


def moments_dom(dom):
    """The bundle's moments: an event on the lane, the failed app's IME log
    record on its row, one naming no row on the lane, each with its title;
    the device's local time (UTC+01:00) on the axis and in the titles; the
    hostile texts shown as text."""
    name = "moments"
    m = re.search(r'<svg class="gantt"[^>]*data-rows="(\d+)" data-bars="(\d+)" '
                  r'data-markers="(\d+)"', dom)
    if m is None or m.groups() != ("6", "8", "4"):
        fail("%s: the chart's counts are %s" % (name, m and m.groups()))
    if count(dom, r' data-marker="event"') != 1 or count(dom, r' data-marker="log"') != 2:
        fail("%s: expected 1 event and 2 log markers" % name)
    lane = re.search(r'<g class="lane" data-band="events">(.*?)</g>', dom, re.S)
    if lane is None or count(lane.group(1), r' data-marker="') != 2:
        fail("%s: expected 2 markers on the events lane" % name)
    row = re.search(r'<g data-row="win32_app" data-state="failed"[^>]*>(.*?)</g>', dom, re.S)
    if row is None or not re.search(
            r'<rect class="mk mk-log" data-marker="log"[^>]*><title>Win32 app '
            r'7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d \(revision 3\)\ninstall failed at '
            r'2026-11-24 09:58:00 UTC; local 10:58:00\nsource: IME log\n'
            r'evidence: Logs/AppWorkload&lt;1&gt;\.log line 1234\nrecord: '
            r'&lt;!\[CDATA\[ exit code 1603 \]\]&gt;</title>', row.group(1)):
        fail("%s: the failed app's row lacks its log marker" % name)
    if "&lt;script&gt;alert(1)&lt;/script&gt;\"&gt;&lt;img src=x onerror=alert(2)&gt;" \
            not in dom:
        fail("%s: the hostile record is not shown as text" % name)
    if ">local 2026-11-24 (UTC+01:00)</text>" not in dom:
        fail("%s: no local time on the axis" % name)
    no_foreign_elements(name, dom)


if __name__ == "__main__":
    sys.exit(main())
