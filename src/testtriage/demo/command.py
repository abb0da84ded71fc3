"""`testtriage demo`: replay the bundled run into a file and triage it live."""

from __future__ import annotations

import argparse

from testtriage.core.baseline import BaselineError, load_baseline
from testtriage.core.claim import ClaimError, claim_category
from testtriage.core.ingest.chunks import SourceSpec
from testtriage.core.rules.loader import RuleFileError

HEADLESS_SPEED = 10.0
"""Headless, nobody watches the pace: the demo still streams, just faster."""
IDLE_TIMEOUT = 30.0


def run_demo(args: argparse.Namespace) -> int:
    from testtriage.demo.replay import demo_run
    from testtriage.headless.summary import fail, load_engine, read_state, report

    try:
        engine = load_engine(args)
        if args.claim:
            claim_category(args.claim)
        baseline = load_baseline(args.baseline) if args.baseline else None
    except (RuleFileError, ClaimError, BaselineError) as exc:
        return fail(str(exc))
    speed = args.speed or (HEADLESS_SPEED if args.headless else 1.0)
    if speed <= 0:
        return fail("--speed must be positive")
    path, thread, stop = demo_run(speed)
    spec = SourceSpec(path=str(path), label="demo/test.log")
    try:
        if not args.headless:
            from testtriage.tui.launch import run_app

            return run_app(
                [spec], engine, claim=args.claim, title="testtriage demo", baseline=baseline
            )
        state = read_state(engine, [spec], follow_live=True, idle_timeout=IDLE_TIMEOUT)
        return report(args, state, baseline)
    finally:
        stop.set()
        thread.join(timeout=2)
