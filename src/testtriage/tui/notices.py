"""What the app makes of source notices: alerts for the user, and resets for the Log tab."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from testtriage.core.ingest.chunks import NoticeKind, SourceNotice
from testtriage.core.logfile import ChunkInfo
from testtriage.tui.messages import LogItem
from testtriage.tui.widgets.log_view import LogView

Severity = Literal["information", "warning", "error"]

RESETS = {
    NoticeKind.TRUNCATED: "truncated: a new run is being written",
    NoticeKind.ROTATED: "replaced by a new file",
}
"""Notices after which a source's earlier lines are gone, with the reason the Log tab shows."""


@dataclass(frozen=True, slots=True)
class Alert:
    """A notification for the user."""

    text: str
    severity: Severity = "information"
    timeout: float = 6.0


def alert_for(notice: SourceNotice) -> Alert | None:
    """The notification a notice deserves, if any (waiting shows in the header instead)."""
    source = notice.source
    detail = notice.message or ""
    if notice.kind is NoticeKind.ERROR:
        return Alert(detail or f"{source}: cannot be read", "error", 12)
    if notice.kind is NoticeKind.BINARY:
        return Alert(detail or f"{source}: looks binary, not read further", "error", 12)
    if notice.kind is NoticeKind.LOSS:
        return Alert(detail or f"{source}: some bytes could not be read", "warning", 10)
    if notice.kind is NoticeKind.ROTATED:
        return Alert(f"{source} was replaced: reading the new file from its start.")
    return None


def deliver_log_items(items: Iterable[LogItem], log: LogView) -> None:
    """Hand log items to the Log tab in order: chunk records in batches, resets between them."""
    batch: list[ChunkInfo] = []
    for item in items:
        if isinstance(item, SourceNotice):
            reason = RESETS.get(item.kind)
            if reason is not None:
                if batch:
                    log.add_chunks(batch)
                    batch = []
                log.reset_source(item.source, reason)
        else:
            batch.append(item)
    if batch:
        log.add_chunks(batch)
