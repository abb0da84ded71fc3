"""The benchmark harness: generate the corpora, measure each target beside its yardstick."""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import platform
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import corpus
from translate import Translation, translate_all

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CORPUS_DIR = HERE / "corpus"
LIVE = str(HERE / "live.py")
_BIN = Path(sys.executable).parent
TESTTRIAGE = str(_BIN / "testtriage") if (_BIN / "testtriage").exists() else "testtriage"
TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
UTF8 = "C.UTF-8"
SLOW_COMMAND_SECONDS = 600.0
"""A command whose first run takes longer is not repeated (its one time is reported)."""
UTF8_RULE_GREP_MAX_BYTES = 200 << 20
"""Above this size the UTF-8 rule-pack grep (about 1 s per MB here) is skipped."""
TARGETS = {"throughput_ratio": 2.0, "rss_mb": 150, "p50_ms": 25, "p95_ms": 50, "help_ms": 150}
TARGETS |= {"small_ms": 400, "behind_s": 1.0, "linear": 0.2, "flat": 0.2}

HAND_PATTERNS = (
    "violates foreign key constraint",
    "is not present in table",
    "is not valid JSON",
    "Unexpected token",
    "Unexpected end of JSON input",
    "invalid input value for enum",
    "invalid input syntax for type",
    "Invalid login credentials",
    "Database error (creating|saving) new user",
    "AuthApiError",
    "JWT expired",
    "ECONNREFUSED|ETIMEDOUT",
    "timed out in [0-9]+ ?ms",
    "Cannot read properties of (undefined|null)",
    '"level":(50|60)',
    '"err":',
    "(Error|Exception): ",
    r"\bERROR\b",
    "^ (FAIL|PASS)  ",
    "^ *(×|✓|❯) ",
)
"""The second yardstick: ~20 rule-like patterns, as a person would write them for grep."""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- running commands ----------------------------------------------------------------------------


@dataclass
class Sample:
    seconds: float
    rss_kb: int | None
    stdout: str
    error: str | None = None


@dataclass
class Command:
    """One command line of a comparison, run in interleaved rounds."""

    key: str
    label: str
    argv: list[str]
    env: dict[str, str] | None = None
    capture: bool = False
    """Send stdout to a pipe, else to /dev/null. grep must: with stdout on /dev/null, GNU
    `grep -c` stops at the first match, as `-q` does."""
    measure_rss: bool = True
    max_runs: int | None = None
    samples: list[Sample] = field(default_factory=list)
    note: str = ""

    @property
    def ok_samples(self) -> list[Sample]:
        return [s for s in self.samples if s.error is None]

    def median(self) -> float | None:
        times = [s.seconds for s in self.ok_samples]
        return statistics.median(times) if times else None

    def median_rss_mb(self) -> float | None:
        values = [s.rss_kb / 1024 for s in self.ok_samples if s.rss_kb is not None]
        return statistics.median(values) if values else None

    def output(self) -> str:
        """The first word of the first run's output (the count of grep and wc)."""
        words = self.ok_samples[0].stdout.split() if self.ok_samples else []
        return words[0] if words else ""

    def error(self) -> str | None:
        errors = [s.error for s in self.samples if s.error is not None]
        return errors[0] if errors and not self.ok_samples else None


def grep(key: str, label: str, patterns: Path, path: Path, locale: str, **kw: Any) -> Command:
    argv = ["grep", "-cE", "-f", str(patterns), str(path)]
    return Command(key, label, argv, {"LC_ALL": locale}, capture=True, **kw)


def summary(key: str, label: str, path: Path, *options: str, **kw: Any) -> Command:
    argv = [TESTTRIAGE, "summary", *options, str(path)]
    return Command(key, label, argv, {"COLUMNS": "100"}, **kw)


_RSS_WRAPPER = (
    "import resource, subprocess, sys\n"
    "code = subprocess.call(sys.argv[1:])\n"
    "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "sys.stderr.write('\\nmaxrss_kb=%d\\n' % usage.ru_maxrss)\n"
    "sys.exit(code)\n"
)
"""Without /usr/bin/time: a fresh parent whose only child is the command reports its peak RSS."""


def run_once(command: Command) -> Sample:
    """Run the command once: wall time, peak RSS, and stdout if captured."""
    argv = list(command.argv)
    rss_file = None
    if command.measure_rss and TIME is not None:
        handle, rss_file = tempfile.mkstemp(prefix="bench-rss-")
        os.close(handle)
        argv = [TIME, "-f", "%M", "-o", rss_file, *argv]
    elif command.measure_rss:
        argv = [sys.executable, "-c", _RSS_WRAPPER, *argv]
    env = {**os.environ, **(command.env or {})}
    stdout = subprocess.PIPE if command.capture else subprocess.DEVNULL
    started = time.perf_counter()
    proc = subprocess.run(argv, stdout=stdout, stderr=subprocess.PIPE, env=env, check=False)
    seconds = time.perf_counter() - started
    stderr = proc.stderr.decode(errors="replace")
    rss_kb = None
    if rss_file is not None:
        lines = Path(rss_file).read_text().split()
        os.unlink(rss_file)
        rss_kb = int(lines[-1]) if lines and lines[-1].isdigit() else None
    elif command.measure_rss and "maxrss_kb=" in stderr:
        rss_kb = int(stderr.rsplit("maxrss_kb=", 1)[1].split()[0])
    output = proc.stdout.decode(errors="replace") if command.capture else ""
    # grep: 0 found, 1 none found; summary: 0 nothing blocking, 1 blocking findings.
    if proc.returncode not in (0, 1):
        lines = [line for line in stderr.splitlines() if line.strip() and "maxrss" not in line]
        return Sample(seconds, rss_kb, output, f"exit {proc.returncode}: {lines[-1:]}"[:200])
    return Sample(seconds, rss_kb, output)


