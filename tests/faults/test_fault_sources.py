"""Several sources, one failing: the others are read and reported, the failing one is named.

And, for the nastiest inputs, the command run as a real process never shows a traceback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from _fault_support import (
    assert_exactly_once,
    chunk_lines,
    decode_numbers,
    numbered_block,
    run_cli,
    shared_engine,
)

from testtriage.core.ingest import Chunk, SourceSpec, read_sources
from testtriage.core.session import Session, analyze

Capture = pytest.CaptureFixture[bytes]


def good_log(path: Path) -> Path:
    """200 passing tests and one unknown error on line 201."""
    path.write_bytes(numbered_block(range(200), style="vitest") + b"ERROR: payment gateway down\n")
    return path


def binary_file(path: Path) -> Path:
    path.write_bytes(bytes(range(256)) * 64)
    return path


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_missing_and_a_binary_source_are_named_on_stderr_and_the_good_one_reported(
    tmp_path: Path, capsysbinary: Capture, fmt: str
) -> None:
    """`summary good.log missing.log core.bin`: the report covers good.log in full (its 200
    tests, its error), stderr has exactly one clear line per failing source naming it, and the
    exit code is 2 (input error), in text and in JSON."""
    good = good_log(tmp_path / "good.log")
    missing, binary = tmp_path / "missing.log", binary_file(tmp_path / "core.bin")
    result = run_cli(capsysbinary, "summary", "--format", fmt, str(good), str(missing), str(binary))

    assert result.code == 2
    err_lines = result.err.splitlines()
    assert len(err_lines) == 2, result.err
    assert err_lines[0].startswith(f"testtriage: {missing}: ")
    assert "no such file" in err_lines[0]
    assert err_lines[1].startswith(f"testtriage: {binary}: ")
    assert "binary" in err_lines[1]
    assert "Traceback" not in result.err
    if fmt == "json":
        report = json.loads(result.out)
        by_path = {source["path"]: source for source in report["sources"]}
        assert (by_path[str(good)]["lines"], by_path[str(good)]["status"]) == (201, "ended")
        assert by_path[str(missing)]["status"] == "error"
        assert by_path[str(binary)]["status"] == "binary"
        assert report["tests"]["passed"] == 200
        assert [f["first"]["line"] for f in report["findings"]] == [201]
    else:
        text = result.text
        assert "200 passed" in text
        assert "payment gateway down" in text


def test_a_source_that_is_a_directory_by_read_time_is_an_error_and_the_others_are_read(
    tmp_path: Path,
) -> None:
    """A path that was a file when named and is a directory when read (or any unreadable
    one): its status says why, and the sources after it are read in full."""
    first, second = tmp_path / "a.log", tmp_path / "b.log"
    first.write_bytes(numbered_block(range(300)))
    second.write_bytes(numbered_block(range(300), "second"))
    directory = tmp_path / "logs"
    directory.mkdir()
    specs = [SourceSpec(str(p)) for p in (first, directory, tmp_path / "gone.log", second)]

    items = list(read_sources(specs))
    assert_exactly_once(decode_numbers(chunk_lines(items, str(first))), range(300))
    assert_exactly_once(decode_numbers(chunk_lines(items, str(second)), "second"), range(300))
    state = analyze(Session(shared_engine(), specs), iter(items))
    statuses = {name: (s.status, s.lines) for name, s in state.sources.items()}
    assert statuses == {
        str(first): ("ended", 300),
        str(directory): ("error", 0),
        str(tmp_path / "gone.log"): ("error", 0),
        str(second): ("ended", 300),
    }
    assert state.sources[str(directory)].message == f"{directory}: is a directory"
    assert not any(isinstance(i, Chunk) and i.source == str(directory) for i in items)


def test_a_directory_argument_is_named_on_stderr_and_the_other_sources_still_reported(
    tmp_path: Path, capsysbinary: Capture
) -> None:
    """`summary good.log logs/`: like a missing or binary source, the directory is that
    source's error (one stderr line naming it, exit 2) and good.log is reported in full."""
    good = good_log(tmp_path / "good.log")
    directory = tmp_path / "logs"
    directory.mkdir()
    result = run_cli(capsysbinary, "summary", "--format", "json", str(good), str(directory))
    assert result.code == 2
    [line] = result.err.splitlines()
    assert line.startswith(f"testtriage: {directory}: ") and "directory" in line
    assert result.out, "no report at all"
    report = json.loads(result.out)
    assert report["tests"]["passed"] == 200
    statuses = {source["path"]: source["status"] for source in report["sources"]}
    assert statuses == {str(good): "ended", str(directory): "error"}


# --- no traceback ever reaches the user ---------------------------------------------------


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _rules(path: Path, text: str) -> Path:
    return _write(path, text.encode())


NASTY: dict[str, Callable[[Path], list[str]]] = {
    "binary and missing sources": lambda d: [
        str(binary_file(d / "core.bin")),
        str(d / "missing.log"),
    ],
    "invalid utf-8, nul, cr and escapes": lambda d: [
        str(_write(d / "bad.log", b"\xff\xfe\x00ERROR \x1b]0;x\x07 \r\x9b2J boom\r\n" * 50))
    ],
    "deep json cut to text": lambda d: [
        str(_write(d / "deep.log", b'{"level":50,"a":' + b"[" * 20_000 + b"]" * 20_000 + b"}\n"))
    ],
    "rules file that is python, not toml": lambda d: [
        "--rules",
        str(_rules(d / "rules.toml", "import os\nos.system('touch pwned')\n")),
        str(good_log(d / "good.log")),
    ],
    "rules file with a non-string category": lambda d: [
        "--rules",
        str(
            _rules(
                d / "rules.toml",
                '[[rule]]\nid = "x"\ncategory = ["auth"]\ntitle = "t"\npatterns = ["boom"]\n'
                'why = "w"\nfix = "f"\n',
            )
        ),
        str(good_log(d / "good.log")),
    ],
    "baseline that is not json": lambda d: [
        "--baseline",
        str(_write(d / "base.json", b"\xff\x00not json")),
        str(good_log(d / "good.log")),
    ],
    "save into a directory": lambda d: ["--save", str(d), str(good_log(d / "good.log"))],
    "deep json that parses": lambda d: [
        str(_write(d / "deep.log", b'{"level":50,"a":' + b"[" * 1_000 + b"]" * 1_000 + b"}\n"))
    ],
    "superscript json level": lambda d: [
        str(_write(d / "level.log", '{"level":"²","msg":"ERROR boom"}\n'.encode()))
    ],
    "github format": lambda d: ["--format", "github", str(good_log(d / "good.log"))],
}


@pytest.mark.parametrize("case", list(NASTY))
def test_no_traceback_reaches_the_user_for_nasty_inputs(tmp_path: Path, case: str) -> None:
    """`python -m testtriage summary ...` as a real process: whatever the input, the user gets
    a report and/or one-line errors, never a Python traceback; exit codes stay 0, 1 or 2."""
    args = NASTY[case](tmp_path)
    env = {**os.environ, "NO_COLOR": "1", "GITHUB_STEP_SUMMARY": ""}
    completed = subprocess.run(
        [sys.executable, "-m", "testtriage", "summary", "--no-config", *args],
        capture_output=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    stderr = completed.stderr.decode("utf-8", "replace")
    assert "Traceback" not in stderr, stderr[-2_000:]
    assert completed.returncode in (0, 1, 2), stderr[-2_000:]
    assert all(line.startswith("testtriage: ") for line in stderr.splitlines()), stderr
    assert not (tmp_path / "pwned").exists()
