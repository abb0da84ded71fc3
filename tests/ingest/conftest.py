"""Helpers shared by the ingest tests: waiting on a condition, and reading items back as lines."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable

import pytest

from testtriage.core.ingest import Chunk, IngestItem, NoticeKind, SourceNotice


def wait_for(condition: Callable[[], object], timeout: float = 5.0) -> None:
    """Return as soon as `condition()` is true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout} s")
        time.sleep(0.005)


async def eventually(condition: Callable[[], object], timeout: float = 5.0) -> None:
    """Like `wait_for`, without blocking the event loop."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout} s")
        await asyncio.sleep(0.005)


def numbered_lines(items: Iterable[IngestItem]) -> list[tuple[str, int, bytes]]:
    """Every line of the chunks, as (source, line number, bytes without the `\n`)."""
    lines: list[tuple[str, int, bytes]] = []
    for item in items:
        if isinstance(item, Chunk):
            parts = item.data.split(b"\n")
            if item.data.endswith(b"\n"):
                parts.pop()
            lines.extend(
                (item.source, number, line) for number, line in enumerate(parts, item.first_line)
            )
    return lines


def texts(items: Iterable[IngestItem]) -> list[bytes]:
    return [line for _, _, line in numbered_lines(items)]


def kinds(items: Iterable[IngestItem]) -> list[NoticeKind]:
    return [item.kind for item in items if isinstance(item, SourceNotice)]


@pytest.fixture
def helpers() -> type[Helpers]:
    return Helpers


class Helpers:
    wait_for = staticmethod(wait_for)
    eventually = staticmethod(eventually)
    numbered_lines = staticmethod(numbered_lines)
    texts = staticmethod(texts)
    kinds = staticmethod(kinds)