def interleave(commands: Sequence[Command], rounds: int, what: str) -> None:
    """Run every command once per round, the order rotated each round; medians come later."""
    for number in range(rounds):
        shift = number % len(commands)
        for command in [*commands[shift:], *commands[:shift]]:
            if command.max_runs is not None and len(command.samples) >= command.max_runs:
                continue
            if command.samples and (
                command.samples[0].error is not None
                or command.samples[0].seconds > SLOW_COMMAND_SECONDS
            ):
                continue
            sample = run_once(command)
            command.samples.append(sample)
            status = f"{sample.seconds:.3f}s" if sample.error is None else sample.error
            log(f"  [{what} {number + 1}/{rounds}] {command.label}: {status}")
    for command in commands:
        runs = len(command.ok_samples)
        if 0 < runs < rounds and not command.note:
            command.note = f"{runs} run{'s' if runs > 1 else ''} (slow: not repeated)"


def paired_ratio(command: Command, base: Command) -> float | None:
    """The median over rounds of this command's time ÷ the base's time in the same round:
    steadier than a ratio of medians when the machine's load drifts during the run."""
    pairs = [
        a.seconds / b.seconds
        for a, b in zip(command.samples, base.samples, strict=False)
        if a.error is None and b.error is None and b.seconds > 0
    ]
    return statistics.median(pairs) if len(pairs) >= 2 else None


def warm(path: Path) -> None:
    """Read a file once so that every command finds it in the page cache."""
    with path.open("rb") as handle:
        while handle.read(8 << 20):
            pass


# --- the grep side -------------------------------------------------------------------------------


@dataclass
class PatternSets:
    """The scanner's candidate union (RE2) and its grep translation."""

    rule_patterns: list[str]
    runner_markers: list[str]
    level_markers: list[str]
    translation: Translation
    same_as_triage: bool | None = None

    @property
    def union(self) -> list[str]:
        return [*self.rule_patterns, *self.runner_markers, *self.level_markers]


def product_patterns() -> PatternSets:
    """The candidate union exactly as `core/triage.py` builds it, and its ERE translation."""
    from testtriage.core.runners import RUNNER_MARKERS
    from testtriage.core.scan import LEVEL_MARKERS
    from testtriage.core.session import build_engine

    engine = build_engine()
    rules = engine.candidate_patterns()
    runners, levels = list(RUNNER_MARKERS), list(LEVEL_MARKERS)
    sets = PatternSets(rules, runners, levels, translate_all([*rules, *runners, *levels]))
    sets.same_as_triage = _same_as_triage(engine, sets.union)
    return sets


def _same_as_triage(engine: Any, union: list[str]) -> bool | None:
    """Whether `union` compiles to the very regex `Triage` scans with (None: cannot tell)."""
    from testtriage.core.scan import compile_candidates
    from testtriage.core.triage import Triage

    compiled = getattr(Triage(engine), "_regex", None)
    if compiled is None or not hasattr(compiled, "pattern"):
        return None
    return bool(compiled.pattern == compile_candidates(union).pattern)


def scanner_selected_lines(path: Path, patterns: list[str]) -> int:
    """How many lines the product's block scan selects from `path` (no dense blocks)."""
    from testtriage.core.scan import Block, compile_candidates

    regex = compile_candidates(patterns)
    count = 0
    rest = b""
    with path.open("rb") as handle:
        while data := handle.read(4 << 20):
            data = rest + data
            cut = data.rfind(b"\n") + 1
            count += sum(1 for _ in Block(data[:cut]).select(regex, lambda: False))
            rest = data[cut:]
    if rest:
        count += sum(1 for _ in Block(rest).select(regex, lambda: False))
    return count


def throughput_commands(
    path: Path, rules: Path, hand: Path, size: int, quick: bool
) -> tuple[list[Command], list[str]]:
    notes: list[str] = []
    commands = [
        Command("wc", "`wc -l` (read floor)", ["wc", "-l", str(path)], capture=True),
        grep("grep_rules_c", "`LC_ALL=C grep -cE -f rule-pack`", rules, path, "C"),
        grep("grep_hand", "`grep -cE -f hand-20`", hand, path, UTF8),
        grep("grep_hand_c", "`LC_ALL=C grep -cE -f hand-20`", hand, path, "C"),
        summary("tt_json", "`testtriage summary --format json`", path, "--format", "json"),
        summary("tt_text", "`testtriage summary` (text)", path),
        Command(
            "tt_json_one",
            "same, one process (`TESTTRIAGE_SCAN_HELPER=0`)",
            [TESTTRIAGE, "summary", "--format", "json", str(path)],
            {"COLUMNS": "100", "TESTTRIAGE_SCAN_HELPER": "0"},
        ),
    ]
    label = f"`grep -cE -f rule-pack` ({UTF8})"
    why = (
        "about 1 s per MB here: GNU grep's DFA cannot do `\\b` in a multibyte locale and falls "
        "back to its backtracking matcher"
    )
    if quick:
        notes.append(f"{label} skipped in a quick run ({why}); the full run has it.")
    elif size <= UTF8_RULE_GREP_MAX_BYTES:
        commands.insert(1, grep("grep_rules", label, rules, path, UTF8, max_runs=1))
    else:
        notes.append(f"{label} skipped at this size ({why}); see the smaller size.")
    if shutil.which("rg"):
        argv = ["rg", "-c", "-f", str(hand), str(path)]
        commands.append(Command("rg_hand", "`rg -c -f hand-20`", argv, capture=True))
    else:
        notes.append("ripgrep is not installed (no system packages added): its row is skipped.")
    return commands, notes


