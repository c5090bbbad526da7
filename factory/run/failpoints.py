"""Named places where a test can make the process die on purpose, like `kill -9` would.

`FACTORY_FAILPOINTS=after:code,deliver:pushed factory run ...` kills the process with SIGKILL
the moment it reaches either place. Crash-recovery tests use it to stop a run at an exact
step (a signal sent from outside could land anywhere); unset, it costs one dict lookup.
"""

from __future__ import annotations

import os
import signal

ENV = "FACTORY_FAILPOINTS"


def hit(name: str) -> None:
    """Die here if the environment names this failpoint."""
    wanted = os.environ.get(ENV)
    if wanted and name in wanted.split(","):
        os.kill(os.getpid(), signal.SIGKILL)
