"""The Log tab's sources and its status line: which source, its lines, following, the query."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text

from testtriage.core.logfile import LineIndex, LogReader
from testtriage.core.safety import neutralize


class LogSource:
    """One source's index, reader and remembered current line."""

    __slots__ = ("cursor", "index", "name", "notice", "path", "reader")

    def __init__(self, name: str, path: str) -> None:
        self.name = name
        self.path = path
        self.index = LineIndex()
        self.reader = LogReader(path)
        self.cursor: int | None = None
        self.notice = ""


def status_line(
    source: LogSource,
    *,
    position: tuple[int, int],
    follow: bool,
    query: Iterable[str],
    compact_json: bool,
    typing: tuple[str, bool] | None,
    message: str,
) -> Text:
    """The status line, built from plain segments so nothing in it is read as markup.

    `position`: the source's number among how many; `query`: what the search and filter say;
    `typing`: the query bar's mode and whether it takes a regex, while it is open."""
    total = source.index.total_lines
    status = Text(no_wrap=True, overflow="ellipsis")
    if typing is not None:
        mode, regex = typing
        kind = "regex" if regex else "text"
        status.append(f" {mode} ({kind}): enter applies, esc ", style="bold")
        status.append("clears" if mode == "filter" else "closes", style="bold")
        status.append(", ctrl+r regex on/off │")
    status.append(f" {neutralize(source.name)}", style="bold")
    number, count = position
    if count > 1:
        status.append(f" ({number}/{count})")
    status.append(f" │ {total:,} lines │ ")
    status.append("following" if follow else "paused", style="bold" if follow else "")
    for part in query:
        status.append(f" │ {part}")
    if compact_json:
        status.append(" │ json compact")
    if not source.index.readable:
        status.append(" │ lines read from a pipe are not kept", style="italic")
    for note in (source.notice, source.reader.problem, message):
        if note:
            status.append(f" │ {neutralize(note)}", style="italic")
    return status