# --- report helpers ------------------------------------------------------------------------------


def md_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    def cell(value: object) -> str:
        if value is None:
            return "–"
        if isinstance(value, float):
            return f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"
        return str(value)

    lines = ["| " + " | ".join(headers) + " |"]
    lines.append("|" + "|".join("---" if i == 0 else "---:" for i in range(len(headers))) + "|")
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def size_label(size: int) -> str:
    if size >= 1 << 30 and size % (1 << 30) == 0:
        return f"{size >> 30}G"
    return f"{size >> 20}M" if size >= 1 << 20 else f"{size >> 10}K"


def count_label(count: int) -> str:
    return f"{count // 1_000_000}M" if count % 1_000_000 == 0 else f"{count // 1000}k"


def times_ms(command: Command) -> list[float]:
    return [s.seconds * 1000 for s in command.ok_samples]


@dataclass
class Results:
    """Everything measured, for the report and the verdicts."""

    sections: list[str] = field(default_factory=list)
    throughput: dict[int, dict[str, Command]] = field(default_factory=dict)
    errors_runs: dict[int, Command] = field(default_factory=dict)
    latency: dict[str, Any] | None = None
    cli_follow: list[float] = field(default_factory=list)
    load: dict[str, Any] | None = None
    tui_latency: list[float] | None = None
    tui_load: dict[str, dict[str, Any]] = field(default_factory=dict)
    startup: dict[str, Command] = field(default_factory=dict)
    helper_rss: dict[int, float] = field(default_factory=dict)
    """Peak RSS of summary's helper process, per mixed log size (MB)."""
    corpora: list[list[object]] = field(default_factory=list)

    def add(self, text: str) -> None:
        self.sections.append(text)
        print(text + "\n", flush=True)


# --- measurements --------------------------------------------------------------------------------


def measure_throughput(
    results: Results, sizes: list[int], rounds: int, patterns: PatternSets, work: Path, quick: bool
) -> None:
    rules = work / "rule-pack.ere"
    rules.write_text("\n".join(patterns.translation.patterns) + "\n")
    hand = work / "hand-20.ere"
    hand.write_text("\n".join(HAND_PATTERNS) + "\n")
    for size in sizes:
        path = CORPUS_DIR / f"mixed-{size_label(size)}.log"
        log(f"corpus {path.name}: generating if missing")
        stats = corpus.ensure_mixed(path, size)
        results.corpora.append(_corpus_row(path, stats))
        warm(path)
        commands, notes = throughput_commands(path, rules, hand, size, quick)
        size_rounds = min(rounds, 3) if size >= 512 << 20 else rounds
        interleave(commands, size_rounds, f"throughput {size_label(size)}")
        by_key = {c.key: c for c in commands}
        results.throughput[size] = by_key
        helper = helper_peak_mb(path)
        if helper is not None:
            results.helper_rss[size] = helper
            notes.append(
                f"summary's helper process (it finds the candidate lines of the next block on the "
                f"other core) peaked at {helper:.0f} MB; the peak RSS column is summary's own."
            )
        real_size = int(str(stats["bytes"]))
        results.add(_throughput_section(path, real_size, by_key, size_rounds, notes))


def helper_peak_mb(path: Path) -> float | None:
    """Peak RSS of summary's helper process, read from /proc while summary runs (Linux)."""
    if not Path("/proc/self/status").exists():
        return None
    argv = [TESTTRIAGE, "summary", "--format", "json", str(path)]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
    peak_kb = 0
    while proc.poll() is None:
        try:
            pids = children.read_text().split()
        except OSError:
            pids = []
        for pid in pids:
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    peak_kb = max(peak_kb, int(line.split()[1]))
        time.sleep(0.05)
    return peak_kb / 1024 if peak_kb else None


def _corpus_row(path: Path, stats: dict[str, object]) -> list[object]:
    kinds = stats.get("kinds")
    tests = kinds.get("test_line", 0) if isinstance(kinds, dict) else 0
    return [
        f"`{path.name}`",
        f"{int(str(stats['bytes'])) / 1e6:.1f} MB",
        f"{int(str(stats['lines'])):,}",
        f"{float(str(stats.get('pino_share', 0))) * 100:.1f} %",
        f"{float(str(stats.get('error_share', 0))) * 100:.2f} %",
        f"{tests:,}",
        f"{stats.get('seconds', '?')} s",
    ]


def _throughput_section(
    path: Path, size: int, by_key: dict[str, Command], rounds: int, notes: list[str]
) -> str:
    base_c = by_key["grep_rules_c"].median()
    base_hand = by_key["grep_hand"].median()
    rows = []
    for command in by_key.values():
        seconds = command.median()
        rows.append(
            [
                command.label,
                f"{seconds:.3f}" if seconds is not None else command.error(),
                f"{size / 1e6 / seconds:.0f}" if seconds else None,
                f"{seconds / base_c:.2f}×" if seconds and base_c else None,
                _paired(command, by_key["grep_rules_c"]),
                f"{seconds / base_hand:.2f}×" if seconds and base_hand else None,
                command.median_rss_mb(),
                command.output() if command.capture else "",
                command.note,
            ]
        )
    headers = ["command", "median s", "MB/s", "÷ C grep rule-pack", "same, paired"]
    headers.append("÷ grep hand-20")
    headers += ["peak RSS MB", "lines counted", "note"]
    head = f"### Throughput: `{path.name}` ({size / 1e6:.0f} MB), medians of {rounds} rounds"
    return "\n\n".join([head, md_table(headers, rows), *(f"- {note}" for note in notes)])


