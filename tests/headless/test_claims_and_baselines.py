"""Claims checked against the evidence, and runs compared with a saved baseline."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from headless_harness import Cli


def claim_of(cli: Cli, log: str, claim: str) -> dict[str, Any]:
    run = cli.summary(log, "--format", "json", "--claim", claim)
    result = run.json()["verdict"]["claim"]
    assert isinstance(result, dict)
    return result


def test_auth_is_not_supported_when_no_auth_error_was_logged(cli: Cli) -> None:
    claim = claim_of(cli, "seed-no-auth-noise.log", "auth")
    assert claim["verdict"] == "not_supported"
    assert claim["evidence"] == []
    reason = claim["reason"].lower()
    assert "parse" in reason and "enum" in reason, "the reason names what really fails"


def test_auth_is_partly_supported_when_a_retry_recovered(cli: Cli) -> None:
    claim = claim_of(cli, "seed-run.log", "auth")
    assert claim["verdict"] == "partly_supported"
    assert "noise" in claim["reason"]
    assert "parse" in claim["reason"].lower()


def test_auth_is_supported_when_auth_setup_takes_the_tests_down(cli: Cli) -> None:
    report = cli.summary("auth-setup-fails.log", "--format", "json", "--claim", "auth").json()
    claim = report["verdict"]["claim"]
    assert claim["verdict"] == "supported"
    tests = report["tests"]
    assert (tests["skipped"], tests["total"]) == (20, 20)
    auth = [f for f in report["findings"] if f["category"] == "auth" and f["blocking"]]
    assert auth, "an auth finding fails the run"
    assert any(len(f["affected_tests"]) == 20 for f in auth), "the failed setup took 20 tests down"


def test_the_auth_surface_points_at_the_database_error_behind_it(cli: Cli) -> None:
    report = cli.summary("auth-setup-fails.log", "--format", "json").json()
    by_id = {f["id"]: f for f in report["findings"]}
    surface = next(f for f in report["findings"] if f["rule"] == "supabase-auth-database-error")
    behind = [by_id[i] for i in surface["related"]]
    assert [f["fields"].get("constraint") for f in behind] == ["profiles_org_id_fkey"]


def test_the_supported_claim_counts_each_test_once(cli: Cli) -> None:
    claim = claim_of(cli, "auth-setup-fails.log", "auth")
    counted = re.search(r"linked to (\d+) tests?", claim["reason"])
    assert counted is not None
    assert int(counted.group(1)) <= 21, "20 tests and the suite itself, at most"


@pytest.mark.parametrize(
    ("log", "verdict"),
    [
        ("seed-no-auth-noise.log", "not_supported"),
        ("seed-run.log", "partly_supported"),
        ("auth-setup-fails.log", "supported"),
    ],
)
def test_a_claim_in_words_maps_to_its_category(cli: Cli, log: str, verdict: str) -> None:
    claim = claim_of(cli, log, "auth user creation is failing")
    assert claim["category"] == "auth"
    assert claim["verdict"] == verdict
    assert claim["claim"] == "auth user creation is failing"


def test_a_claim_no_category_fits_is_a_usage_error(cli: Cli) -> None:
    run = cli.summary("seed-run.log", "--claim", "the moon is made of cheese")
    assert run.code == 2
    assert run.out == ""
    assert run.err.startswith("testtriage: ") and run.err.count("\n") == 1


def test_the_claim_shows_in_text_and_markdown(cli: Cli) -> None:
    text = cli.summary("seed-no-auth-noise.log", "--claim", "auth").out
    assert re.search(r"^Claim +NOT SUPPORTED", text, re.MULTILINE)
    markdown = cli.summary("seed-no-auth-noise.log", "--format", "markdown", "--claim", "auth").out
    assert "## Claim Check" in markdown
    assert "**not supported**" in markdown


def baseline_of(cli: Cli, tmp_path: Path, before: str, after: str) -> dict[str, Any]:
    saved = tmp_path / "baseline.json"
    first = cli.summary(before, "--format", "json", "--save", str(saved))
    assert saved.exists() and first.code in (0, 1)
    run = cli.summary(after, "--format", "json", "--baseline", str(saved))
    report = run.json()
    report["baseline_report"] = first.json()
    return report


def test_the_same_run_twice_is_unchanged(cli: Cli, tmp_path: Path) -> None:
    report = baseline_of(cli, tmp_path, "seed-run.log", "seed-run.log")
    base = report["verdict"]["baseline"]
    assert base["new"] == [] and base["resolved"] == []
    assert sorted(base["unchanged"]) == sorted(f["id"] for f in report["findings"])
    assert base["tests_before"] == base["tests_now"] == "18/20"
    assert "same as the baseline" in base["summary"]


def test_the_fixed_run_resolves_the_parse_and_enum_findings(cli: Cli, tmp_path: Path) -> None:
    report = baseline_of(cli, tmp_path, "seed-run.log", "seed-fixed.log")
    base = report["verdict"]["baseline"]
    before = {f["id"]: f for f in report["baseline_report"]["findings"]}
    resolved = {before[i]["category"] for i in base["resolved"]}
    assert {"parse", "enum"} <= resolved
    assert all(before[i]["blocking"] for i in base["resolved"])
    assert base["new"] == []
    still = {f["category"] for f in report["findings"] if f["id"] in base["unchanged"]}
    assert "fk_timing" in still, "the foreign-key warnings are still there"
    assert (base["tests_before"], base["tests_now"]) == ("18/20", "20/20")
    assert report["tests"]["failed"] == 0


def test_the_baseline_shows_in_text_and_markdown(cli: Cli, tmp_path: Path) -> None:
    saved = tmp_path / "baseline.json"
    cli.summary("seed-run.log", "--format", "json", "--save", str(saved))
    text = cli.summary("seed-fixed.log", "--baseline", str(saved)).out
    assert re.search(r"^Baseline +20/20 passing", text, re.MULTILINE)
    markdown = cli.summary("seed-fixed.log", "--format", "markdown", "--baseline", str(saved)).out
    assert "## Baseline Comparison" in markdown
    assert "| Tests passing | 18/20 | 20/20 |" in markdown


def test_a_broken_baseline_is_a_usage_error(cli: Cli, tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"schema": "something-else"}', encoding="utf-8")
    run = cli.summary("seed-run.log", "--baseline", str(broken))
    assert run.code == 2 and run.out == ""
    assert run.err.count("\n") == 1 and "Traceback" not in run.err
