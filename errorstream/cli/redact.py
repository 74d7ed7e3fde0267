"""errorstream redact: secrets and PII out of error objects or text, exactly as errorstream does it.

JSON Lines of error objects are read like `ingest` reads them (streams/ingest.py) and made
safe by `sanitize_report` — the function the SDK edge, ingest and the detection agent run — so
each output line is the record as errorstream would store it (redacted, cut to the report
limits, unknown fields under ``context.inbound``); `ingest` reads it back unchanged. Text is
redacted by the same `Redactor` as one document, so a secret spanning lines (a PEM key) is
found whole. ``--report`` prints where each rule fired (key path or character span), never
what it found; ``--check`` makes the exit status say whether anything was redacted.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from typing import IO, Any, Final

from errorstream.cli.ingest import open_input
from errorstream.cli.tail import json_line
from errorstream.config import Settings, settings
from errorstream.streams.ingest import RecordDefaults, Rejected, record_json, records_of
from errorstream.streams.redaction import DEFAULT_REDACTOR, Finding
from errorstream.streams.sanitize import sanitize_report

FORMATS: Final = ("json", "text")

EXAMPLES = """\
examples:
  errorstream redact errors.jsonl > safe.jsonl
  errorstream redact --format text < app.log > app.redacted.log
  errorstream redact errors.jsonl --report            # which rule fired where, per record
  errorstream redact --format text --check app.log > /dev/null || echo "secrets found"

json (default): one output line per input record, the record as errorstream stores it; an
unreadable line gives {"line": n, "error": {"reason_code", "reason"}}.
--report prints, instead of the data, one JSON line per record:
  {"line": 3, "redacted": [{"rule": "email", "path": "context.user", "start": 0, "end": 17}],
   "truncated": ["stack_trace"]}
and for text one line per finding: {"rule", "start", "end", "line", "column"} (offsets in
characters of the input; line and column of the start, from 1). Secrets are never printed.
exit status: 0; 1 with --check when anything was redacted; 2 when a record was unreadable.
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "redact",
        help="replace secrets and PII in error objects or text, as the SDK and ingest do",
        description=(
            "Redact JSON Lines of error objects (sanitize_report: redaction and size limits) "
            "or plain text (the redactor), exactly as the SDK edge and ingest store them."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", nargs="?", default="-", help="input file; - or none: stdin")
    parser.add_argument("--format", choices=FORMATS, default="json", help="default json")
    parser.add_argument(
        "--report", action="store_true", help="print where rules fired instead of the data"
    )
    parser.add_argument(
        "--check", action="store_true", help="exit 1 when anything was redacted (CI guard)"
    )
    parser.set_defaults(handler=handle)


def finding_json(finding: Finding) -> dict[str, Any]:
    out: dict[str, Any] = {"rule": finding.rule, "path": finding.path}
    if finding.start is not None:
        out["start"], out["end"] = finding.start, finding.end
    return out


# --------------------------------------------------------------------------------------
# Error objects.
# --------------------------------------------------------------------------------------


def redact_records(
    stream: IO[bytes], config: Settings
) -> Iterator[tuple[dict[str, Any], dict[str, Any], bool]]:
    """Per record: (output line, report line, whether anything was redacted)."""
    for item in records_of(stream, "jsonl", RecordDefaults()):
        if isinstance(item, Rejected):
            error = {"reason_code": item.reason_code, "reason": item.reason}
            yield {"line": item.line, "error": error}, {"line": item.line, "error": error}, False
            continue
        sanitized = sanitize_report(item.details, limits=config.limits, redactor=DEFAULT_REDACTOR)
        report = {
            "line": item.line,
            "redacted": [finding_json(f) for f in sanitized.findings],
            "truncated": list(sanitized.truncated),
        }
        yield record_json(item, sanitized.details), report, bool(sanitized.findings)


# --------------------------------------------------------------------------------------
# Text.
# --------------------------------------------------------------------------------------


def text_findings(text: str, findings: Sequence[Finding]) -> list[dict[str, Any]]:
    """Each finding with the line and column (from 1) where it starts."""
    starts = [0]
    starts += [i + 1 for i, char in enumerate(text) if char == "\n"]
    out = []
    line = 0
    for finding in sorted(findings, key=lambda f: f.start or 0):
        start = finding.start or 0
        while line + 1 < len(starts) and starts[line + 1] <= start:
            line += 1
        out.append(
            {
                "rule": finding.rule,
                "start": finding.start,
                "end": finding.end,
                "line": line + 1,
                "column": start - starts[line] + 1,
            }
        )
    return out


def handle(args: argparse.Namespace) -> int:
    config = settings()
    redacted = unreadable = False
    try:
        with open_input(args.file) as stream:
            if args.format == "text":
                text = stream.read().decode("utf-8", "replace")
                result = DEFAULT_REDACTOR.redact_text(text)
                redacted = bool(result.findings)
                if args.report:
                    for found in text_findings(text, result.findings):
                        print(json.dumps(found))
                else:
                    sys.stdout.write(result.value)
            else:
                for output, report, changed in redact_records(stream, config):
                    redacted = redacted or changed
                    if "error" in output:
                        unreadable = True
                        error = output["error"]
                        print(
                            f"line {output['line']}: {error['reason_code']}: {error['reason']}",
                            file=sys.stderr,
                        )
                    print(json_line(report if args.report else output))
    except OSError as exc:
        print(f"errorstream redact: {exc}", file=sys.stderr)
        return 2
    if unreadable:
        return 2
    return 1 if args.check and redacted else 0