def _paired(command: Command, base: Command) -> str | None:
    if command is base:
        return None
    ratio = paired_ratio(command, base)
    return f"{ratio:.2f}×" if ratio is not None else None


def measure_errors(results: Results, counts: list[int], rounds: int) -> None:
    rows = []
    gaps: list[str] = []
    for count in counts:
        path = CORPUS_DIR / f"all-errors-{count_label(count)}.log"
        log(f"corpus {path.name}: generating if missing")
        stats = corpus.ensure_all_errors(path, count)
        warm(path)
        command = summary("tt_json", "summary --format json", path, "--format", "json")
        command.capture = True
        interleave([command], rounds, f"all-errors {count_label(count)}")
        results.errors_runs[count] = command
        seconds = command.median()
        findings = occurrences = None
        if command.ok_samples:
            found = json.loads(command.ok_samples[0].stdout).get("findings", [])
            findings = len(found)
            occurrences = sum(int(f.get("count", 0)) for f in found)
            if occurrences != count:
                gaps.append(
                    f"`{path.name}`: {count - occurrences:,} of {count:,} error lines "
                    "({:.1%}) are in no finding's count.".format((count - occurrences) / count)
                )
        rows.append(
            [
                f"`{path.name}`",
                f"{int(str(stats['bytes'])) / 1e6:.0f} MB",
                f"{count:,}",
                f"{seconds:.2f}" if seconds else command.error(),
                f"{count / seconds:,.0f}" if seconds else None,
                command.median_rss_mb(),
                findings,
                f"{occurrences:,}" if occurrences is not None else None,
            ]
        )
    headers = ["log", "size", "error lines", "median s", "lines/s", "peak RSS MB", "findings"]
    headers.append("occurrences counted")
    results.add(
        "### Memory under a fingerprint explosion: every line a distinct error\n\n"
        + md_table(headers, rows)
        + "\n\n- `findings` must stay bounded (per-rule and total caps fold the rest into "
        "overflow findings); `occurrences counted` (the sum of the findings' counts) should "
        "equal the error lines, as every line is a distinct error."
        + "".join(f"\n- **{gap}**" for gap in gaps)
    )


def measure_latency(results: Results, work: Path, appends: int, cli_rounds: int) -> None:
    log("latency: core follow API + Session")
    argv = [sys.executable, LIVE, "latency", str(work / "latency.log"), "--appends", str(appends)]
    proc = subprocess.run(argv, capture_output=True, check=False, cwd=str(HERE))
    if proc.returncode != 0:
        results.add(f"### Latency\n\nfailed: `{proc.stderr.decode()[-300:]}`")
        return
    lat = results.latency = json.loads(proc.stdout)
    log("latency: summary --follow (CLI proxy)")
    cli = results.cli_follow = cli_follow_latency(work, cli_rounds)
    rows = [
        [
            f"core follow API + Session, {lat['appends']} appends 5–30 ms apart",
            lat["found"],
            lat["p50_ms"],
            lat["p95_ms"],
            lat["max_ms"],
        ],
        [
            "CLI `summary --follow`: run-end lines appended → report out, process exited",
            len(cli),
            statistics.median(cli) if cli else None,
            None,
            max(cli) if cli else None,
        ],
    ]
    tui = results.tui_latency = tui_latency(appends)
    if tui is None:
        rows.append(["TUI: append → on screen", "–", "failed (see stderr)", "", ""])
    else:
        rows.append(["TUI: append → finding count on screen", appends, *tui])
    results.add(
        "### Latency: a line appended → its finding folded into the state\n\n"
        + md_table(["path", "lines", "p50 ms", "p95 ms", "max ms"], rows)
        + "\n\n- Core row (the one the target counts): stamped just before `write()` in a "
        "writer thread; ends when the batch holding that line's occurrence is applied to the "
        "`RunState` (one process, `time.perf_counter`).\n"
        "- CLI row: `summary --follow` prints nothing until the run ends, so it cannot be "
        "timed per line. It times the vitest summary lines appended → the process exiting with "
        f"its report (diagnosis, rendering and interpreter exit included), {len(cli)} runs."
    )


def tui_latency(appends: int) -> list[float] | None:
    """Target 3, TUI: append → the finding's count on screen (p50, p95, max ms), measured by
    `tui_latency.py` in a process of its own (the app runs headless)."""
    log("latency: TUI (headless app)")
    argv = [sys.executable, str(HERE / "tui_latency.py"), "--appends", str(appends), "--json"]
    proc = subprocess.run(argv, capture_output=True, check=False, cwd=str(HERE))
    if proc.returncode != 0:
        log(proc.stderr.decode()[-300:])
        return None
    found = json.loads(proc.stdout)
    return [found["p50"], found["p95"], found["max"]]


