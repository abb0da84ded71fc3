"""Starting the TUI from the command line: `watch`, `run -- COMMAND` and the demo."""

from __future__ import annotations

import argparse
import contextlib
import os
import select
import shlex
import sys
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from testtriage.core.baseline import BaselineData, BaselineError, load_baseline
from testtriage.core.claim import ClaimError, claim_category
from testtriage.core.ingest import CommandError, CommandRun, SourceError, expand_sources
from testtriage.core.ingest.chunks import SourceSpec
from testtriage.core.rules.engine import RuleEngine
from testtriage.core.rules.loader import RuleFileError
from testtriage.headless.run_command import start_command
from testtriage.headless.summary import fail, load_engine

WORKER_GRACE = 3.0
"""Seconds the ingest worker gets to stop after the app closes."""
SPOOL_POLL_MS = 100
SPOOL_READ = 1 << 16


class StdinError(Exception):
    """Standard input cannot be followed in the TUI; the message says why in one line."""


@dataclass
class StdinSpool:
    """A pipe on standard input, moved off fd 0 (the terminal takes its place, for the keys)
    and copied into a file as it comes, so the Log tab can read its lines back."""

    pipe: int
    path: str
    stop: threading.Event
    done: threading.Event
    """Set when the pipe has closed and everything is in the file."""
    thread: threading.Thread

    @classmethod
    def start(cls) -> StdinSpool:
        if os.isatty(0):
            raise StdinError(
                "nothing is piped into standard input (try: COMMAND | testtriage watch -)"
            )
        try:
            terminal = os.open("/dev/tty", os.O_RDWR)
        except OSError:
            raise StdinError(
                "no terminal to read keys from (/dev/tty): use `testtriage summary -` for a pipe"
            ) from None
        pipe = os.dup(0)
        os.dup2(terminal, 0)
        os.close(terminal)
        handle, path = tempfile.mkstemp(prefix="testtriage-stdin-", suffix=".log")
        stop, done = threading.Event(), threading.Event()
        thread = threading.Thread(
            target=_spool, args=(pipe, handle, stop, done), name="testtriage-stdin", daemon=True
        )
        thread.start()
        return cls(pipe, path, stop, done, thread)

    @property
    def spec(self) -> SourceSpec:
        return SourceSpec(path=self.path, label="stdin")

    def close(self) -> None:
        """Stop copying, close the pipe and remove the file."""
        self.stop.set()
        self.thread.join(timeout=1.0)
        with contextlib.suppress(OSError):
            os.close(self.pipe)
        with contextlib.suppress(OSError):
            os.unlink(self.path)


def _spool(pipe: int, handle: int, stop: threading.Event, done: threading.Event) -> None:
    waiter = select.poll()
    waiter.register(pipe, select.POLLIN | select.POLLHUP)
    try:
        while not stop.is_set():
            if not waiter.poll(SPOOL_POLL_MS):
                continue
            data = os.read(pipe, SPOOL_READ)
            if not data:
                return
            view = memoryview(data)
            while view:
                view = view[os.write(handle, view) :]
    except OSError:
        return
    finally:
        os.close(handle)
        done.set()


def run_app(
    specs: Sequence[SourceSpec],
    engine: RuleEngine,
    *,
    claim: str | None = None,
    title: str = "testtriage",
    command: CommandRun | None = None,
    input_done: threading.Event | None = None,
    from_end: bool = False,
    baseline: BaselineData | None = None,
) -> int:
    """Run the TUI until the user quits; returns the summary's exit code for what was read."""
    from testtriage.tui.app import make_app

    app = make_app(
        specs,
        engine,
        claim=claim,
        title=title,
        command=command,
        input_done=input_done,
        from_end=from_end,
        baseline=baseline,
    )
    result = app.run()
    app.stop_ingest()
    app.wait_for_ingest(WORKER_GRACE)
    return result if result is not None else app.outcome()


def run_watch(args: argparse.Namespace) -> int:
    """`testtriage watch PATH... | -`."""
    try:
        engine = load_engine(args)
        if args.claim:
            claim_category(args.claim)
        baseline = load_baseline(args.baseline) if args.baseline else None
        specs = expand_sources(list(args.paths), follow=True)
    except (RuleFileError, ClaimError, BaselineError, SourceError) as exc:
        return fail(str(exc))
    spool = None
    if any(spec.is_stdin for spec in specs):
        try:
            spool = StdinSpool.start()
        except StdinError as exc:
            return fail(str(exc))
        specs = [spool.spec if spec.is_stdin else spec for spec in specs]
    try:
        return run_app(
            specs,
            engine,
            claim=args.claim,
            # A closed pipe ends the run only when it is all there is to read.
            input_done=spool.done if spool is not None and len(specs) == 1 else None,
            from_end=args.from_end,
            baseline=baseline,
        )
    finally:
        if spool is not None:
            spool.close()


def run_command_tui(args: argparse.Namespace) -> int:
    """`testtriage run -- COMMAND`: run it, follow its log in the TUI, report how it ended."""
    try:
        engine = load_engine(args)
        if args.claim:
            claim_category(args.claim)
        baseline = load_baseline(args.baseline) if args.baseline else None
        command, log = start_command(args)
    except (RuleFileError, ClaimError, BaselineError, CommandError) as exc:
        return fail(str(exc))
    spec = SourceSpec(path=str(log), label=log.name)
    try:
        code = run_app([spec], engine, claim=args.claim, command=command, baseline=baseline)
    finally:
        # Quitting while the tests still run stops them: nobody is watching any more.
        command.terminate()
    status = command.wait()
    print(f"testtriage: output saved to {log}", file=sys.stderr)
    print(f"testtriage: `{shlex.join(command.argv)}` exited with status {status}", file=sys.stderr)
    if command.error:
        print(f"testtriage: {command.error}", file=sys.stderr)
    return 1 if code or status else 0
