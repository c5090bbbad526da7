"""Containers are removed on every exit path: normal exit, exception, Ctrl-C and SIGTERM.

Context managers cover exceptions and KeyboardInterrupt. SIGTERM would kill Python without
unwinding, so while any sandbox is alive a handler turns it into SystemExit (143) and the
same `__exit__` paths run; an atexit hook removes anything still registered after that.
With no sandbox alive, SIGTERM behaves exactly as it did before the handler was installed.

`remove_later` removes a container off the caller's path, once its work is recorded: in a
non-daemon thread, which the interpreter waits for before it exits (and before the atexit
hook, which would still remove the container if the thread could not).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

_lock = threading.Lock()
_live: dict[str, Callable[[], None]] = {}
_previous_handler: Any = None
_installed = False
_removing: set[threading.Thread] = set()


def register(container_id: str, remove: Callable[[], None]) -> None:
    with _lock:
        _live[container_id] = remove
    install_sigterm_handler()


def unregister(container_id: str) -> None:
    with _lock:
        _live.pop(container_id, None)


def live_containers() -> list[str]:
    with _lock:
        return list(_live)


def remove_later(remove: Callable[[], None]) -> None:
    """Run `remove` (a sandbox's idempotent removal) in the background; see the module doc."""

    def run() -> None:
        try:
            with contextlib.suppress(Exception):  # it stays registered: the atexit hook retries
                remove()
        finally:
            with _lock:
                _removing.discard(thread)

    thread = threading.Thread(target=run, name="sandbox-removal", daemon=False)
    with _lock:
        _removing.add(thread)
    thread.start()


def wait_for_removals(timeout: float = 60.0) -> None:
    """Block until the background removals started so far are done (or `timeout` passes)."""
    with _lock:
        pending = list(_removing)
    for thread in pending:
        thread.join(timeout)


def remove_all() -> None:
    with _lock:
        removers = list(_live.values())
        _live.clear()
    for remove in removers:
        with contextlib.suppress(Exception):
            remove()


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    previous = _previous_handler
    if callable(previous):
        previous(signum, frame)
    if not live_containers() and previous is None:
        # No sandbox to protect: die exactly as if this handler had never been installed.
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
        return
    raise SystemExit(128 + signum)


def install_sigterm_handler() -> None:
    global _installed, _previous_handler
    if _installed or threading.current_thread() is not threading.main_thread():
        return
    current = signal.getsignal(signal.SIGTERM)
    if current is signal.SIG_IGN:
        return
    _previous_handler = current if callable(current) else None
    signal.signal(signal.SIGTERM, _on_sigterm)
    _installed = True


atexit.register(remove_all)
