"""python3 -m espdiag: the command's diagnose, timeline and rules, run
through the binding (for a machine with the library and Python but not the
espdiag command, or to check the binding against the command).

    python3 -m espdiag [diagnose] [--format=text|json|html] [--mount PREFIX]
                       [--skip-rule=ID]... [--app-minutes=N] FILE...
    python3 -m espdiag timeline [--format=text|json] [--mount PREFIX] FILE...
    python3 -m espdiag rules [--format=text|json]
    python3 -m espdiag -V | --version

The output is the library's, as the command prints it (the text report, one
espdiag-report/1 or espdiag-timeline/1 JSON object a line, the rule table),
and the exit status is espdiag(1)'s: 0 success, 1 a finding of error
severity, 2 a usage error, 3 an input that cannot be read (it wins), 4 a
damaged input whose diagnosis is incomplete (1 wins over it). A FILE that
cannot be read is reported on standard error (JSON: an "error" line in
its place) and the others are still read. One difference: a report's
"input" lacks the command's "bundle" member (the binding reads a FILE
through a Registry, not a Bundle).
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from typing import Any, List, Optional, Sequence, TextIO

EXIT_OK, EXIT_ERRORS, EXIT_USAGE, EXIT_INPUT, EXIT_INCOMPLETE = 0, 1, 2, 3, 4


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # usage errors exit 2, as the command's
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: {message}\n")


def _parser() -> argparse.ArgumentParser:
    from . import __version__
    p = _Parser(prog="python3 -m espdiag",
                description="Diagnose the Windows Autopilot Enrollment Status Page "
                            "from registry evidence (the espdiag command, in Python).")
    p.add_argument("-V", "--version", action="version", version=f"espdiag {__version__}")
    sub = p.add_subparsers(dest="command", parser_class=_Parser)
    d = sub.add_parser("diagnose", help="diagnose each FILE")
    d.add_argument("--format", choices=("text", "json", "html"), default="text")
    d.add_argument("--mount", metavar="PREFIX", help="mount hives under PREFIX")
    d.add_argument("--skip-rule", metavar="ID", action="append", default=[],
                   help="leave a rule out (repeatable)")
    d.add_argument("--app-minutes", metavar="N", type=int, default=None,
                   help="minutes each tracked app may take (default 3)")
    d.add_argument("files", metavar="FILE", nargs="+")
    t = sub.add_parser("timeline", help="the ESP tracking timeline of each FILE")
    t.add_argument("--format", choices=("text", "json"), default="text")
    t.add_argument("--mount", metavar="PREFIX", help="mount hives under PREFIX")
    t.add_argument("files", metavar="FILE", nargs="+")
    r = sub.add_parser("rules", help="the rule catalogue")
    r.add_argument("--format", choices=("text", "json"), default="text")
    return p


def _error_line(schema: str, path: str, prefix: Optional[str], status: int,
                message: str) -> str:
    from . import __version__
    line: dict[str, Any] = {"schema": schema,
                            "tool": {"name": "espdiag", "version": __version__},
                            "generated_at": datetime.now(timezone.utc).strftime(
                                "%Y-%m-%dT%H:%M:%SZ")}
    line["input"] = {"path": path, "prefix": prefix}
    line["error"] = {"status": status, "message": message}
    if schema == "espdiag-report/1":
        line["findings"] = []
    return json.dumps(line, separators=(",", ":"))


def _fail(exc: Exception, path: str, prefix: Optional[str], fmt: str, out: TextIO,
          schema: str = "espdiag-report/1") -> None:
    from .errors import EspdiagError, Status
    if isinstance(exc, OSError):
        message = f"{path}: {exc.strerror or exc}"
        status = int(Status.EIO)
    else:
        assert isinstance(exc, EspdiagError)
        message, status = exc.message, int(exc.status)
    print(f"espdiag: {message}", file=sys.stderr)
    if fmt == "json":
        print(_error_line(schema, path, prefix, status, message), file=out)


def _diagnose(args: argparse.Namespace, out: TextIO) -> int:
    from .diagnose import diagnose
    from .errors import EspdiagError, Status
    worst = EXIT_OK
    unreadable = False
    first = True
    # An unknown rule id is a usage error, found before any input is read.
    if args.skip_rule:
        from .diagnose import rules
        known = {r.id for r in rules()}
        for rule_id in args.skip_rule:
            if rule_id not in known:
                print(f'espdiag: --skip-rule: no rule "{rule_id}" (see espdiag rules)\n'
                      "Try 'espdiag --help'.", file=sys.stderr)
                return EXIT_USAGE
    for path in args.files:
        try:
            report = diagnose(path, prefix=args.mount, app_minutes=args.app_minutes,
                              skip_rules=args.skip_rule or None)
        except (OSError, EspdiagError) as exc:
            if isinstance(exc, EspdiagError) and exc.status == Status.ENOMEM:
                raise
            _fail(exc, path, args.mount, args.format, out)
            unreadable = True
            first = False
            continue
        if args.format == "json":
            print(report.to_json(), file=out)
        elif args.format == "html":
            out.write(report.to_html())
        else:
            if not first:
                print(file=out)
            out.write(report.text)
        first = False
        if report.has_errors:
            worst = EXIT_ERRORS
        elif report.incomplete and worst == EXIT_OK:
            worst = EXIT_INCOMPLETE
    return EXIT_INPUT if unreadable else worst


def _timeline(args: argparse.Namespace, out: TextIO) -> int:
    from .errors import EspdiagError
    from .esp import Esp
    unreadable = False
    for i, path in enumerate(args.files):
        try:
            with Esp.open(path, args.mount) as esp:
                if args.format == "json":
                    sources = esp.registry.sources if esp.registry is not None else []
                    where = {"path": path,
                             "prefix": sources[0].prefix if sources else args.mount}
                    for line in esp.timeline_json():
                        # As the command: "input" after "schema".
                        line = {"schema": line.pop("schema"), "input": where, **line}
                        print(json.dumps(line, separators=(",", ":"), ensure_ascii=False),
                              file=out)
                else:
                    if len(args.files) > 1:  # as the command: a header per FILE
                        out.write(("\n" if i else "") + f"{path}:\n")
                    out.write(esp.timeline_text())
        except (OSError, EspdiagError) as exc:
            _fail(exc, path, args.mount, args.format, out, "espdiag-timeline/1")
            unreadable = True
    return EXIT_INPUT if unreadable else EXIT_OK


def _rules(args: argparse.Namespace, out: TextIO) -> int:
    from .diagnose import rules
    catalogue = rules()
    if args.format == "json":
        print(json.dumps({"schema": "espdiag-rules/1",
                          "rules": [{"id": r.id, "severity": str(r.severity),
                                     "summary": r.summary} for r in catalogue]},
                         separators=(",", ":")), file=out)
        return EXIT_OK
    width = max(len(r.id) for r in catalogue)
    for r in catalogue:
        print(f"{r.id:<{width}}  {str(r.severity):<7}  {r.summary}", file=out)
    return EXIT_OK


def main(argv: Optional[Sequence[str]] = None, out: Optional[TextIO] = None) -> int:
    """Runs the command line argv (default sys.argv[1:]); returns the exit status."""
    args_list: List[str] = list(sys.argv[1:] if argv is None else argv)
    commands = ("diagnose", "timeline", "rules")
    # As the command: "espdiag FILE..." diagnoses.
    if args_list and not args_list[0].startswith("-") and args_list[0] not in commands:
        args_list.insert(0, "diagnose")
    elif args_list and args_list[0].startswith("--") and args_list[0] != "--version" \
            and args_list[0] != "--help":
        args_list.insert(0, "diagnose")
    parser = _parser()
    args = parser.parse_args(args_list)
    if args.command is None:
        parser.print_usage(sys.stderr)
        return EXIT_USAGE
    out = out or sys.stdout
    try:
        if args.command == "diagnose":
            return _diagnose(args, out)
        if args.command == "timeline":
            return _timeline(args, out)
        return _rules(args, out)
    except BrokenPipeError:
        return EXIT_INPUT
    except ImportError as exc:  # the library cannot be loaded
        print(f"espdiag: {exc}", file=sys.stderr)
        return EXIT_INPUT


if __name__ == "__main__":
    sys.exit(main())
