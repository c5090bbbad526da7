"""The kill switch: halting and unhalting a repository (or everything), with audit events.

The halts table records who, when and why; every run in flight in the halted scope also
gets a `factory.halted` / `factory.unhalted` event in its own audit chain, so its
trajectory shows why it stopped. Stopping at the next node boundary is the graph's job:
it asks `store.halts.for_repo(repo)` between nodes, and the `halt` policy refuses to let a
halted run merge.
"""

from dataclasses import dataclass, field

from factory.store.halts import AlreadyHalted
from factory.store.models import Halt, RunStatus
from factory.store.store import Store

HALTED_EVENT = "factory.halted"
UNHALTED_EVENT = "factory.unhalted"
ALL = "all"
IN_FLIGHT = (
    RunStatus.QUEUED,
    RunStatus.RUNNING,
    RunStatus.WAITING_APPROVAL,
    RunStatus.NEEDS_HUMAN,
    RunStatus.HALTED,
)


@dataclass
class HaltResult:
    scope: str
    halts: list[Halt]
    """The halt created (halt) or the halts lifted (unhalt; empty if none was active)."""
    runs_notified: list[str] = field(default_factory=list)
    already: str | None = None
    """Set when the scope was halted already: "already halted by X since T"; nothing added."""


def unhalt_hint(halt: Halt) -> str:
    """The command that lifts `halt`, exactly as it must be typed."""
    return "factory unhalt" if halt.scope == ALL else f"factory unhalt --repo {halt.scope}"


def runs_in_scope(store: Store, scope: str) -> list[str]:
    """The runs in flight in `scope` ("all" or a repository), which a halt concerns."""
    repo = None if scope == ALL else scope
    return [
        run.id
        for status in IN_FLIGHT
        for run in store.runs.latest(status=status, repo=repo, limit=10_000)
    ]


NO_REASON = "no reason given"


def halt(store: Store, scope: str, reason: str, by: str) -> HaltResult:
    """Halt `scope` ("all" or a repository name). The andon cord needs no form filled in:
    an empty reason is recorded as "no reason given"."""
    reason = reason.strip() or NO_REASON
    try:
        record = store.halts.add(scope, reason, by)
    except AlreadyHalted as already:
        return HaltResult(scope=scope, halts=[already.halt], already=str(already))
    runs = runs_in_scope(store, scope)
    payload = {"scope": scope, "reason": reason, "by": by, "halt_id": record.id}
    for run_id in runs:
        store.events.append(run_id, HALTED_EVENT, f"human:{by}", payload)
    return HaltResult(scope=scope, halts=[record], runs_notified=runs)


def active_halts(store: Store) -> list[Halt]:
    """Every halt in force, the factory-wide one first."""
    return sorted(store.halts.active(), key=lambda h: (h.scope != ALL, h.scope))


def unhalt(store: Store, scope: str, by: str) -> HaltResult:
    """Lift the active halts on `scope`. Halts on other scopes stay."""
    lifted = store.halts.lift(scope, by)
    runs = runs_in_scope(store, scope) if lifted else []
    payload = {"scope": scope, "by": by, "lifted": [h.id for h in lifted]}
    for run_id in runs:
        store.events.append(run_id, UNHALTED_EVENT, f"human:{by}", payload)
    return HaltResult(scope=scope, halts=lifted, runs_notified=runs)
