"""The sweep: select the backlog, then drive up to K tickets at once, each its own run.

One process, a bounded thread pool. Each ticket is one run through the ordinary runner
(`start_run`, or `resume_run` for an interrupted one), which takes the run's lease and the
ticket's claim in the store: two sweeps racing for one ticket cannot both run it, the loser
reports it as in progress. Before each start the driver checks the stop signal, `--max-wall`,
`--limit` and the sweep budget, and records every ticket it does not start, with its reason,
as a `sweep.skipped` event on the sweep's own audit chain.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import structlog

from factory.config import FactoryConfig
from factory.run.hooks import RunHooks
from factory.run.run_context import NodeObserver
from factory.run.runner import RunError, RunSummary, resume_run, start_run
from factory.run.setup import ROLES, RunOptions
from factory.run.state import RunState
from factory.store import LeaseHeld, Store, TicketClaimed
from factory.store.database import installation_id
from factory.support.errors import FactoryError
from factory.sweep.backlog import (
    BacklogProblem,
    BacklogTicket,
    gather_backlog,
    github_issue_source,
)
from factory.sweep.budget import (
    Spend,
    SweepBudget,
    SweepBudgetError,
    over_budget,
    per_run_limit,
    require_enforceable,
)
from factory.sweep.facts import OpenPullRequests, gather_facts
from factory.sweep.outcome import PickedTicket, SweepRequest, SweepResult, TicketOutcome
from factory.sweep.recorded import MAX_WALL_PASSED
from factory.sweep.selection import Pick, Selection, Skip, SkipReason, select_tickets, skip
from factory.sweep.stopping import StopSignal
from harness.events import HarnessEvent
from sandboxes.docker_engine import connect, require_image
from sandboxes.errors import SandboxError
from sandboxes.pool import WarmPool

log = structlog.get_logger()
POLL_S = 0.25
DEFAULT_CASSETTE = "default.jsonl"


class SweepError(FactoryError, ValueError):
    """The sweep cannot start as asked; the message says what to change."""

    code = "bad_input"


class SweepObserver:
    """What a live view hears from a sweep. Every method may be called from worker threads."""

    def ticket_started(self, pick: Pick) -> None:
        return None

    def run_created(self, identity: str, run_id: str) -> None:
        return None

    def node(self, identity: str, node: str, phase: str, state: RunState | None) -> None:
        return None

    def activity(self, identity: str, event: HarnessEvent) -> None:
        return None

    def ticket_finished(self, outcome: TicketOutcome) -> None:
        return None

    def skipped(self, skipped: Skip) -> None:
        return None


def run_sweep(
    config: FactoryConfig,
    store: Store,
    request: SweepRequest,
    *,
    observer: SweepObserver | None = None,
    stop: StopSignal | None = None,
) -> SweepResult:
    """Sweep the backlog (or, with `dry_run`, only say what a sweep would do)."""
    started = datetime.now(UTC)
    repos = check_request(config, request)
    budget = SweepBudget(usd=request.budget_usd, tokens=request.budget_tokens)
    try:
        require_enforceable(budget, model_names(config, request), config)
    except SweepBudgetError as error:
        raise SweepError(str(error)) from error
    backlog, problems, selection = select_backlog(config, store, repos, request)
    concurrency = request.concurrency or config.sweep.concurrency
    if request.dry_run:
        planned, later = _dry_run(config, request, budget, selection.picks)
        return SweepResult(
            sweep_id=None,
            dry_run=True,
            request=request,
            started_at=started,
            finished_at=datetime.now(UTC),
            considered=len(backlog) + len(problems),
            planned=planned,
            skips=[*selection.skips, *later],
            problems=problems,
            concurrency=concurrency,
        )
    if selection.picks:
        _require_sandbox(config)
    sweep = store.create_sweep(request.model_dump(mode="json"))
    store.sweep_event(
        sweep.id,
        "sweep.started",
        {
            "request": request.model_dump(mode="json"),
            "repos": repos,
            "considered": len(backlog),
            "selected": [pick.item.identity for pick in selection.picks],
        },
    )
    for skipped in selection.skips:
        store.sweep_event(sweep.id, "sweep.skipped", skipped.model_dump(mode="json"))
    execution = _Execution(
        config,
        store,
        request,
        sweep.id,
        budget,
        concurrency,
        observer or SweepObserver(),
        stop or StopSignal(),
    )
    for skipped in selection.skips:
        execution.observer.skipped(skipped)
    outcomes, later, stopped = execution.drive(selection.picks)
    result = SweepResult(
        sweep_id=sweep.id,
        dry_run=False,
        request=request,
        started_at=started,
        finished_at=datetime.now(UTC),
        considered=len(backlog) + len(problems),
        outcomes=outcomes,
        skips=[*selection.skips, *later],
        problems=problems,
        stopped=stopped,
        concurrency=concurrency,
    )
    from factory.sweep.report import build_report

    report = build_report(result)
    status = "stopped" if stopped else "finished"
    store.finish_sweep(sweep.id, status, report.model_dump(mode="json"), report.totals())
    return result


def select_backlog(
    config: FactoryConfig, store: Store, repos: list[str], request: SweepRequest
) -> tuple[list[BacklogTicket], list[BacklogProblem], Selection]:
    """The backlog of `repos`, what could not be read, and which tickets a sweep takes."""
    backlog, problems = gather_backlog(
        config, store, repos, label=request.label, github=github_issue_source()
    )
    pulls = OpenPullRequests(config, store)
    if not request.dry_run:  # a dry run writes nothing, not even what people decided
        for name in repos:
            pulls.record_decisions(name)
    facts = gather_facts(config, store, backlog, pulls)
    problems = [*problems, *pulls.problems]
    return backlog, problems, select_tickets(backlog, facts, config.sweep, problems)


def check_request(config: FactoryConfig, request: SweepRequest) -> list[str]:
    """The repositories the request names (all configured ones by default), or SweepError."""
    if not config.repos:
        raise SweepError(
            f'no repositories are configured in {config.source}; add a [repos."<name>"] '
            "section (`factory init PATH` writes one)"
        )
    repos = request.repos or sorted(config.repos)
    for name in repos:
        if name not in config.repos:
            known = ", ".join(sorted(config.repos))
            raise SweepError(f"unknown repository {name!r} (configured: {known})")
    if request.replay_dir is not None and not request.replay_dir.is_dir():
        raise SweepError(f"--replay-dir {request.replay_dir}: no such directory")
    return repos


def _require_sandbox(config: FactoryConfig) -> None:
    """The Docker engine and the sandbox image, checked once before any ticket starts."""
    try:
        require_image(connect(), config.sandbox.image)
    except SandboxError as error:
        raise SweepError(str(error)) from error


def model_names(config: FactoryConfig, request: SweepRequest) -> list[str]:
    if request.replay_dir is not None:
        return [_cassette_model(path) for path in sorted(request.replay_dir.glob("*.jsonl"))]
    return [config.models.for_role(role).model for role in ROLES]


def _cassette_model(path: Path) -> str:
    """The model a cassette's replies name (what its runs will be priced as)."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            try:
                return str(json.loads(line).get("reply", {}).get("model") or "replay")
            except ValueError:
                return "replay"
    return "replay"


