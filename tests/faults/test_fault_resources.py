"""A flood of distinct errors: findings are capped with a visible overflow, none is dropped
silently, and memory does not grow with the input.

The big runs are real `testtriage summary` processes reporting their own peak RSS (`VmHWM`,
which counts only what the process used after it started, not the test runner it was forked
from); each is compared with the same command over a one-line log.
"""

from __future__ import annotations

import json
import os
import re
import string
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from _fault_support import shared_engine

from testtriage.core.findings import OVERFLOW_RULE
from testtriage.core.ingest import SourceSpec, read_sources
from testtriage.core.rules.engine import RuleEngine
from testtriage.core.rules.loader import parse_rules_text
from testtriage.core.session import Session, analyze
from testtriage.core.state import MAX_GROUPS, MAX_GROUPS_PER_RULE

RSS_GROWTH_LIMIT = 100 << 20
"""Peak resident memory a summary may add over a one-line run, whatever the input size. The
folded state needs far less (at most `MAX_GROUPS` findings, each with bounded evidence)."""


def word(number: int, letters: int = 5) -> str:
    """A distinct lower-case word per number: survives message normalization (no digits)."""
    out = []
    for _ in range(letters):
        number, digit = divmod(number, 26)
        out.append(string.ascii_lowercase[digit])
    return "".join(out)


def write_distinct_errors(path: Path, count: int) -> None:
    """`count` error lines, each a different message shape, streamed to disk."""
    with path.open("w", encoding="utf-8") as out:
        batch: list[str] = []
        for number in range(count):
            batch.append(f"ERROR {word(number)}\n")
            if len(batch) == 10_000:
                out.write("".join(batch))
                batch.clear()
        out.write("".join(batch))


@dataclass(frozen=True)
class SummaryRun:
    code: int
    text: str
    report: dict  # type: ignore[type-arg]
    max_rss: int
    """Peak resident set size of the process, in bytes."""


_MEASURED_MAIN = """
import os, sys
from testtriage.cli import main
code = main(sys.argv[1:])
sys.stdout.flush()
with open("/proc/self/status") as status:
    peak = next(line for line in status if line.startswith("VmHWM:"))
with open(os.environ["FAULTS_PEAK_FILE"], "w") as out:
    out.write(peak.split()[1])
sys.exit(code)
"""
"""`testtriage` whose process writes its peak resident memory (kB) to $FAULTS_PEAK_FILE."""


