"""`testtriage run -- COMMAND`: run the tests in a terminal, keep their log, triage them live."""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shlex
import sys
import threading
import time
from pathlib import Path

from testtriage.core.baseline import BaselineError, load_baseline
from testtriage.core.claim import ClaimError, claim_category
from testtriage.core.ingest import CommandError, CommandRun, follow_sources
from testtriage.core.ingest.chunks import SourceSpec
from testtriage.core.rules.loader import RuleFileError
from testtriage.core.session import FollowLimits, Session, follow
from testtriage.headless.progress import StatusLine
from testtriage.headless.summary import EXIT_BLOCKING, EXIT_OK, fail, load_engine, report


def default_log_path(argv: list[str]) -> Path:
    """Where a run's output is kept when `--log` is not given: the user's state directory."""
    base = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", " ".join(argv))[:40].strip("-") or "run"
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return base / "testtriage" / "runs" / f"{stamp}-{name}.log"


def command_argv(args: argparse.Namespace) -> list[str]:
    argv = list(args.argv)
    if argv and argv[0] == "--":
        argv = argv[1:]
    return argv


def prepare_log(args: argparse.Namespace, argv: list[str]) -> Path:
    """The log file, created empty (a rerun into the same file starts a new run)."""
    path = Path(args.log) if args.log else default_log_path(argv)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")
    return path


def start_command(args: argparse.Namespace) -> tuple[CommandRun, Path]:
    argv = command_argv(args)
    if not argv:
        raise CommandError("no command given: use `testtriage run -- COMMAND [ARGS...]`")
    try:
        log = prepare_log(args, argv)
    except OSError as exc:
        raise CommandError(f"cannot create the log file: {exc.strerror or exc}") from None
    # Runners start watch mode on a terminal unless CI is set; a run must end by itself.
    env = {**os.environ, "CI": os.environ.get("CI") or "1"}
    return CommandRun(argv, log, env=env), log


def run_command(args: argparse.Namespace) -> int:
    if not args.headless:
        from testtriage.tui.launch import run_command_tui

        return run_command_tui(args)
    try:
        engine = load_engine(args)
        if args.claim:
            claim_category(args.claim)
        baseline = load_baseline(args.baseline) if args.baseline else None
        command, log = start_command(args)
    except (RuleFileError, ClaimError, BaselineError, CommandError) as exc:
        return fail(str(exc))
    spec = SourceSpec(path=str(log))
    session = Session(engine, [spec], following=True)
    status = StatusLine(enabled=sys.stderr.isatty())

    async def triage_live() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        threading.Thread(
            target=lambda: (command.done.wait(), loop.call_soon_threadsafe(stop.set)),
            daemon=True,
        ).start()
        limits = FollowLimits(until_finished=False)
        await follow(
            session, follow_sources([spec], stop=stop, drain_on_stop=True), limits, status.update
        )

    try:
        asyncio.run(triage_live())
    except KeyboardInterrupt:
        # Stopping the run early still reports on what it printed so far.
        command.terminate()
        session.finish()
    finally:
        status.close()
    code = command.wait()
    print(f"testtriage: `{shlex.join(command.argv)}` exited with status {code}", file=sys.stderr)
    print(f"testtriage: output saved to {log}", file=sys.stderr)
    if command.error:
        print(f"testtriage: {command.error}", file=sys.stderr)
    result = report(args, session.state, baseline)
    if result == EXIT_OK and code != 0 and args.fail_on != "never":
        # The command failed even if its output names no failure (a crash, a missing binary).
        return EXIT_BLOCKING
    return result
