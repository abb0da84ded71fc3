"""The Log tab's widget driven by keys: follow, search, filter, error jumps, safety."""

from __future__ import annotations

from array import array
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import pytest
from textual import events
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.strip import Strip
from textual.widgets import Footer

from testtriage.core.logfile import ChunkInfo
from testtriage.core.logscan import LineMatcher
from testtriage.tui.widgets import log_search
from testtriage.tui.widgets.log_lines import LogLines
from testtriage.tui.widgets.log_search import ScanJob, ScanProgress
from testtriage.tui.widgets.log_view import LogView


class GrowingLog:
    """A log file written in steps, with the chunk records ingest would give for each step."""

    def __init__(self, path: Path, name: str = "run.log") -> None:
        self.path = path
        self.name = name
        self.next_line = 1
        path.write_bytes(b"")

    def append(self, lines: Sequence[str | bytes]) -> list[ChunkInfo]:
        encoded = [line if isinstance(line, bytes) else line.encode() for line in lines]
        data = b"".join(line + b"\n" for line in encoded)
        with self.path.open("ab") as handle:
            offset = handle.tell()
            handle.write(data)
        info = ChunkInfo(self.name, self.next_line, len(lines), offset, len(data))
        self.next_line += len(lines)
        return [info]

    def truncate(self) -> None:
        self.path.write_bytes(b"")
        self.next_line = 1


