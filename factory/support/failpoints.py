"""Named places where a test can make the process die (or freeze) on purpose.

`FACTORY_FAILPOINTS=after:code,deliver:pushed factory run ...` kills the process with SIGKILL
the moment it reaches either place, as `kill -9` would. `after:plan=stop` freezes it there
with SIGSTOP instead (alive, holding its run's lease, heartbeat silent) until a SIGCONT:
tests use it to prove a second process cannot drive the same run. `run:started=raise` raises
`FailpointReached` instead, for tests that drive the command line in their own process and
only need to know a place was reached. Crash-recovery tests stop a run at an exact step this
way (a signal sent from outside could land anywhere); unset, it costs one dict lookup.
"""

from __future__ import annotations

import os
import signal
import threading

ENV = "FACTORY_FAILPOINTS"
ACTIONS = {"": signal.SIGKILL, "kill": signal.SIGKILL, "stop": signal.SIGSTOP, "raise": None}


class FailpointReached(BaseException):
    """Raised by a `=raise` failpoint. A BaseException, so no handler in the product (which
    catch `Exception`) mistakes it for a failure to record: it leaves as a crash would."""


QUIET = threading.Lock()
"""Held by background writers (the lease heartbeat) around each write, and by a `stop`
failpoint while it freezes the process: frozen, it holds no database lock that would
block the very process the test starts next (a SQLite write lock is file-wide)."""


def hit(name: str) -> None:
    """Die (or freeze, or raise) here if the environment names this failpoint."""
    wanted = os.environ.get(ENV)
    if not wanted:
        return
    for entry in wanted.split(","):
        point, _, action = entry.partition("=")
        if point != name:
            continue
        if ACTIONS[action] is None:
            raise FailpointReached(name)
        if ACTIONS[action] == signal.SIGSTOP:
            with QUIET:
                os.kill(os.getpid(), signal.SIGSTOP)
        else:
            os.kill(os.getpid(), signal.SIGKILL)
