#!/usr/bin/env python3
"""bench/measure.py - runs one command for the large-input sweep
(bench/sweep.sh) under an address-space limit and prints what it cost:
"WALL_SECONDS CPU_SECONDS PEAK_RSS_KB STATUS" on one line, CPU being user
plus system time and STATUS the exit status or "sig:N" when a signal
ended it. The command's standard output goes to
/dev/null and its standard error to ERRFILE. The peak RSS is the child's
own (wait4), so this script's memory does not count.

Usage: measure.py LIMIT_KB ERRFILE COMMAND [ARG...]
"""
import os
import resource
import sys
import time


def main(argv):
    if len(argv) < 4:
        sys.stderr.write("usage: measure.py LIMIT_KB ERRFILE COMMAND [ARG...]\n")
        return 2
    limit = int(argv[1]) * 1024
    err = os.open(argv[2], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    null = os.open(os.devnull, os.O_WRONLY)
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
            os.dup2(null, 1)
            os.dup2(err, 2)
            os.execvp(argv[3], argv[3:])
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    seconds = time.monotonic() - start
    if os.WIFSIGNALED(status):
        code = "sig:%d" % os.WTERMSIG(status)
    else:
        code = str(os.WEXITSTATUS(status))
    cpu = usage.ru_utime + usage.ru_stime
    print("%.3f %.3f %d %s" % (seconds, cpu, usage.ru_maxrss, code))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
