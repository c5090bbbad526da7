"""The seam every agent command crosses: the `Sandbox` protocol and its result type."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Protocol, Self, runtime_checkable

from pydantic import BaseModel, ConfigDict


class ExecResult(BaseModel):
    """What one command did inside a sandbox."""

    model_config = ConfigDict(frozen=True)

    exit_code: int
    """The command's exit status; -1 when it was killed (timeout, OOM) before reporting one."""
    stdout: str
    stderr: str
    truncated: bool = False
    """True when output was longer than the cap and its middle was dropped."""
    timed_out: bool = False
    oom_killed: bool = False
    pids_exhausted: bool = False
    """The command's processes filled the sandbox's process limit and stayed (a fork bomb):
    the sandbox was restarted to stop them, which also emptied its /tmp and HOME."""
    duration_s: float = 0.0

    @property
    def ok(self) -> bool:
        return (
            self.exit_code == 0
            and not self.timed_out
            and not self.oom_killed
            and not self.pids_exhausted
        )


@runtime_checkable
class Sandbox(Protocol):
    """An isolated place to run commands against a worktree mounted at `/workspace`.

    Used as a context manager: entering starts it, leaving always removes it.
    """

    def exec(
        self,
        cmd: str | Sequence[str],
        *,
        timeout: float | None = None,
        cwd: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> ExecResult:
        """Run `cmd` (a shell string or an argv list) and wait for it, bounded by `timeout`."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
