#!/usr/bin/env python3
"""bench/gen_sweep.py - writes the .reg inputs of the large-input sweep
(bench/sweep.sh, issue 19 item 8): structured files of about a given size
that stress one dimension each. Deterministic: the bytes depend only on the
kind and the size asked for.

Every file is regedit 5 text in UTF-8 (the header line, then CRLF lines);
what each kind holds and what a reader must make of it:

  wide-values   one key with as many values as fit ("value%08d"=dword:)
  wide-keys     one key with as many subkeys as fit, each with one value
  del-values    one key with N values, then the same key deleting all N,
                front to back (the reader ends with an empty key)
  del-keys      one key with N subkeys, then N [-key] lines deleting them
  readd         a wide key whose values and subkeys are deleted and added
                again in a loop (the live data stays small while the file
                grows: memory must follow the live data, not the history)
  long-line     one REG_SZ of SIZE bytes on one line, then a DWORD
                ("after"=dword:00000001) that must still be read

On success it prints "kind=K bytes=B entries=N" on standard output, N the
number of values and keys the kind is made of.

Usage: gen_sweep.py KIND SIZE OUTPUT     (SIZE in bytes, or with k/M suffix)
"""
import sys

ROOT = "HKEY_LOCAL_MACHINE\\SOFTWARE\\Sweep"
HEADER = "Windows Registry Editor Version 5.00\r\n\r\n"
CHUNK = 1 << 20


class Out:
    def __init__(self, path):
        self.f = open(path, "wb")
        self.parts = []
        self.pending = 0
        self.size = 0

    def w(self, s):
        b = s.encode("utf-8")
        self.parts.append(b)
        self.pending += len(b)
        self.size += len(b)
        if self.pending >= CHUNK:
            self.flush()

    def flush(self):
        self.f.write(b"".join(self.parts))
        self.parts = []
        self.pending = 0

    def close(self):
        self.flush()
        self.f.close()


def value_line(i):
    return '"value%08d"=dword:%08x\r\n' % (i, (i * 2654435761) & 0xFFFFFFFF)


def wide_values(o, size):
    o.w(HEADER + "[%s\\WideValues]\r\n" % ROOT)
    n = 0
    while o.size < size:
        o.w(value_line(n))
        n += 1
    return n


def wide_keys(o, size):
    o.w(HEADER)
    n = 0
    while o.size < size:
        o.w('[%s\\WideKeys\\key%08d]\r\n"v"=dword:%08x\r\n\r\n' % (ROOT, n, n))
        n += 1
    return n


def del_values(o, size):
    # An added line is 33 bytes and a deleting one 18: N of each fill size.
    n = max(1, (size - len(HEADER)) // 53)
    o.w(HEADER + "[%s\\DelValues]\r\n" % ROOT)
    for i in range(n):
        o.w(value_line(i))
    o.w("\r\n[%s\\DelValues]\r\n" % ROOT)
    for i in range(n):
        o.w('"value%08d"=-\r\n' % i)
    o.w('"kept"=dword:00000001\r\n')
    return 2 * n


def del_keys(o, size):
    path = ROOT + "\\DelKeys"
    per = len('[%s\\key00000000]\r\n"v"=dword:00000000\r\n' % path) + \
        len("[-%s\\key00000000]\r\n" % path)
    n = max(1, (size - len(HEADER)) // per)
    o.w(HEADER)
    for i in range(n):
        o.w('[%s\\key%08d]\r\n"v"=dword:%08x\r\n' % (path, i, i))
    for i in range(n):
        o.w("[-%s\\key%08d]\r\n" % (path, i))
    o.w('[%s]\r\n"kept"=dword:00000001\r\n' % path)
    return 2 * n


def readd(o, size):
    path = ROOT + "\\Readd"
    width = 1000
    o.w(HEADER + "[%s]\r\n" % path)
    for i in range(width):
        o.w(value_line(i))
    n = width
    r = 0
    while o.size < size:
        i = r % width
        o.w("[%s]\r\n" % path)
        o.w('"value%08d"=-\r\n' % i)
        o.w(value_line(i))
        o.w("[-%s\\sub%04d]\r\n" % (path, i % 64))
        o.w('[%s\\sub%04d]\r\n"v"=dword:%08x\r\n' % (path, i % 64, r))
        r += 1
        n += 4
    return n


def long_line(o, size):
    o.w(HEADER + "[%s\\LongLine]\r\n" % ROOT)
    o.w('"long"="')
    o.flush()
    block = ("0123456789abcdef" * 4096).encode("ascii")  # 64 KiB
    left = size
    while left > 0:
        b = block if left >= len(block) else block[:left]
        o.f.write(b)
        o.size += len(b)
        left -= len(b)
    o.w('"\r\n"after"=dword:00000001\r\n')
    return 2


KINDS = {
    "wide-values": wide_values,
    "wide-keys": wide_keys,
    "del-values": del_values,
    "del-keys": del_keys,
    "readd": readd,
    "long-line": long_line,
}


def parse_size(s):
    mult = {"k": 1 << 10, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    if s and s[-1] in mult:
        return int(s[:-1]) * mult[s[-1]]
    return int(s)


def main(argv):
    if len(argv) != 4 or argv[1] not in KINDS:
        sys.stderr.write("usage: gen_sweep.py KIND SIZE OUTPUT\nkinds: %s\n" %
                         " ".join(sorted(KINDS)))
        return 2
    size = parse_size(argv[2])
    o = Out(argv[3])
    n = KINDS[argv[1]](o, size)
    o.close()
    print("kind=%s bytes=%d entries=%d" % (argv[1], o.size, n))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