def _dry_run(
    config: FactoryConfig, request: SweepRequest, budget: SweepBudget, picks: list[Pick]
) -> tuple[list[Pick], list[Skip]]:
    """The picks a sweep would start, if every run spent its whole per-run limit."""
    planned: list[Pick] = []
    later: list[Skip] = []
    committed = Spend()
    for index, pick in enumerate(picks):
        if request.limit is not None and len(planned) >= request.limit:
            later += [_limit_skip(p, request.limit) for p in picks[index:]]
            break
        limit = per_run_limit(config, pick.item.repo)
        reason = over_budget(budget, committed, limit)
        if reason is not None:
            later += [skip(p.item, SkipReason.OVER_BUDGET, reason) for p in picks[index:]]
            break
        committed = committed.plus(limit)
        planned.append(pick)
    return planned, later


def _limit_skip(pick: Pick, limit: int) -> Skip:
    return skip(pick.item, SkipReason.LIMIT, f"--limit {limit}: the sweep started {limit} already")


class _Execution:
    """One sweep's drive: the pool, the bookkeeping of spend, and the workers."""

    def __init__(
        self,
        config: FactoryConfig,
        store: Store,
        request: SweepRequest,
        sweep_id: str,
        budget: SweepBudget,
        concurrency: int,
        observer: SweepObserver,
        stop: StopSignal,
    ) -> None:
        self.config = config
        self.store = store
        self.request = request
        self.sweep_id = sweep_id
        self.budget = budget
        self.concurrency = concurrency
        self.observer = observer
        self.stop = stop
        self.deadline = (
            time.monotonic() + request.max_wall_s if request.max_wall_s is not None else None
        )
        self._lock = threading.Lock()
        self._finished_spend = Spend()
        self._reserved: dict[str, Spend] = {}
        self._pool: WarmPool | None = None

    def should_stop(self) -> str | None:
        """Asked by every run at each node boundary."""
        if self.stop.requested:
            return f"the sweep is stopping ({self.stop.reason})"
        if self.deadline is not None and time.monotonic() >= self.deadline:
            return MAX_WALL_PASSED
        return None

    def drive(self, picks: list[Pick]) -> tuple[list[TicketOutcome], list[Skip], str | None]:
        pending = deque(picks)
        running: dict[Future[TicketOutcome | Skip], Pick] = {}
        outcomes: list[TicketOutcome] = []
        later: list[Skip] = []
        started = 0
        grace_until: float | None = None
        with ExitStack() as stack:
            if picks and self.config.sandbox.warm_pool_size > 0:
                size = min(self.config.sandbox.warm_pool_size, self.concurrency)
                installation = installation_id(self.config.database_url)
                self._pool = stack.enter_context(
                    WarmPool(self.config.sandbox, size=size, installation=installation)
                )
            workers = stack.enter_context(
                ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="sweep")
            )
            while pending or running:
                while pending and len(running) < self.concurrency:
                    refusal = self._refusal(pending[0], started)
                    if refusal is not None:
                        later += self._skip_all(pending, refusal)
                        break
                    pick = pending.popleft()
                    started += 1
                    with self._lock:
                        self._reserved[pick.item.identity] = per_run_limit(
                            self.config, pick.item.repo
                        )
                    self.observer.ticket_started(pick)
                    running[workers.submit(self._work, pick)] = pick
                if not running:
                    continue
                done, _ = wait(running, timeout=POLL_S, return_when=FIRST_COMPLETED)
                for future in done:
                    pick = running.pop(future)
                    outcome = future.result()
                    with self._lock:
                        self._reserved.pop(pick.item.identity, None)
                    if isinstance(outcome, Skip):
                        # Another process got there first (its claim or lease): not ours to run.
                        self._record_skip(outcome)
                        later.append(outcome)
                        continue
                    with self._lock:
                        self._finished_spend = self._finished_spend.plus(
                            Spend(usd=outcome.cost_usd, tokens=outcome.tokens)
                        )
                    outcomes.append(outcome)
                    self.observer.ticket_finished(outcome)
                if self.stop.requested and running:
                    grace = self.request.grace_s or self.config.sweep.stop_grace_s
                    grace_until = grace_until or time.monotonic() + grace
                    if time.monotonic() > grace_until:
                        log.warning("sweep grace period over; stopping at once", grace_s=grace)
                        self.stop.abort()
        stopped = self.stop.reason if self.stop.requested else self.should_stop()
        return outcomes, later, stopped

    def _refusal(self, pick: Pick, started: int) -> tuple[SkipReason, str] | None:
        """Why the next ticket must not start, or None."""
        reason = self.should_stop()
        if reason is not None:
            return SkipReason.STOPPED, reason
        limit = self.request.limit
        if limit is not None and started >= limit:
            return SkipReason.LIMIT, f"--limit {limit}: the sweep started {limit} already"
        with self._lock:
            committed = self._finished_spend
            for reserved in self._reserved.values():
                committed = committed.plus(reserved)
        too_much = over_budget(self.budget, committed, per_run_limit(self.config, pick.item.repo))
        if too_much is not None:
            return SkipReason.OVER_BUDGET, too_much
        return None

    def _skip_all(self, pending: deque[Pick], refusal: tuple[SkipReason, str]) -> list[Skip]:
        reason, detail = refusal
        skipped = [skip(pick.item, reason, detail) for pick in pending]
        pending.clear()
        for entry in skipped:
            self._record_skip(entry)
        return skipped

    def _record_skip(self, entry: Skip) -> None:
        self.store.sweep_event(self.sweep_id, "sweep.skipped", entry.model_dump(mode="json"))
        self.observer.skipped(entry)

    def _work(self, pick: Pick) -> TicketOutcome | Skip:
        item = pick.item
        began = time.perf_counter()
        run_ids: list[str] = [pick.run_id] if pick.run_id else []

        def created(run_id: str) -> None:
            run_ids.append(run_id)
            self.observer.run_created(item.identity, run_id)

        hooks = RunHooks(
            should_stop=self.should_stop,
            on_activity=lambda event: self.observer.activity(item.identity, event),
            pool=self._pool,
            ticket=item.ticket,
            sweep_id=self.sweep_id,
            ticket_runs_seen=pick.runs_seen,
            on_run_created=created,
        )
        node_observer: NodeObserver = lambda node, phase, state: self.observer.node(  # noqa: E731
            item.identity, node, phase, state
        )
        try:
            options = RunOptions(repo=item.repo, replay=self._cassette_for(item))
            if pick.action == "resume" and pick.run_id is not None:
                self.observer.run_created(item.identity, pick.run_id)
                summary = resume_run(
                    self.config, self.store, pick.run_id, None, node_observer, hooks
                )
            else:
                summary = start_run(
                    self.config, self.store, item.ticket.ref, options, node_observer, hooks
                )
        except RunError as error:
            raced = lost_race(picked(pick), error)
            if raced is not None:
                return raced
            log.warning("sweep ticket failed", ticket=item.identity, error=str(error))
            return self._failed(pick, run_ids[-1] if run_ids else None, error, began)
        except Exception as error:  # one ticket's failure must not end the sweep
            log.warning("sweep ticket failed", ticket=item.identity, error=str(error))
            return self._failed(pick, run_ids[-1] if run_ids else None, error, began)
        return self._outcome(pick, summary, began)

    def _cassette_for(self, item: BacklogTicket) -> Path | None:
        directory = self.request.replay_dir
        if directory is None:
            return None
        own = directory / f"{item.ticket.key}.jsonl"
        return own if own.is_file() else directory / DEFAULT_CASSETTE

    def _outcome(self, pick: Pick, summary: RunSummary, began: float) -> TicketOutcome:
        return run_outcome(self.store, picked(pick), summary, time.perf_counter() - began)

    def _failed(
        self, pick: Pick, run_id: str | None, error: Exception, began: float
    ) -> TicketOutcome:
        seconds = time.perf_counter() - began
        return failed_outcome(self.store, picked(pick), run_id, error, seconds)


