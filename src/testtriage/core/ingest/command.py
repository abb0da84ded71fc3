"""Running a command in a pseudo-terminal, appending its output to a log file as it comes."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import termios
import threading
import time
from collections.abc import Mapping, Sequence

DRAIN_IDLE_SECONDS = 0.5
"""After the command exits, a pause in output this long ends the log (children it left behind
may still hold the terminal open)."""
DRAIN_LIMIT_SECONDS = 5.0
"""After the command exits, the log ends this long afterwards at the latest."""
_READ_BYTES = 1 << 16
_POLL_MS = 100


class CommandError(Exception):
    """A command that could not be started; the message is one line, fit for the user."""


class CommandRun:
    """A command running in a pseudo-terminal, its output appended to a log file.

    The terminal makes test runners print as they do for a person (colours, their usual
    reporters); the rest of the app follows the log file like any other source. Output lines
    end in `\\n` (the terminal's `\\n` -> `\\r\\n` translation is turned off). The command runs
    in a session of its own, so `terminate()` reaches every process it started. It has no
    controlling terminal, so a program that opens `/dev/tty` itself will fail to.

    The exit status follows the shell's convention: the command's own code, or 128 + N when
    signal N ended it.
    """

    def __init__(
        self,
        argv: Sequence[str],
        log_path: str | os.PathLike[str],
        *,
        cwd: str | os.PathLike[str] | None = None,
        env: Mapping[str, str] | None = None,
        columns: int = 120,
        rows: int = 40,
    ) -> None:
        """Start the command; raise `CommandError` if it cannot be started."""
        if not argv:
            raise CommandError("no command given")
        self.argv = list(argv)
        self.log_path = os.fspath(log_path)
        try:
            self._log = open(self.log_path, "ab", buffering=0)  # noqa: SIM115 - closed by the pump
        except OSError as exc:
            raise CommandError(f"cannot write the log {self.log_path}: {_reason(exc)}") from None
        master, slave = pty.openpty()
        try:
            _configure_terminal(slave, columns, rows)
            self._process = subprocess.Popen(
                self.argv,
                stdin=slave,
                stdout=slave,
                stderr=slave,
                cwd=cwd,
                env=env,
                start_new_session=True,
            )
        except OSError as exc:
            os.close(master)
            self._log.close()
            raise CommandError(_start_failure(self.argv[0], cwd, exc)) from None
        finally:
            # Only the child may hold the terminal's other end, or reads never see its end.
            os.close(slave)
        self._master = master
        self._exit_code: int | None = None
        self.done = threading.Event()
        """Set once the command has exited and its output is all in the log."""
        self.error: str | None = None
        """Why copying the output stopped early (e.g. the disk is full), in one line."""
        self._pump = threading.Thread(
            target=self._pump_output, name=f"testtriage-run-{self.pid}", daemon=True
        )
        self._pump.start()

    @property
    def pid(self) -> int:
        return self._process.pid

    @property
    def exit_code(self) -> int | None:
        """The exit status once `done`, else None."""
        return self._exit_code if self.done.is_set() else None

    def wait(self, timeout: float | None = None) -> int:
        """Wait until the command is done; return its exit status.

        Raises:
            TimeoutError: it is still running after `timeout` seconds.
        """
        if not self.done.wait(timeout):
            raise TimeoutError(f"{self.argv[0]} still running after {timeout} s")
        assert self._exit_code is not None
        return self._exit_code

    def terminate(self, grace: float = 3.0) -> None:
        """SIGTERM to every process of the command; SIGKILL to them if not done after `grace` s."""
        if self.done.is_set():
            return
        self._signal_group(signal.SIGTERM)
        if not self.done.wait(grace):
            self._signal_group(signal.SIGKILL)

    def _signal_group(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._process.pid, signum)

    def _pump_output(self) -> None:
        try:
            self._copy_output()
        except OSError as exc:
            self.error = f"copying the output of {self.argv[0]} stopped: {_reason(exc)}"
        finally:
            os.close(self._master)
            self._log.close()
            code = self._process.wait()
            self._exit_code = 128 - code if code < 0 else code
            self.done.set()

    def _copy_output(self) -> None:
        waiter = select.poll()
        waiter.register(self._master, select.POLLIN)
        exited_at: float | None = None
        last_output = time.monotonic()
        while True:
            if waiter.poll(_POLL_MS):
                try:
                    data = os.read(self._master, _READ_BYTES)
                except OSError as exc:
                    # EIO: every process holding the terminal has gone, the normal end on Linux.
                    if exc.errno == errno.EIO:
                        return
                    raise
                if not data:
                    return
                _write_all(self._log.fileno(), data)
                last_output = time.monotonic()
            if exited_at is None:
                if self._process.poll() is None:
                    continue
                exited_at = time.monotonic()
            now = time.monotonic()
            quiet = now - max(last_output, exited_at)
            if quiet >= DRAIN_IDLE_SECONDS or now - exited_at >= DRAIN_LIMIT_SECONDS:
                return


def _configure_terminal(fd: int, columns: int, rows: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    attributes = termios.tcgetattr(fd)
    attributes[1] &= ~termios.ONLCR
    termios.tcsetattr(fd, termios.TCSANOW, attributes)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _start_failure(program: str, cwd: str | os.PathLike[str] | None, exc: OSError) -> str:
    # Popen names the working directory, as it was given, when changing into it failed.
    if cwd is not None and exc.filename is not None and str(exc.filename) == os.fspath(cwd):
        return f"cannot run {program}: no such directory: {os.fspath(cwd)}"
    if isinstance(exc, FileNotFoundError):
        return f"command not found: {program}"
    return f"cannot run {program}: {_reason(exc)}"


def _reason(exc: OSError) -> str:
    return (exc.strerror or str(exc)).lower()
