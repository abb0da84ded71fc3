"""The block scanner and the runner parsers never raise, whatever the line sequence."""

from __future__ import annotations

from array import array

from _property_support import (
    MARKER_LINES,
    line_bytes,
    log_text_lines,
    mutate,
    property_settings,
)
from hypothesis import given
from hypothesis import strategies as st

from testtriage.core.ingest import Chunk, NoticeKind, SourceNotice
from testtriage.core.records import build_record
from testtriage.core.results import RunEvent
from testtriage.core.runners import RUNNER_MARKERS, RunnerMux
from testtriage.core.scan import LEVEL_MARKERS, Block, candidate_starts, compile_candidates
from testtriage.core.session import build_engine
from testtriage.core.triage import Triage

CANDIDATES = compile_candidates([*RUNNER_MARKERS, *LEVEL_MARKERS])
TRIAGE = Triage(build_engine())
"""One long-lived pipeline (compiling its scan regex takes ~80 ms); each example feeds it
sources of its own, as a long follow meets new files."""
EXAMPLES = iter(range(10**9))


@st.composite
def runs_of_lines(draw: st.DrawFn) -> list[bytes]:
    """Lines mixing real runner markers (whole, mutated, or in runs) with noise."""
    data = draw(st.data())
    lines: list[bytes] = []
    for _ in range(draw(st.integers(0, 25))):
        kind = draw(st.sampled_from(["marker", "mutated", "noise", "bytes", "run"]))
        if kind == "marker":
            lines.append(draw(st.sampled_from(MARKER_LINES)).encode())
        elif kind == "mutated":
            lines.append(mutate(draw(st.sampled_from(MARKER_LINES)), data).encode())
        elif kind == "noise":
            lines.append(draw(log_text_lines).encode())
        elif kind == "bytes":
            lines.append(draw(line_bytes()))
        else:
            start = draw(st.integers(0, len(MARKER_LINES) - 1))
            lines.extend(line.encode() for line in MARKER_LINES[start : start + 8])
    return [line.replace(b"\n", b" ") for line in lines]


@property_settings(200)
@given(lines=runs_of_lines(), ending=st.sampled_from([b"\n", b"\r\n"]))
def test_block_select_and_runner_mux_never_raise_on_any_line_sequence(
    lines: list[bytes], ending: bytes
) -> None:
    """`Block.select` with the real candidate regex, then `RunnerMux.feed` on each selected
    line (every line while a parser reads densely), then `finish`: no exception; indices are
    increasing and within the block."""
    data = b"".join(line + ending for line in lines)
    block = Block(data)
    mux = RunnerMux("prop.log")
    events: list[RunEvent] = []
    last = -1
    for index, raw in block.select(CANDIDATES, lambda: mux.dense):
        assert last < index < max(1, block.line_count())
        last = index
        mux.feed(build_record("prop.log", index + 1, raw), events)
    mux.finish(events)


@property_settings(150)
@given(
    lines=runs_of_lines(),
    cuts=st.lists(st.integers(0, 4_000), max_size=6),
    truncate_at=st.none() | st.integers(0, 10),
)
def test_the_whole_triage_pipeline_never_raises_on_any_chunking(
    lines: list[bytes], cuts: list[int], truncate_at: int | None
) -> None:
    """The same lines through `Triage.feed` as chunks cut at arbitrary line boundaries, two
    sources interleaved, maybe a truncation in the middle, then `finish`: no exception, and
    each source's line count is what was fed."""
    data = b"".join(line + b"\n" for line in lines)
    offsets = sorted({0, len(data), *(data.find(b"\n", min(c, len(data))) + 1 for c in cuts)})
    offsets = [o for o in offsets if 0 <= o <= len(data)]
    example = next(EXAMPLES)
    names = (f"a{example}.log", f"b{example}.log")
    line_no = dict.fromkeys(names, 1)
    items: list[Chunk | SourceNotice] = []
    for number, (start, end) in enumerate(zip(offsets, offsets[1:], strict=False)):
        piece = data[start:end]
        if not piece:
            continue
        source = names[number % 2]
        items.append(Chunk(source, piece, line_no[source], start))
        line_no[source] += piece.count(b"\n")
        if truncate_at == number:
            items.append(SourceNotice(source, NoticeKind.TRUNCATED, "truncated"))
            line_no[source] = 1
    batches = TRIAGE.feed(items)
    progress = {name: lines for batch in batches for name, lines, _ in batch.progress}
    for name in names:
        if name in progress:
            assert progress[name] == line_no[name] - 1
    TRIAGE.finish()


@property_settings(200)
@given(
    lines=runs_of_lines(),
    ending=st.sampled_from([b"\n", b"\r\n"]),
    dense_from=st.none() | st.integers(0, 30),
    dense_for=st.integers(0, 10),
    colour=st.booleans(),
)
def test_select_from_starts_found_ahead_picks_the_very_lines_a_scan_does(
    lines: list[bytes], ending: bytes, dense_from: int | None, dense_for: int, colour: bool
) -> None:
    """`Block.select` walking `candidate_starts` (found here, or sent by the helper process)
    yields the same (index, line) pairs as searching the regex afresh from each line after
    the last one given, dense stretches and colours included."""
    if colour:
        lines = [b"\x1b[31m" + line + b"\x1b[39m" if i % 3 == 0 else line
                 for i, line in enumerate(lines)]  # fmt: skip
    data = b"".join(line + ending for line in lines)
    regex = TRIAGE._regex

    def dense(taken: int) -> bool:
        return dense_from is not None and dense_from <= taken < dense_from + dense_for

    def searched() -> list[tuple[int, bytes]]:
        """The reference: one search from where the previous line ended, per line given."""
        block = Block(data)
        text, raw = block.scan_text, data.split(b"\n")
        out: list[tuple[int, bytes]] = []
        pos = 0
        while pos < len(text):
            if dense(len(out)):
                start = pos
            else:
                found = regex.search(text, pos)
                if found is None:
                    break
                start = found.start()
            index = text.count(b"\n", 0, start)
            out.append((index, raw[index]))
            end = text.find(b"\n", start)
            pos = len(text) if end == -1 else end + 1
        return out

    def selected(starts: array[int] | None) -> list[tuple[int, bytes]]:
        block = Block(data)
        out: list[tuple[int, bytes]] = []
        for pair in block.select(regex, lambda: dense(len(out)), starts):
            out.append(pair)
        return out

    starts = candidate_starts(regex, Block(data).scan_text)
    assert list(starts) == sorted(set(starts))
    assert selected(starts) == selected(None) == searched()


@property_settings(200)
@given(
    lines=st.lists(st.sampled_from([b"", b"a", b"ERROR: x", b"FAIL  a.test.ts > t", b"  at f"])),
    newline_at_end=st.booleans(),
    before=st.integers(0, 4),
    after=st.integers(0, 4),
)
def test_context_lines_found_around_a_selected_line_are_those_of_the_split_block(
    lines: list[bytes], newline_at_end: bool, before: int, after: int
) -> None:
    """`Block.around` for the line `select` just gave (found by searching to either side)
    equals the lines of the block split whole."""
    data = b"\n".join(lines) + (b"\n" if newline_at_end and lines else b"")
    split = data.split(b"\n")
    last = len(split) - (1 if split and split[-1] == b"" else 0)
    block = Block(data)
    for index, _raw in block.select(TRIAGE._regex, lambda: True):
        expected = (
            split[max(0, index - before) : index],
            split[index + 1 : min(last, index + 1 + after)],
        )
        assert block.around(index, before, after) == expected
