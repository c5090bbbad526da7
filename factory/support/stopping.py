"""Ctrl-C and SIGTERM during a sweep: the first drains, the second stops at once.

Draining: nothing new starts, running tickets stop at their next node boundary (their last
checkpoint is written; each stays resumable) within a grace period, containers are removed
as their runs unwind. Stopping at once: the process exits at once, runs keep their
checkpoints and their leases die with the process, so the next sweep resumes them; a detached
reaper removes the process's containers once it is gone.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from sandboxes import cleanup

ABORT_EXIT_CODE = 130
_REAPER = """
import os, sys, time
parent = int(sys.argv[1])
for _ in range(600):
    try:
        os.kill(parent, 0)
    except ProcessLookupError:
        break
    time.sleep(0.05)
from sandboxes.prune import prune
prune()
"""
"""Run by a detached interpreter: wait for the aborted sweep to exit, then reap its containers."""


class StopSignal:
    """Shared by the sweep's driver and its runs' `should_stop` hooks."""

    def __init__(self) -> None:
        self._drain = threading.Event()
        self.reason: str | None = None
        self._on_abort: list[Callable[[], None]] = []

    @property
    def requested(self) -> bool:
        return self._drain.is_set()

    def request(self, reason: str) -> None:
        """Start nothing new; running tickets stop at their next checkpoint."""
        if not self._drain.is_set():
            self.reason = reason
            self._drain.set()

    def wait(self, timeout: float) -> bool:
        return self._drain.wait(timeout)

    def on_abort(self, action: Callable[[], None]) -> None:
        """Something to do (quickly) before the process exits on a second signal."""
        self._on_abort.append(action)

    def abort(self) -> None:
        """Stop at once: exit now, and leave this process's containers to a reaper.

        Removing the containers from here would make the runs still inside them fail, and
        record that, in the moment before the exit: the runs must stay resumable instead. So
        a detached reaper waits for this process to be gone and then removes the containers
        of dead owners (the same `prune` every run start does).
        """
        for action in self._on_abort:
            with contextlib.suppress(Exception):  # exiting anyway; the runs stay resumable
                action()
        with contextlib.suppress(OSError):
            subprocess.Popen(
                [sys.executable, "-c", _REAPER, str(os.getpid())],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        os._exit(ABORT_EXIT_CODE)

    @contextmanager
    def installed(self, announce: Callable[[str], None] = lambda _line: None) -> Iterator[None]:
        """Route SIGINT and SIGTERM here while the sweep runs (main thread only)."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        # The sandbox layer's own SIGTERM handler would exit at once while containers live:
        # install it first so ours replaces it for the sweep, then restore both afterwards.
        cleanup.install_sigterm_handler()
        previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

        def handle(signum: int, _frame: FrameType | None) -> None:
            name = signal.Signals(signum).name
            if self.requested:
                announce(f"{name} again: stopping now; every run stays resumable")
                self.abort()
            self.request(f"{name} received")
            announce(
                f"{name}: starting nothing new; running tickets stop at their next checkpoint "
                f"({name} again stops at once)"
            )

        for sig in previous:
            signal.signal(sig, handle)
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, _restorable(handler))


def _restorable(handler: Any) -> Any:
    return handler if handler is not None else signal.SIG_DFL