def cli_follow_latency(work: Path, rounds: int) -> list[float]:
    """`summary --follow` on a growing vitest log: ms from the run's summary lines appended to
    the process exiting with its report."""
    head = (
        " RUN  v3.2.4 /home/ci/app/packages/course-gen-platform\n\n"
        " ❯ tests/contract/analysis.test.ts (2 tests | 1 failed) 40ms\n"
        "   × analysis > start > runs synthesis 12ms\n"
        "     → Unexpected token 'H', \"Here is th\"... is not valid JSON\n"
    )
    tail = (
        "\n Test Files  1 failed (1)\n      Tests  1 failed | 1 passed (2)\n"
        "   Start at  16:33:32\n   Duration  1.20s\n"
    )
    timings = []
    for number in range(rounds):
        path = work / f"cli-follow-{number}.log"
        path.write_text(head)
        argv = [TESTTRIAGE, "summary", "--follow", "--format", "json", "--fail-on", "never"]
        proc = subprocess.Popen([*argv, str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(1.5)  # started and watching
        with path.open("a") as handle:
            started = time.perf_counter()
            handle.write(tail)
        try:
            out, err = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            log("  cli follow: did not stop at the run's end")
            continue
        ended = time.perf_counter()
        if proc.returncode in (0, 1) and b'"findings"' in out:
            timings.append((ended - started) * 1000)
        else:
            log(f"  cli follow: exit {proc.returncode}: {err.decode()[-200:]}")
    return timings


def measure_load(results: Results, source: Path, work: Path, seconds: float, rate: int) -> None:
    log(f"live load: {rate:,} lines/s for {seconds:g} s")
    target = work / "load.log"
    argv = [sys.executable, LIVE, "load", str(source), str(target)]
    argv += ["--seconds", str(seconds), "--rate", str(rate)]
    proc = subprocess.run(argv, capture_output=True, check=False, cwd=str(HERE))
    target.unlink(missing_ok=True)
    if proc.returncode != 0:
        results.add(f"### Live load\n\nfailed: `{proc.stderr.decode()[-300:]}`")
        return
    load = results.load = json.loads(proc.stdout)
    written = f"{load['lines_written']:,} lines, {load['bytes_written'] / 1e6:.0f} MB"
    rates = f"{load['rate_target']:,}/s → {load['rate_achieved']:,}/s"
    backlog = " / ".join(f"{b:,}" for b in load["backlog_by_quarter"])
    memory = f"{load['rss_start_mb']} → {load['rss_end_mb']} MB (peak {load['rss_peak_mb']})"
    rows = [
        ["writer: written in " + f"{load['seconds']} s", written],
        ["writer: target rate → achieved", rates],
        ["follower: lines read (`state.lines`)", f"{load['lines_read']:,}"],
        ["max lag (oldest line of a batch → batch folded)", f"{load['max_lag_s']} s"],
        ["p95 lag over batches", f"{load['p95_lag_s']} s"],
        ["behind when the writer stopped (→ every line folded)", f"{load['behind_at_stop_s']} s"],
        ["mean backlog in each quarter of the run (lines)", backlog],
        ["follower RSS 1 s in → end", memory],
    ]
    for probe in ("rows", "tabs"):
        found = tui_load(source, seconds, rate, probe)
        if found is None:
            rows.append([f"TUI ({probe} key every 0.2 s)", "failed (see stderr)"])
            continue
        results.tui_load[probe] = found
        rows += [
            [
                f"TUI, {probe} key every 0.2 s: lines read / behind at stop",
                f"{found['lines_read']:,} / {found['behind_at_stop_s']} s",
            ],
            [
                f"TUI, {probe} key every 0.2 s: key → effect p50 / p95 / max",
                f"{found['key_p50_ms']:.0f} / {found['key_p95_ms']:.0f} / "
                f"{found['key_max_ms']:.0f} ms ({found['presses']} presses)",
            ],
        ]
    results.add(
        f"### Live load: {rate:,} lines/s for {seconds:g} s\n\n"
        f"A writer process replays `{source.name}` in 10 ms batches; the follower is the core "
        "follow API + Session in another process, then the whole app (`tui_load.py`, headless) "
        "while a key is sent every 0.2 s: `rows` moves the cursor in the findings list, `tabs` "
        "switches between two tabs (the heaviest common key: the screen is laid out and drawn "
        "again).\n\n" + md_table(["what", "value"], rows)
    )


def tui_load(source: Path, seconds: float, rate: int, probe: str) -> dict[str, Any] | None:
    """Target 4 in the app: `tui_load.py` in a process of its own."""
    log(f"live load: TUI, {probe} probe")
    argv = [sys.executable, str(HERE / "tui_load.py"), "--json", "--probe", probe]
    argv += ["--seconds", str(seconds), "--rate", str(rate), "--corpus", str(source)]
    proc = subprocess.run(argv, capture_output=True, check=False, cwd=str(HERE))
    if proc.returncode != 0:
        log(proc.stderr.decode()[-300:])
        return None
    found: dict[str, Any] = json.loads(proc.stdout.splitlines()[-1])
    return found


def measure_startup(results: Results, rounds: int) -> None:
    seed_log = corpus.SMALL_LOG
    commands = [
        Command("python", "`python -c pass` (floor)", [sys.executable, "-c", "pass"]),
        Command("help", "`testtriage --help`", [TESTTRIAGE, "--help"]),
        summary("small_text", "`testtriage summary seed-run.log` (text)", seed_log),
        summary("small_json", "`testtriage summary --format json seed-run.log`", seed_log),
    ]
    commands[-1].argv[2:2] = ["--format", "json"]
    for command in commands[1:]:
        # As installed by pip, which compiles the modules: bytecode cached, even where the
        # environment says not to write it (PYTHONDONTWRITEBYTECODE, as on this machine).
        command.env = {**(command.env or {}), "PYTHONDONTWRITEBYTECODE": ""}
        run_once(command)  # writes the bytecode
    for command in commands:
        command.measure_rss = False
    interleave(commands, rounds, "start-up")
    results.startup = {c.key: c for c in commands}
    rows = []
    for command in commands:
        ms = times_ms(command)
        median = statistics.median(ms) if ms else command.error()
        rows.append([command.label, median, min(ms, default=None), max(ms, default=None)])
    results.add(
        f"### Start-up, {rounds} interleaved rounds\n\n"
        + md_table(["command", "median ms", "min ms", "max ms"], rows)
    )


def profile_summary(results: Results, path: Path, work: Path, orders: Sequence[str]) -> None:
    log(f"profile: summary on {path.name} under cProfile")
    output = work / f"{path.stem}.prof"
    argv = [sys.executable, "-m", "cProfile", "-o", str(output), "-m", "testtriage"]
    argv += ["summary", "--format", "json", str(path)]
    started = time.perf_counter()
    proc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    seconds = time.perf_counter() - started
    if not output.exists():
        results.add(f"### Profile\n\nfailed: `{proc.stderr.decode()[-300:]}`")
        return
    parts = [
        f"### Profile: `summary --format json {path.name}` under cProfile "
        f"({seconds:.1f} s wall, profiled)"
    ]
    for order in orders:
        stream = io.StringIO()
        stats = pstats.Stats(str(output), stream=stream)
        stats.strip_dirs().sort_stats(order).print_stats(25)
        text = stream.getvalue()
        body = text[text.index("   ncalls") :] if "   ncalls" in text else text
        total = next((line.strip() for line in text.splitlines() if "function calls" in line), "")
        parts.append(f"Top 25 by {order} ({total}):\n\n```\n{body.rstrip()}\n```")
    results.add("\n\n".join(parts))


# --- verdicts ------------------------------------------------------------------------------------


class Verdicts:
    """The targets table: what was measured against each limit."""

    def __init__(self) -> None:
        self.rows: list[list[object]] = []

    def check(self, name: str, value: str, limit: str, passed: bool | None) -> None:
        verdict = "–" if passed is None else ("PASS" if passed else "**FAIL**")
        self.rows.append([name, value, limit, verdict])

    def growth(
        self, name: str, values: dict[int, float | None], label: Callable[[int], str]
    ) -> None:
        known = {k: v for k, v in values.items() if v}
        if len(known) < 2:
            return
        low, high = min(known), max(known)
        change = known[high] / known[low] - 1
        limit = f"≤ +{TARGETS['flat'] * 100:.0f} %"
        self.check(
            f"{name} {label(high)} vs {label(low)}",
            f"{change * 100:+.0f} %",
            limit,
            change <= TARGETS["flat"],
        )

    def table(self) -> str:
        return "## Targets\n\n" + md_table(["target", "measured", "limit", "verdict"], self.rows)


def verdicts(results: Results) -> str:
    v = Verdicts()
    limit = TARGETS["throughput_ratio"]
    ratios: dict[int, float] = {}
    for size, commands in sorted(results.throughput.items()):
        tt = commands["tt_json"].median()
        for key, name in (
            ("grep_rules_c", "`LC_ALL=C grep -cE` rule-pack"),
            ("grep_hand", "`grep -cE` hand-20"),
        ):
            base = commands[key].median()
            if tt and base:
                paired = paired_ratio(commands["tt_json"], commands[key])
                ratio = paired if paired is not None else tt / base
                if key == "grep_rules_c":
                    ratios[size] = ratio
                v.check(
                    f"1. throughput {size_label(size)}: summary ÷ {name} (per-round median)",
                    f"{ratio:.2f}×",
                    f"≤ {limit:g}×",
                    ratio <= limit,
                )
        one, base = commands.get("tt_json_one"), commands["grep_rules_c"]
        if one is not None and one.median() and base.median():
            paired = paired_ratio(one, base)
            ratio = paired if paired is not None else (one.median() or 0) / (base.median() or 1)
            v.check(
                f"1. throughput {size_label(size)}, one process (helper off) ÷ rule-pack grep",
                f"{ratio:.2f}×",
                f"≤ {limit:g}×",
                ratio <= limit,
            )
    if len(ratios) >= 2:
        low, high = min(ratios), max(ratios)
        change = ratios[high] / ratios[low] - 1
        v.check(
            f"1. linear: ratio {size_label(high)} vs {size_label(low)}",
            f"{change * 100:+.0f} %",
            "within ±20 %",
            abs(change) <= TARGETS["linear"],
        )
    rss = {s: c["tt_json"].median_rss_mb() for s, c in results.throughput.items()}
    if rss:
        largest = max(rss)
        own = rss[largest]
        helper = results.helper_rss.get(largest)
        value = own + helper if own and helper else own
        shown = f"{own:.0f} + {helper:.0f} (helper) MB" if own and helper else f"{own or 0:.0f} MB"
        v.check(
            f"2. peak RSS, summary on {size_label(largest)}",
            shown,
            "≤ 150 MB",
            bool(value and value <= TARGETS["rss_mb"]),
        )
        v.growth("2. flat: peak RSS", rss, size_label)
    err = {c: cmd.median_rss_mb() for c, cmd in results.errors_runs.items()}
    if err:
        most = max(err)
        value = err[most]
        shown = f"{value:.0f} MB" if value else "–"
        v.check(
            f"2. all-errors, {count_label(most)} lines: peak RSS",
            shown,
            "≤ 150 MB",
            bool(value and value <= TARGETS["rss_mb"]),
        )
        v.growth("2. bounded: peak RSS, error lines", err, count_label)
    lat = results.latency
    if lat and lat.get("p50_ms") is not None:
        complete = lat["found"] == lat["appends"]
        for key in ("p50_ms", "p95_ms"):
            name = f"3. latency {key[:3]}, core follow API ({lat['found']}/{lat['appends']} seen)"
            v.check(
                name,
                f"{lat[key]:.1f} ms",
                f"≤ {TARGETS[key]} ms",
                complete and lat[key] <= TARGETS[key],
            )
    if results.tui_latency is not None:
        p95 = results.tui_latency[1]
        v.check("3. latency p95, TUI (to on screen)", f"{p95:.0f} ms", "≤ 150 ms", p95 <= 150)
    for probe, found in results.tui_load.items():
        what = f"4. live load, TUI ({probe} key every {found['every_s']:g} s)"
        read, written = found["lines_read"], found["lines_written"]
        v.check(
            f"{what}: lines read == written", f"{read:,} / {written:,}", "equal", read == written
        )
        behind = found["behind_at_stop_s"]
        v.check(f"{what}: behind at stop", f"{behind} s", "≤ 1 s", behind <= TARGETS["behind_s"])
        p95 = found["key_p95_ms"]
        v.check(f"{what}: key p95", f"{p95:.0f} ms", "≤ 100 ms", p95 <= 100)
    load = results.load
    if load:
        read, written = load["lines_read"], load["lines_written"]
        v.check(
            "4. live load: lines read == written",
            f"{read:,} / {written:,}",
            "equal",
            read == written,
        )
        behind = load["behind_at_stop_s"]
        v.check(
            "4. live load: behind when the writer stops",
            f"{behind} s",
            "≤ 1 s",
            behind is not None and behind <= TARGETS["behind_s"],
        )
        first, last = load["backlog_by_quarter"][0], load["backlog_by_quarter"][-1]
        steady = last <= max(1.5 * first, load["rate_target"] * 0.1)
        v.check(
            "4. live load: no growing backlog (mean, Q1 → Q4)",
            f"{first:,} → {last:,} lines",
            "Q4 ≤ max(1.5 × Q1, 0.1 s of lines)",
            steady,
        )
        achieved = load["rate_achieved"] >= 0.95 * load["rate_target"]
        v.check(
            "4. live load: the writer held its rate",
            f"{load['rate_achieved']:,}/s",
            f"≥ 95 % of {load['rate_target']:,}/s",
            achieved,
        )
    for key, target in (("help", "help_ms"), ("small_text", "small_ms")):
        command = results.startup.get(key)
        seconds = command.median() if command is not None else None
        if command is not None and seconds is not None:
            ms = seconds * 1000
            v.check(
                f"5. start-up: {command.label}",
                f"{ms:.0f} ms",
                f"≤ {TARGETS[target]} ms",
                ms <= TARGETS[target],
            )
    return v.table()


# --- environment and pattern notes ---------------------------------------------------------------


def _first_line(argv: list[str]) -> str:
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    return proc.stdout.strip().splitlines()[0] if proc.stdout.strip() else "?"


def environment(load_before: tuple[float, float, float]) -> str:
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    commit = _first_line(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    dirty = _first_line(["git", "-C", str(ROOT), "status", "--porcelain", "--", "src"]) != "?"
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    rows = [
        ["date (UTC)", datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M")],
        ["CPU", f"{cpu}, {os.cpu_count()} logical CPUs (`nproc`)"],
        ["memory", f"{memory:.0f} GiB"],
        ["OS", platform.platform()],
        ["Python", platform.python_version()],
        ["grep", _first_line(["grep", "--version"])],
        ["locale of the plain grep rows", f"LC_ALL={UTF8}"],
        ["testtriage", commit + (" + uncommitted changes in src/" if dirty else "")],
        ["peak RSS", "`/usr/bin/time -f %M`" if TIME else "RUSAGE_CHILDREN of a wrapper"],
        ["load average (1/5/15 min) at start", " / ".join(f"{x:.2f}" for x in load_before)],
        ["load average at end", " / ".join(f"{x:.2f}" for x in os.getloadavg())],
    ]
    return "## Machine\n\n" + md_table(["", ""], rows)


PATTERN_NOTES = """\
- Translation: group names and flags dropped; lazy quantifiers made greedy (the same lines \
match); `(?i)` and `(?i:…)` spelled out as `[aA]` classes; `(?m)` dropped (grep anchors at \
every line, as the scanner's global `(?m)` does); `\\d \\s \\w \\S` → POSIX classes; `\\t` → \
a tab; line breaks taken out of classes (`[^\\n]` → `.`); escaped punctuation unescaped unless \
ERE needs it; non-ASCII class members (`[✓×❯]`) → alternations, so that `LC_ALL=C` sees whole \
characters. A construct with no ERE form (look-around, `\\pL`, a line break outside a class, \
`\\S` inside a class…) drops its pattern from the grep side; the count is above.
- `LC_ALL=C` is the exact equivalent: the scanner runs RE2 on bytes, where `\\w`, `\\b` and \
`\\s` are ASCII-only, as in the C locale.
- Gaps that remain: RE2 `\\s` is `[\\t\\n\\f\\r ]`, POSIX `[:space:]` adds `\\v`; in the \
scanner's multi-line block pass, `\\s*` and negated classes can run across a line break, so a \
pattern may select the line where its match *starts* (a blank line before `^\\s*Caused by:`); \
grep never crosses lines.
- GNU grep pitfalls found on the way: `grep -c` with stdout on `/dev/null` stops at the first \
match (it is treated as `-q`), so every grep row writes its count to a pipe; in a UTF-8 \
locale the rule pack's `\\b` makes grep leave its DFA for the backtracking matcher, about 100× \
slower than `LC_ALL=C`, so the C-locale row is the yardstick of target 1."""


def pattern_section(
    patterns: PatternSets, agreement: tuple[Path, int, dict[str, str]] | None
) -> str:
    t = patterns.translation
    lines = [
        "## The grep side: equivalent patterns",
        "",
        "- The scanner's candidate union, built as `core/triage.py` builds it: "
        f"{len(patterns.rule_patterns)} from `engine.candidate_patterns()`, "
        f"{len(patterns.runner_markers)} `RUNNER_MARKERS`, {len(patterns.level_markers)} "
        f"`LEVEL_MARKERS` = {len(patterns.union)} RE2 patterns; translated to POSIX ERE: "
        f"{len(t.patterns)}; **dropped: {len(t.dropped)}**.",
    ]
    if patterns.same_as_triage is False:
        lines.append("- **Warning: this union differs from the regex `Triage` compiles.**")
    elif patterns.same_as_triage:
        lines.append("- Checked: it compiles to the same regex as the one `Triage` scans with.")
    for pattern, reason in t.dropped[:20]:
        lines.append(f"  - dropped `{pattern[:80]}`: {reason}")
    if agreement is not None:
        path, scanner, greps = agreement
        counts = "; ".join(f"{label} counts {value}" for label, value in greps.items())
        lines.append(f"- On `{path.name}` the scanner selects {scanner:,} lines; {counts}.")
    lines.append(PATTERN_NOTES)
    return "\n".join(lines)


# --- main ----------------------------------------------------------------------------------------


def parse_count(text: str) -> int:
    text = text.strip().lower()
    scale = {"k": 1000, "m": 1_000_000}
    return int(float(text[:-1]) * scale[text[-1]]) if text[-1] in scale else int(text)


def split(text: str, convert: Callable[[str], int]) -> list[int]:
    return [convert(part) for part in text.split(",") if part.strip()]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    add = parser.add_argument
    add("--quick", action="store_true", help="20 MB corpus, fewer rounds, a 5 s live load")
    add("--sizes", help="mixed log sizes, e.g. 100M,1G (default 100M; quick 20M)")
    add("--error-lines", help="all-errors logs, e.g. 100k,1M (default; quick 40k,160k)")
    add("--rounds", type=int, help="interleaved rounds (default 5; quick 3; 3 at most ≥ 512M)")
    add("--load-seconds", type=float, help="live load duration (default 30; quick 5)")
    add("--rate", type=int, default=100_000, help="live load: lines per second")
    add("--appends", type=int, default=200, help="latency: lines appended")
    add("--profile", action="store_true", help="cProfile summary on the ≤ 100 MB mixed log")
    add("--only", help="comma list of: throughput,errors,latency,load,startup")
    add("--out", type=Path, help="also write the Markdown report to this file")
    add("--clean", action="store_true", help="delete corpora over 50 MB when done")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    quick = args.quick
    sizes = split(args.sizes or ("20M" if quick else "100M"), corpus.parse_size)
    error_counts = split(args.error_lines or ("40k,160k" if quick else "100k,1M"), parse_count)
    rounds = args.rounds or (3 if quick else 5)
    load_seconds = args.load_seconds or (5.0 if quick else 30.0)
    only = set((args.only or "throughput,errors,latency,load,startup").split(","))
    smallest = CORPUS_DIR / f"mixed-{size_label(min(sizes))}.log"

    results = Results()
    load_before = os.getloadavg()
    work = Path(tempfile.mkdtemp(prefix="testtriage-bench-"))
    patterns = product_patterns()
    started = time.perf_counter()
    try:
        if "throughput" in only:
            measure_throughput(results, sizes, rounds, patterns, work, quick)
            log("pattern check: lines the scanner selects vs grep's counts")
            commands = results.throughput[min(sizes)].values()
            greps = {c.label: c.output() for c in commands if c.key.startswith("grep_rules")}
            agreement = (smallest, scanner_selected_lines(smallest, patterns.union), greps)
            results.add(pattern_section(patterns, agreement))
            headers = ["file", "size", "lines", "pino JSON", "error lines", "test lines"]
            headers.append("generated in")
            results.add("### Corpora\n\n" + md_table(headers, results.corpora))
        else:
            results.add(pattern_section(patterns, None))
        if "errors" in only:
            measure_errors(results, error_counts, 1 if quick else 2)
        if "latency" in only:
            measure_latency(results, work, args.appends, 3 if quick else 5)
        if "load" in only:
            corpus.ensure_mixed(smallest, min(sizes))
            measure_load(results, smallest, work, load_seconds, args.rate)
        if "startup" in only:
            measure_startup(results, 10)
        if args.profile:
            target = max([s for s in sizes if s <= 100 << 20] or [min(sizes)])
            path = CORPUS_DIR / f"mixed-{size_label(target)}.log"
            corpus.ensure_mixed(path, target)
            profile_summary(results, path, work, ("cumulative", "tottime"))
            errors = CORPUS_DIR / f"all-errors-{count_label(min(error_counts))}.log"
            corpus.ensure_all_errors(errors, min(error_counts))
            profile_summary(results, errors, work, ("tottime",))
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if args.clean:
            for path in CORPUS_DIR.glob("*.log"):
                if path.stat().st_size > 50 << 20:
                    path.unlink()
                    path.with_name(path.name + ".json").unlink(missing_ok=True)
    title = f"# testtriage benchmarks ({'quick' if quick else 'full'} run)"
    head = [title, environment(load_before), verdicts(results)]
    print("\n\n".join(head) + "\n")
    results.sections[:0] = head
    log(f"done in {time.perf_counter() - started:.0f} s")
    if args.out:
        args.out.write_text("\n\n".join(results.sections) + "\n")
        log(f"written: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