class Host(App[None]):
    """Mounts only the log view (and a footer for its bindings)."""

    def __init__(self, sources: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        self.sources = sources
        self.follow_changes: list[bool] = []

    def compose(self) -> ComposeResult:
        yield LogView(self.sources, id="log")
        yield Footer()

    def on_log_view_follow_changed(self, message: LogView.FollowChanged) -> None:
        self.follow_changes.append(message.follow)


async def settle(pilot: Pilot[None]) -> None:
    """Let scans and jumps running in threads finish and their reports be handled."""
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def rows(app: App[None]) -> list[str]:
    lines = app.query_one(LogLines)
    return [lines.render_line(y).text.rstrip() for y in range(lines.size.height)]


def numbers(app: App[None]) -> list[int]:
    return [int(row.split()[0]) for row in rows(app) if row.strip()]


def mixed_lines(count: int) -> list[str]:
    lines = []
    for number in range(1, count + 1):
        if number % 25 == 0:
            lines.append(f"ERROR db down at step {number}")
        elif number % 10 == 0:
            lines.append(f"WARNING: slow step {number}")
        else:
            lines.append(f"step {number} ok")
    return lines


@pytest.fixture
def log(tmp_path: Path) -> GrowingLog:
    return GrowingLog(tmp_path / "run.log")


def run(
    log: GrowingLog, size: tuple[int, int] = (80, 16)
) -> tuple[Host, Callable[[], AbstractAsyncContextManager[Pilot[None]]]]:
    app = Host([(log.name, str(log.path))])
    return app, lambda: app.run_test(size=size)


async def wheel_up(app: App[None]) -> None:
    """Turn the mouse wheel up once over the lines."""
    lines = app.query_one(LogLines)
    lines.post_message(events.MouseScrollUp(lines, 2, 2, 0, -1, 0, False, False, False))


async def test_appended_lines_show_at_the_end_while_following(log: GrowingLog) -> None:
    app, start = run(log)
    async with start() as pilot:
        view = app.query_one(LogView)
        view.add_chunks(log.append(mixed_lines(100)))
        await pilot.pause()
        assert view.follow
        assert numbers(app)[-1] == 100
        view.add_chunks(log.append([f"more {n}" for n in range(101, 161)]))
        await pilot.pause()
        assert numbers(app)[-1] == 160
        assert rows(app)[-1].endswith("more 160")
        assert "160 lines" in view.status_text().plain


async def test_search_then_n_and_shift_n_move_the_current_line(log: GrowingLog) -> None:
    app, start = run(log)
    async with start() as pilot:
        view = app.query_one(LogView)
        view.add_chunks(log.append(mixed_lines(200)))
        await pilot.press("g", "slash", *"slow step", "enter")
        await settle(pilot)
        assert view.cursor_line == 10
        await pilot.press("n")
        assert view.cursor_line == 20
        await pilot.press("n", "n")
        assert view.cursor_line == 40
        await pilot.press("N")
        assert view.cursor_line == 30
        cursor_row = view.row_of_line(30)
        assert cursor_row is not None
        top = app.query_one(LogLines).scroll_offset.y
        assert rows(app)[cursor_row - top].endswith("WARNING: slow step 30")
        assert "search 'slow step': 16 matches" in view.status_text().plain
        assert not view.follow


async def test_search_wraps_and_a_regex_can_be_typed_between_slashes(log: GrowingLog) -> None:
    app, start = run(log)
    async with start() as pilot:
        view = app.query_one(LogView)
        view.add_chunks(log.append(mixed_lines(60)))
        await pilot.press("slash", *"/db down at step 2[5]$/", "enter")
        await settle(pilot)
        assert view.cursor_line == 25  # nothing below the screen matches: wrapped to the top
        assert "match search wrapped to the top" in view.status_text().plain
        await pilot.press("slash", "ctrl+u", *"/(unclosed/", "enter")
        await pilot.pause()
        assert "invalid regular expression: missing )" in view.status_text().plain
        assert view.cursor_line == 25


async def test_filter_shows_only_matching_lines_and_escape_restores(log: GrowingLog) -> None:
    app, start = run(log)
    async with start() as pilot:
        view = app.query_one(LogView)
        view.add_chunks(log.append(mixed_lines(300)))
        await pilot.press("f", *"db down")
        await settle(pilot)
        assert view.row_count == 12
        assert all("db down" in row for row in rows(app) if row.strip())
        assert numbers(app)[-1] == 300
        view.add_chunks(log.append(["ERROR db down again", "fine"]))
        await settle(pilot)
        assert view.row_count == 13
        assert numbers(app)[-1] == 301
        await pilot.press("escape")
        await settle(pilot)
        assert view.row_count == 302
        assert numbers(app)[-1] == 302


async def test_e_and_shift_e_jump_between_error_lines(log: GrowingLog) -> None:
    app, start = run(log)
    async with start() as pilot:
        view = app.query_one(LogView)
        view.add_chunks(log.append(mixed_lines(200)))
        await pilot.press("E")
        assert view.cursor_line == 200
        await pilot.press("E", "E")
        assert view.cursor_line == 150
        await pilot.press("e")
        assert view.cursor_line == 175
        await pilot.press("g", "e")
        assert view.cursor_line == 200  # jumps start at the current line, not at the top
        view.goto(log.name, 1)
        await pilot.press("e")
        assert view.cursor_line == 25
        await pilot.press("E")
        assert view.cursor_line == 25
        assert "no previous error" in view.status_text().plain


async def test_level_filter_cycles_all_warn_error(log: GrowingLog) -> None:
    app, start = run(log)
    async with start() as pilot:
        view = app.query_one(LogView)
        view.add_chunks(log.append(mixed_lines(100)))
        await pilot.press("L")
        await settle(pilot)
        assert view.row_count == 8 + 4  # warnings at the tens, errors at the 25s
        assert "level warn+: 12 lines" in view.status_text().plain
        await pilot.press("L")
        await settle(pilot)
        assert view.row_count == 4
        assert all("ERROR" in row for row in rows(app) if row.strip())
        await pilot.press("L")
        await settle(pilot)
        assert view.row_count == 100
        assert "level" not in view.status_text().plain


async def test_follow_key_and_scrolling_up_turn_following_off(log: GrowingLog) -> None:
    app, start = run(log)
    async with start() as pilot:
        view = app.query_one(LogView)
        view.add_chunks(log.append(mixed_lines(300)))
        await pilot.pause()
        await pilot.press("F")
        assert not view.follow
        await pilot.press("F")
        assert view.follow
        assert numbers(app)[-1] == 300
        await wheel_up(app)
        await pilot.pause()
        assert not view.follow
        view.add_chunks(log.append(["while paused"]))
        await pilot.pause()
        assert numbers(app)[-1] < 301
        await pilot.press("G")
        await pilot.pause()
        assert view.follow
        assert numbers(app)[-1] == 301
        await pilot.press("up")
        await pilot.pause()
        assert not view.follow
        await pilot.press("end")
        await pilot.pause()
        assert view.follow
        assert app.follow_changes == [True, False, True, False, True, False, True]


async def test_goto_selects_a_line_and_clears_a_filter_that_hides_it(log: GrowingLog) -> None:
    app, start = run(log)
    async with start() as pilot:
        view = app.query_one(LogView)
        view.add_chunks(log.append(mixed_lines(500)))
        view.goto(log.name, 123)
        await pilot.pause()
        assert (view.cursor_line, view.follow) == (123, False)
        assert 123 in numbers(app)
        await pilot.press("f", *"db down", "enter")
        await settle(pilot)
        view.goto(log.name, 124)
        await settle(pilot)
        assert view.cursor_line == 124
        assert view.row_count == 500
        assert 124 in numbers(app)
        assert "filter cleared to show line 124" in view.status_text().plain
        view.goto(log.name, 600)  # not written yet: shown when it arrives
        view.add_chunks(log.append(mixed_lines(100)))
        await pilot.pause()
        assert view.cursor_line == 600
        assert 600 in numbers(app)


HOSTILE = [
    b"clipboard \x1b]52;c;c2VjcmV0\x07 write",
    b"clear \x1b[2J screen \x1b[H home",
    b"markup [bold]x[/] and [link=http://evil]y[/link]",
    b"bell \x07 backspace \x08 del \x7f",
    b"bidi \xe2\x80\xaeevil\xe2\x80\xac text",
    b"\x9b31m raw c1",
]


async def test_hostile_lines_render_literally_and_inert(log: GrowingLog) -> None:
    app, start = run(log, size=(100, 12))
    async with start() as pilot:
        view = app.query_one(LogView)
        view.add_chunks(log.append(HOSTILE))
        await pilot.pause()
        lines = app.query_one(LogLines)
        strips = [lines.render_line(y) for y in range(lines.size.height)]
        for strip in strips:
            for segment in strip:
                assert "\x1b" not in segment.text
                assert not any(ord(char) < 32 or 0x7F <= ord(char) <= 0x9F for char in segment.text)
                assert "\u202e" not in segment.text
        shown = rows(app)
        assert any(row.endswith("clipboard  write") for row in shown)
        assert any(row.endswith("clear  screen  home") for row in shown)
        assert any(
            row.endswith("markup [bold]x[/] and [link=http://evil]y[/link]") for row in shown
        )
        assert any("bell \u2407 backspace \u2408 del \u2421" in row for row in shown)


async def test_long_lines_are_cut_with_an_ellipsis_and_json_can_be_compacted(
    log: GrowingLog,
) -> None:
    app, start = run(log, size=(60, 8))
    async with start() as pilot:
        view = app.query_one(LogView)
        pino = (
            '{"level":50,"time":1700000000000,"msg":"insert failed",'
            '"err":{"type":"DatabaseError","message":"violates foreign key"}}'
        )
        view.add_chunks(log.append(["x" * 500, pino]))
        await pilot.pause()
        first, second = rows(app)[:2]
        assert len(first) == 60 and first.endswith("x…")
        assert second.endswith("…") and '{"level":50' in second
        await pilot.press("right")
        assert rows(app)[1].startswith('  2 …50,"time":1700000000000')
        await pilot.press("left")
        assert rows(app)[1].startswith('  2 {"level":50')
        await pilot.press("j")
        await pilot.pause()
        assert rows(app)[1].strip() == "2 ERROR insert failed  DatabaseError: violates foreign key"
        error_line = app.query_one(LogLines).render_line(1)
        plain_line = app.query_one(LogLines).render_line(0)
        assert colour_of(error_line, "ERROR") != colour_of(plain_line, "xxx")


def colour_of(strip: Strip, fragment: str) -> object:
    return next(
        segment.style.color for segment in strip if fragment in segment.text and segment.style
    )


async def test_sources_cycle_and_a_truncation_starts_over(tmp_path: Path) -> None:
    first, second = GrowingLog(tmp_path / "a.log", "a"), GrowingLog(tmp_path / "b.log", "b")
    app = Host([("a", str(first.path)), ("b", str(second.path))])
    async with app.run_test(size=(80, 12)) as pilot:
        view = app.query_one(LogView)
        view.add_chunks(first.append(["a one", "a two"]) + second.append(["b one"]))
        await pilot.pause()
        assert view.current_source == "a" and rows(app)[1].endswith("a two")
        assert "a (1/2) │ 2 lines" in view.status_text().plain
        await pilot.press("s")
        await pilot.pause()
        assert view.current_source == "b" and rows(app)[0].endswith("b one")
        second.truncate()
        view.reset_source("b", "truncated: a new run")
        view.add_chunks(second.append(["fresh 1"]))
        await pilot.pause()
        assert [row.strip() for row in rows(app) if row.strip()] == ["1 fresh 1"]
        assert "truncated: a new run" in view.status_text().plain


async def test_a_big_file_filters_in_the_background(tmp_path: Path) -> None:
    log = GrowingLog(tmp_path / "big.log")
    infos: list[ChunkInfo] = []
    for block in range(20):
        infos += log.append([f"row {block * 10_000 + n} payload" for n in range(1, 10_001)])
    app, start = run(log)
    async with start() as pilot:
        view = app.query_one(LogView)
        view.add_chunks(infos)
        await pilot.press("f", *"/payload$/")
        await pilot.press("ctrl+u", *"row 19999")
        await settle(pilot)
        assert numbers(app) == [19999, *range(199990, 200000)]
        assert "filter 'row 19999': 11 lines" in view.status_text().plain


def test_a_filter_keeps_the_latest_line_numbers_within_its_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(log_search, "MAX_KEPT_LINES", 100)
    job = ScanJob("filter", LineMatcher(), generation=7)
    first = 1
    for _ in range(10):
        report = ScanProgress(
            "filter", 7, first, first + 50, array("q", range(first, first + 50)), 50
        )
        assert job.accept(report) is not None
        first += 50
        assert len(job.lines) <= 125
    assert job.found == 500 and job.dropped == 500 - len(job.lines)
    assert list(job.lines) == list(range(501 - len(job.lines), 501))
    stale = ScanProgress("filter", 6, first, first + 1, array("q", [first]), 1)
    gap = ScanProgress("filter", 7, first + 5, first + 6, array("q", [first + 5]), 1)
    assert job.accept(stale) is None and job.accept(gap) is None
    assert job.scanned_to == 500


SNAPSHOT_LINES = [
    *mixed_lines(60),
    '{"level":50,"msg":"db down: insert failed","err":{"type":"DatabaseError","message":"fk"}}',
    '{"level":40,"msg":"db down? retrying in 1s"}',
    '{"level":20,"msg":"db down probe sent"}',
    "db down \x1b[31mcoloured\x1b[0m and [bold]not bold[/] \x1b]0;title\x07",
    "db up again",
]


def test_snapshot_of_a_filtered_log(snap_compare: Callable[..., bool], tmp_path: Path) -> None:
    """The picture must show only the six lines containing "db down", by their file line
    numbers in the gutter (25, 50, 61, 62, 63, 64), with "db down" highlighted in each: the
    ERROR text lines and the level-50 JSON line in red, the level-40 JSON line in yellow, the
    level-20 one dimmed, and the last line with its escape sequences gone and `[bold]not
    bold[/]` printed as typed. Line 50 is the current line, highlighted across the row (E
    from the end stops at the JSON error on line 61, a second E at line 50). The status line
    reads `run.log │ 65 lines │ paused │ filter 'db down': 6 lines`, and the footer lists the
    view's bindings."""
    log = GrowingLog(tmp_path / "run.log")
    app = Host([(log.name, str(log.path))])
    infos = log.append(SNAPSHOT_LINES)

    async def run_before(pilot: Pilot[None]) -> None:
        app.query_one(LogView).add_chunks(infos)
        await pilot.press("f", *"db down", "enter")
        await settle(pilot)
        await pilot.press("E", "E")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(120, 36), run_before=run_before)