def run_summary_process(log: Path, saved: Path) -> SummaryRun:
    """`testtriage summary LOG --save SAVED` as a process: text on stdout, JSON saved."""
    peak_file = saved.with_suffix(".peak")
    env = {**os.environ, "NO_COLOR": "1", "FAULTS_PEAK_FILE": str(peak_file)}
    args = ["summary", "--no-config", "--save", str(saved), str(log)]
    completed = subprocess.run(
        [sys.executable, "-c", _MEASURED_MAIN, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        timeout=600,
    )
    return SummaryRun(
        code=completed.returncode,
        text=completed.stdout.decode("utf-8"),
        report=json.loads(saved.read_text("utf-8")),
        max_rss=int(peak_file.read_text()) * 1024,
    )


@dataclass(frozen=True)
class FloodResult:
    lines: int
    run: SummaryRun
    baseline: SummaryRun


def flood(directory: Path, lines: int) -> FloodResult:
    small = directory / "one.log"
    write_distinct_errors(small, 1)
    big = directory / "flood.log"
    write_distinct_errors(big, lines)
    baseline = run_summary_process(small, directory / "one.json")
    run = run_summary_process(big, directory / "flood.json")
    big.unlink()
    return FloodResult(lines, run, baseline)


@pytest.fixture(scope="module")
def flood_200k(tmp_path_factory: pytest.TempPathFactory) -> FloodResult:
    """200 000 distinct error lines (2.4 MB, two 1 MiB reads and a part): already at the memory
    peak a million lines reach (the soak variant), in a fifth of the time."""
    return flood(tmp_path_factory.mktemp("flood"), 200_000)


def assert_capped_and_visible(result: FloodResult) -> None:
    report, text = result.run.report, result.run.text
    assert result.run.code == 0
    assert report["sources"][0]["lines"] == result.lines
    findings = report["findings"]
    assert len(findings) == MAX_GROUPS_PER_RULE + 1
    [overflow] = [f for f in findings if f["rule"] == OVERFLOW_RULE.id]
    more = result.lines - MAX_GROUPS_PER_RULE
    assert overflow["count"] == more
    assert overflow["title"] == f"{more} more distinct errors of rule unknown"
    assert sum(f["count"] for f in findings) == result.lines, "every error line is counted"
    assert re.sub(r"\s+", " ", text).count(f"{more} more distinct errors of rule unknown") >= 1


def test_200_000_distinct_errors_fold_into_capped_findings_with_a_visible_overflow(
    flood_200k: FloodResult,
) -> None:
    """200 000 different error messages: 100 findings of their own, then ONE overflow finding
    counting the other 199 900, shown in the text report; the counts add up to every line."""
    assert_capped_and_visible(flood_200k)


def test_memory_stays_bounded_with_200_000_distinct_errors(flood_200k: FloodResult) -> None:
    """The summary's peak RSS exceeds a one-line run's by less than 100 MB."""
    growth = flood_200k.run.max_rss - flood_200k.baseline.max_rss
    assert growth < RSS_GROWTH_LIMIT, f"peak RSS grew by {growth / 2**20:.0f} MB"


@pytest.mark.soak
def test_one_million_distinct_errors_are_capped_in_bounded_memory(tmp_path: Path) -> None:
    result = flood(tmp_path, 1_000_000)
    assert_capped_and_visible(result)
    growth = result.run.max_rss - result.baseline.max_rss
    assert growth < RSS_GROWTH_LIMIT, f"peak RSS grew by {growth / 2**20:.0f} MB"


def test_the_global_cap_folds_every_rule_beyond_it_and_counts_every_line(
    tmp_path: Path,
) -> None:
    """25 user rules, each matching 120 distinct messages, rule after rule (3 000 findings
    wanted): a rule keeps at most 100 findings of its own and folds the rest into one
    overflow finding; once the run holds `MAX_GROUPS` findings, later rules fold everything.
    Every line is still counted in exactly one finding."""
    rules_toml = "".join(
        f'[[rule]]\nid = "r{k:02d}"\ncategory = "runtime"\ntitle = "rule {k}"\n'
        f"patterns = ['''^E{k:02d}: failure [a-z]+''']\nwhy = \"w\"\nfix = \"f\"\n\n"
        for k in range(25)
    )
    user_rules = parse_rules_text(rules_toml, "flood.toml", origin="flood.toml")
    engine = RuleEngine([*user_rules, *shared_engine().rules])
    log = tmp_path / "flood.log"
    with log.open("w") as out:
        for k in range(25):
            for number in range(120):
                out.write(f"E{k:02d}: failure {word(number)}\n")
    spec = SourceSpec(str(log))
    state = analyze(Session(engine, [spec]), read_sources([spec]))

    groups = list(state.groups.values())
    own: dict[str, int] = {}
    folded: dict[str, int] = {}
    for group in groups:
        if group.rule.id == OVERFLOW_RULE.id:
            folded[group.fields["rule"]] = group.count
        else:
            own[group.rule.id] = own.get(group.rule.id, 0) + 1
            assert group.count == 1, "each message is distinct"
    assert sum(own.values()) <= MAX_GROUPS
    assert max(own.values()) == MAX_GROUPS_PER_RULE
    assert set(folded) == {f"r{k:02d}" for k in range(25)}, "one overflow finding per rule"
    for k in range(25):
        rule_id = f"r{k:02d}"
        assert own.get(rule_id, 0) + folded[rule_id] == 120, rule_id
    assert [own.get(f"r{k:02d}", 0) for k in range(20, 25)] == [0] * 5, "global cap reached"
    assert len(groups) <= MAX_GROUPS + 25
    assert sum(g.count for g in groups) == state.lines == 3_000
