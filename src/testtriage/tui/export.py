"""Writing the report of the run on screen to a file, as Markdown or as the JSON contract."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import orjson

from testtriage.core.report import summary_report
from testtriage.render.markdown import markdown_report
from testtriage.tui.messages import RunSnapshot

FORMATS = {"markdown": "testtriage-report.md", "json": "testtriage-report.json"}
"""Each export format and the file it is written to by default (in the working directory)."""


class ExportError(Exception):
    """The report could not be written; the message says why in one line."""


@dataclass(frozen=True, slots=True)
class ExportRequest:
    """Which format to write, and where."""

    fmt: str
    path: str


def report_bytes(snapshot: RunSnapshot, fmt: str) -> bytes:
    """The report in `fmt` (secrets redacted, as in every report)."""
    if fmt == "json":
        report = summary_report(snapshot.diagnosis, snapshot.verdict)
        return orjson.dumps(report, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS) + b"\n"
    if fmt == "markdown":
        return markdown_report(snapshot.diagnosis, snapshot.verdict).encode()
    raise ExportError(f"unknown report format {fmt!r}")


def write_report(snapshot: RunSnapshot, request: ExportRequest) -> Path:
    """Write the report; returns the absolute path written.

    Raises:
        ExportError: the report cannot be made or written (the message names the path and why).
    """
    path = Path(request.path).expanduser()
    if not path.is_absolute():
        path = Path.cwd() / path
    data = report_bytes(snapshot, request.fmt)
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {(exc.strerror or str(exc)).lower()}") from None
    return path
