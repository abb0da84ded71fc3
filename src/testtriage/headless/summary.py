"""`testtriage summary`: read the sources, diagnose the run, print the report, set the exit code."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import orjson

from testtriage.core.baseline import BaselineData, BaselineError, compare, load_baseline
from testtriage.core.claim import ClaimError, check_claim, claim_category
from testtriage.core.diagnosis import Diagnosis, diagnose
from testtriage.core.ingest import SourceError, expand_sources, read_sources
from testtriage.core.ingest.chunks import SourceSpec
from testtriage.core.report import summary_report
from testtriage.core.rules.engine import RuleEngine
from testtriage.core.rules.loader import RuleFileError
from testtriage.core.session import FollowLimits, Session, analyze, build_engine, follow
from testtriage.core.state import RunState
from testtriage.core.verdict import Verdict, verdict_of
from testtriage.headless.progress import StatusLine

EXIT_OK, EXIT_BLOCKING, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A problem with the command line or its inputs, reported in one line (exit 2)."""


def fail(message: str) -> int:
    print(f"testtriage: {message}", file=sys.stderr)
    return EXIT_USAGE


def load_engine(args: argparse.Namespace) -> RuleEngine:
    """The rule engine for these arguments (`--rules`, `--no-config`)."""
    from testtriage.config import load_config

    config = load_config(list(args.rules), discover=not args.no_config)
    return build_engine(config)


@dataclass(frozen=True, slots=True)
class Outcome:
    """A finished diagnosis with what the report needs."""

    diagnosis: Diagnosis
    verdict: Verdict
    input_problems: tuple[str, ...]


def conclude(
    state: RunState, claim: str | None, baseline: BaselineData | None
) -> tuple[Diagnosis, Verdict]:
    """Diagnose a state and build its verdict, with the claim check and baseline if asked."""
    diagnosis = diagnose(state)
    claim_check = check_claim(diagnosis, claim) if claim else None
    comparison = compare(diagnosis, baseline) if baseline is not None else None
    return diagnosis, verdict_of(diagnosis, claim_check, comparison)


def input_problems(state: RunState) -> tuple[str, ...]:
    """One line per source that could not be read (missing, binary, unreadable)."""
    return tuple(
        f"{status.name}: {status.message or status.status}"
        for status in state.sources.values()
        if status.status in ("error", "binary")
    )


def run_summary(args: argparse.Namespace) -> int:
    try:
        engine = load_engine(args)
        if args.claim:
            claim_category(args.claim)
        baseline = load_baseline(args.baseline) if args.baseline else None
        specs = expand_sources(list(args.paths), follow=args.follow)
    except (RuleFileError, ClaimError, BaselineError, SourceError) as exc:
        return fail(str(exc))
    if args.idle_timeout is not None and not args.follow:
        return fail("--idle-timeout only makes sense with --follow")
    state = read_state(
        engine,
        specs,
        follow_live=args.follow,
        from_end=args.from_end,
        idle_timeout=args.idle_timeout,
    )
    return report(args, state, baseline)


def read_state(
    engine: RuleEngine,
    specs: list[SourceSpec],
    *,
    follow_live: bool,
    from_end: bool = False,
    idle_timeout: float | None = None,
) -> RunState:
    """Read the sources, whole or live, showing progress on stderr when it is a terminal."""
    status = StatusLine(enabled=sys.stderr.isatty())
    session = Session(engine, specs, following=follow_live)
    streamed = session.read_reports(specs)
    try:
        if not follow_live:
            progress = status.update if status.enabled else None
            return analyze(session, read_sources(streamed, from_end=from_end), progress)
        if not streamed:
            return session.finish()
        import asyncio  # a live follow only: one-pass summaries start faster without it

        from testtriage.core.ingest import follow_sources

        limits = FollowLimits(until_finished=True, idle_timeout=idle_timeout)
        return asyncio.run(
            follow(session, follow_sources(streamed, from_end=from_end), limits, status.update)
        )
    except KeyboardInterrupt:
        # Report what was read so far: an interrupted follow is the normal way to stop one.
        return session.finish()
    finally:
        status.close()


def report(args: argparse.Namespace, state: RunState, baseline: BaselineData | None) -> int:
    """Print the report in the asked format and return the exit code."""
    diagnosis, verdict = conclude(state, args.claim, baseline)
    problems = input_problems(state)
    redact = not args.no_redact
    if args.save:
        data = orjson.dumps(summary_report(diagnosis, verdict, redact=redact), option=_JSON_OPTIONS)
        try:
            Path(args.save).write_bytes(data + b"\n")
        except OSError as exc:
            problems += (f"cannot save report to {args.save}: {exc.strerror or exc}",)
    write_report(args.format, diagnosis, verdict, verbose=args.verbose, redact=redact)
    for problem in problems:
        print(f"testtriage: {problem}", file=sys.stderr)
    if problems:
        return EXIT_USAGE
    return exit_code(diagnosis, args.fail_on)


_JSON_OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS


def write_report(
    fmt: str, diagnosis: Diagnosis, verdict: Verdict, *, verbose: bool, redact: bool
) -> None:
    """Write the report to stdout (only the report goes there)."""
    out = sys.stdout
    if fmt == "json":
        data = orjson.dumps(summary_report(diagnosis, verdict, redact=redact), option=_JSON_OPTIONS)
        out.buffer.write(data + b"\n")
        out.flush()
        return
    if fmt == "markdown":
        from testtriage.render.markdown import markdown_report

        out.write(markdown_report(diagnosis, verdict, verbose=verbose, redact=redact))
        out.flush()
        return
    if fmt == "github":
        from testtriage.render.github import github_report

        annotations, summary = github_report(diagnosis, verdict, redact=redact)
        out.write(annotations)
        out.flush()
        step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if step_summary:
            try:
                with open(step_summary, "a", encoding="utf-8") as handle:
                    handle.write(summary)
            except OSError as exc:
                print(f"testtriage: cannot write the step summary: {exc}", file=sys.stderr)
        return
    from testtriage.render.text import print_text_report, report_console

    print_text_report(report_console(), diagnosis, verdict, verbose=verbose, redact=redact)


def exit_code(diagnosis: Diagnosis, fail_on: str) -> int:
    """0 nothing blocking, 1 blocking findings or failed tests (per `--fail-on`)."""
    if fail_on == "never":
        return EXIT_OK
    counts = diagnosis.state.counts()
    failing = counts.failed + counts.errors > 0 or bool(diagnosis.blocking)
    if fail_on == "any":
        return EXIT_BLOCKING if failing or diagnosis.findings else EXIT_OK
    return EXIT_BLOCKING if failing else EXIT_OK
