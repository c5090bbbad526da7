"""What a driver of many runs (the sweep) adds around one run; `factory run` needs none of it.

- `should_stop` is asked at every node boundary; a reason stops the run there, resumably
  (it stays `running` with no live driver, so `factory resume` or the next sweep continues it).
- `on_activity` sees every harness event (model and tool calls) for a live view.
- `pool` hands out pre-started sandboxes (`[sandbox] warm_pool_size`).
- `ticket` is the ticket as the sweep read it (a store ticket has no file to read again);
  `sweep_id` is recorded on the run; `ticket_runs_seen` are the ticket's runs the sweep saw
  when it chose it: the run is created only if no other appeared since (atomically).
- `on_run_created` learns the new run's id as soon as the run row exists.
- `eval_id` marks the run as an eval's (recorded on the run: readers of runs leave it out),
  and `forge` replaces the repository's forge (an eval's `EvalForge`, which reaches no real
  forge: the run then pushes, opens and merges nothing outside its throwaway clone).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from factory.forges.base import Forge
    from factory.run.run_context import RunContext
    from factory.tickets.model import Ticket
    from harness.events import HarnessEvent
    from sandboxes.pool import WarmPool

StopCheck = Callable[[], "str | None"]
"""Returns why the run should stop at this node boundary, or None to go on."""


class RunStopped(RuntimeError):
    """The driver asked the run to stop at a node boundary; it stays resumable."""


@dataclass
class RunHooks:
    should_stop: StopCheck | None = None
    on_activity: Callable[[HarnessEvent], None] | None = None
    pool: WarmPool | None = None
    ticket: Ticket | None = None
    sweep_id: str | None = None
    ticket_runs_seen: frozenset[str] | None = None
    on_run_created: Callable[[str], None] | None = None
    eval_id: str | None = None
    forge: Forge | None = None
    prepare_thread: Callable[[Any, dict[str, Any], RunContext], None] | None = None
