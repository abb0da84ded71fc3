"""Replaying the seed run: byte-exact output, a 15-second schedule, prompt and quiet stops."""

from __future__ import annotations

import shutil
import threading
import time
import zipfile
from pathlib import Path

import pytest

import testtriage.demo
from testtriage.demo import replay as replay_module
from testtriage.demo.replay import (
    POLL_INTERVAL,
    demo_run,
    line_delays,
    log_time_ms,
    replay,
    seed_log_path,
)


class FakeTime:
    """A clock that only moves when slept on, so schedules are measured without waiting."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def seed_lines() -> list[bytes]:
    return seed_log_path().read_bytes().splitlines(keepends=True)


def test_the_bundled_log_is_found_next_to_the_package() -> None:
    path = seed_log_path()
    assert path.is_file()
    assert path.name == "seed-run.log"
    assert path.parent == Path(testtriage.demo.__file__).parent


def test_a_zipped_package_gets_an_extracted_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "site.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("testtriage/demo/seed-run.log", b"line one\nline two\n")
    resource = zipfile.Path(archive, "testtriage/demo/seed-run.log")
    monkeypatch.setattr(replay_module, "_seed_resource", lambda: resource)
    replay_module._extracted_seed_log.cache_clear()
    try:
        path = seed_log_path()
        assert path.read_bytes() == b"line one\nline two\n"
        assert seed_log_path() == path
    finally:
        replay_module._extracted_seed_log.cache_clear()
        shutil.rmtree(path.parent, ignore_errors=True)


def test_replay_at_high_speed_reproduces_the_file_byte_for_byte(tmp_path: Path) -> None:
    dest = tmp_path / "run.log"
    started = time.monotonic()
    replay(seed_log_path(), dest, speed=1000)
    assert time.monotonic() - started < 2
    assert dest.read_bytes() == seed_log_path().read_bytes()


def test_replay_keeps_a_missing_final_newline_and_appends(tmp_path: Path) -> None:
    source = tmp_path / "source.log"
    source.write_bytes(b'first\n{"level":30,"time":5,"msg":"x"}\r\nlast without newline')
    dest = tmp_path / "dest.log"
    dest.write_bytes(b"already here\n")
    replay(source, dest, speed=1000)
    assert dest.read_bytes() == b"already here\n" + source.read_bytes()


def test_the_schedule_lasts_about_fifteen_seconds_at_speed_one(seed_lines: list[bytes]) -> None:
    delays = line_delays(seed_lines)
    assert len(delays) == len(seed_lines)
    assert all(delay >= 0 for delay in delays)
    assert 12 <= sum(delays) <= 18


def test_replay_follows_the_schedule_on_an_injected_clock(tmp_path: Path) -> None:
    fake = FakeTime()
    replay(seed_log_path(), tmp_path / "run.log", clock=fake.clock, sleep=fake.sleep)
    assert 12 <= fake.now <= 18
    assert max(fake.sleeps) <= POLL_INTERVAL + 1e-9


def test_speed_divides_every_delay(tmp_path: Path) -> None:
    fake = FakeTime()
    replay(seed_log_path(), tmp_path / "run.log", speed=100, clock=fake.clock, sleep=fake.sleep)
    assert fake.now < 0.2
    assert (tmp_path / "run.log").read_bytes() == seed_log_path().read_bytes()


def test_the_pace_is_a_burst_then_the_run_then_a_quick_report(seed_lines: list[bytes]) -> None:
    delays = line_delays(seed_lines)
    texts = [line.decode() for line in seed_lines]
    first_log = next(i for i, text in enumerate(texts) if text.startswith("{"))
    last_log = max(i for i, text in enumerate(texts) if text.startswith("{"))
    first_test = next(i for i, t in enumerate(texts) if "Analysis start request received" in t)
    assert sum(delays[:first_log]) < 0.5, "the banner should come at once"
    assert sum(delays[last_log + 1 :]) < 1.5, "the results and summary should come at once"
    assert sum(delays[first_test : last_log + 1]) > 8, "the tests should take most of the run"
    assert max(delays) <= 1.0 + 1e-9


def test_a_log_without_timestamps_replays_on_fixed_delays() -> None:
    lines = [b"stdout | a.test.ts\n", b"hello\n", b"\n", b" Tests  1 passed (1)\n"]
    delays = line_delays(lines)
    assert len(delays) == 4
    assert 0 < sum(delays) < 2
    assert line_delays([]) == []


def test_log_time_reads_only_json_objects_with_a_numeric_time() -> None:
    assert log_time_ms(b'{"level":30,"time":1762101214062,"msg":"x"}\n') == 1762101214062
    assert log_time_ms(b'{"time":"2025-11-02T16:33:34Z"}') is None
    assert log_time_ms(b'{"time":true}') is None
    assert log_time_ms(b"[1, 2]") is None
    assert log_time_ms(b"{not json") is None
    assert log_time_ms(b" RUN  v2.1.8 /app") is None


def test_stop_ends_the_replay_promptly(tmp_path: Path) -> None:
    dest = tmp_path / "run.log"
    stop = threading.Event()
    thread = threading.Thread(target=replay, args=(seed_log_path(), dest), kwargs={"stop": stop})
    thread.start()
    deadline = time.monotonic() + 5
    while not (dest.exists() and dest.stat().st_size > 0) and time.monotonic() < deadline:
        time.sleep(0.01)
    stop.set()
    stopped_at = time.monotonic()
    thread.join(timeout=2)
    assert not thread.is_alive()
    assert time.monotonic() - stopped_at < POLL_INTERVAL + 0.5
    written = dest.read_bytes()
    full = seed_log_path().read_bytes()
    assert 0 < len(written) < len(full)
    assert full.startswith(written)


def test_a_stop_set_beforehand_writes_nothing(tmp_path: Path) -> None:
    stop = threading.Event()
    stop.set()
    fake = FakeTime()
    dest = tmp_path / "run.log"
    replay(seed_log_path(), dest, stop=stop, clock=fake.clock, sleep=fake.sleep)
    assert dest.read_bytes() == b""
    assert fake.now == 0


def test_a_removed_dest_ends_the_replay_quietly(tmp_path: Path) -> None:
    dest = tmp_path / "run.log"
    fake = FakeTime()

    def sleep_then_remove(seconds: float) -> None:
        fake.sleep(seconds)
        if fake.now > 2 and dest.exists():
            dest.unlink()

    replay(seed_log_path(), dest, clock=fake.clock, sleep=sleep_then_remove)
    assert not dest.exists()
    assert fake.now < 2 + 1.5


def test_a_replaced_dest_is_left_alone(tmp_path: Path) -> None:
    dest = tmp_path / "run.log"
    fake = FakeTime()

    def sleep_then_replace(seconds: float) -> None:
        fake.sleep(seconds)
        if fake.now > 2 and not dest.read_bytes().startswith(b"someone else"):
            dest.unlink()
            dest.write_bytes(b"someone else\n")

    replay(seed_log_path(), dest, clock=fake.clock, sleep=sleep_then_replace)
    assert dest.read_bytes() == b"someone else\n"


def test_a_dest_that_cannot_be_opened_is_quiet(tmp_path: Path) -> None:
    fake = FakeTime()
    replay(seed_log_path(), tmp_path / "gone" / "run.log", clock=fake.clock, sleep=fake.sleep)
    replay(seed_log_path(), tmp_path, clock=fake.clock, sleep=fake.sleep)
    assert fake.now == 0


@pytest.mark.parametrize("speed", [0, -1, float("nan")])
def test_speed_must_be_positive(tmp_path: Path, speed: float) -> None:
    with pytest.raises(ValueError):
        replay(seed_log_path(), tmp_path / "run.log", speed=speed)
    with pytest.raises(ValueError):
        demo_run(speed, tmp_path)


def test_demo_run_replays_into_a_new_file_in_the_workdir(tmp_path: Path) -> None:
    path, thread, stop = demo_run(1000, tmp_path / "work")
    assert path.parent == tmp_path / "work"
    assert thread.daemon
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert not stop.is_set()
    assert path.read_bytes() == seed_log_path().read_bytes()
    second, other, _ = demo_run(1000, tmp_path / "work")
    other.join(timeout=5)
    assert second != path


def test_demo_run_without_a_workdir_uses_a_fresh_directory() -> None:
    path, thread, stop = demo_run(1.0)
    try:
        assert path.name == "test-run.log"
        assert path.exists()
        stop.set()
        thread.join(timeout=2)
        assert not thread.is_alive()
    finally:
        stop.set()
        shutil.rmtree(path.parent, ignore_errors=True)
