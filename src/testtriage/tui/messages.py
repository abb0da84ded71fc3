"""Messages the ingest worker sends the app (the only way a thread talks to the UI)."""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.message import Message

from testtriage.core.diagnosis import Diagnosis
from testtriage.core.ingest.chunks import SourceNotice
from testtriage.core.logfile import ChunkInfo
from testtriage.core.state import RunState
from testtriage.core.verdict import Verdict

LogItem = ChunkInfo | SourceNotice
"""Where new lines are (for the Log tab), or something that happened to a source."""


@dataclass(frozen=True, slots=True)
class RunSnapshot:
    """The run as of one update: its state, and what that state means."""

    state: RunState
    diagnosis: Diagnosis
    verdict: Verdict


@dataclass
class RunUpdated(Message):
    """The run changed. Carries every log item read since the previous update, in order.

    Updates coalesce when the app falls behind: the superseded update hands its log items to
    the one that replaces it, so no chunk or notice is ever lost.
    """

    snapshot: RunSnapshot
    log_items: list[LogItem] = field(default_factory=list)

    @property
    def notices(self) -> list[SourceNotice]:
        return [item for item in self.log_items if isinstance(item, SourceNotice)]

    def can_replace(self, message: Message) -> bool:
        # Called on the older message with the newer one queued behind it.
        if isinstance(message, RunUpdated):
            message.log_items[:0] = self.log_items
            return True
        return False


@dataclass
class IngestStopped(Message):
    """Reading stopped for good: the input ended, or something failed (`error` says what)."""

    error: str = ""