def picked(pick: Pick) -> PickedTicket:
    item = pick.item
    return PickedTicket(
        identity=item.identity,
        repo=item.repo,
        title=item.ticket.title,
        action=pick.action,
        runs_seen=sorted(pick.runs_seen) if pick.runs_seen is not None else None,
    )


def run_outcome(
    store: Store, item: PickedTicket, summary: RunSummary, seconds: float
) -> TicketOutcome:
    """A ticket's outcome as its run stopped being driven (ended, waiting, or stopped)."""
    state = summary.state
    decision = state.decision
    run = store.get_run(summary.run_id)
    return TicketOutcome(
        identity=item.identity,
        repo=item.repo,
        title=item.title,
        action=item.action,
        run_id=summary.run_id,
        status=summary.status.value,
        ending=state.ending,
        pr_number=state.pr_number,
        pr_url=state.pr_url,
        cost_usd=run.cost_usd,
        cost_known=_cost_known(store, summary.run_id),
        tokens=run.tokens,
        iterations=state.iteration,
        tests=state.last_test_report.summary_text() if state.last_test_report else None,
        decision=decision.decision.value if decision else None,
        reasons=_reasons(state),
        owners=list(decision.request_reviews_from) if decision else [],
        error=state.error,
        seconds=seconds,
        sandbox_s=summary.sandbox_seconds,
    )


def failed_outcome(
    store: Store,
    item: PickedTicket,
    run_id: str | None,
    error: Exception,
    seconds: float,
) -> TicketOutcome:
    """A ticket whose run could not start or stopped on an error."""
    run = store.find_run(run_id) if run_id else None
    return TicketOutcome(
        identity=item.identity,
        repo=item.repo,
        title=item.title,
        action=item.action,
        run_id=run_id,
        status=run.status if run is not None else "failed",
        cost_usd=run.cost_usd if run is not None else 0.0,
        cost_known=_cost_known(store, run_id) if run_id else True,
        tokens=run.tokens if run is not None else 0,
        error=str(error)[:500] or type(error).__name__,
        seconds=seconds,
    )


def lost_race(pick: PickedTicket, error: RunError) -> Skip | None:
    """A skip when another process took the ticket between selection and start."""

    def skipped(reason: SkipReason, detail: str) -> Skip:
        return Skip(
            identity=pick.identity, repo=pick.repo, title=pick.title, reason=reason, detail=detail
        )

    cause = error.__cause__
    if isinstance(cause, TicketClaimed):
        return skipped(
            SkipReason.IN_PROGRESS, f"run {cause.run_id} took the ticket since this sweep chose it"
        )
    if isinstance(cause, LeaseHeld):
        return skipped(SkipReason.IN_PROGRESS, str(cause))
    text = str(error)
    if "already has an open pull request" in text:
        return skipped(SkipReason.OPEN_PR, text)
    if pick.action == "resume" and "already finished" in text:
        return skipped(SkipReason.DELIVERED, text)
    if pick.action == "resume" and "waits for approval" in text:
        return skipped(SkipReason.WAITING_FOR_HUMAN, text)
    return None


def _reasons(state: RunState) -> list[str]:
    decision = state.decision
    if decision is None:
        return []
    refusing = [
        f"{verdict.policy}: {'; '.join(verdict.reasons)}"
        for verdict in decision.verdicts
        if verdict.outcome.value == "refuse"
    ]
    return refusing or list(decision.reasons)


def _cost_known(store: Store, run_id: str | None) -> bool:
    """False when any model call of the run had no price (its cost is then unknown)."""
    if run_id is None:
        return True
    for event in store.events(run_id):
        if event.kind == "model.call" and "cost_usd" not in json.loads(event.payload):
            return False
    return True
