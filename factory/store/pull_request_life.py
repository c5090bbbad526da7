"""A factory pull request's life after it opened, read from its run's audit chain: review
rounds, the changes people asked for, CI fix rounds, base updates, the time it waited for a
person, and what the follow-ups cost.

Nothing here is stored twice: the figures are folded from the run's events (`round.*`,
`feedback.*`, `pull.*`, `ci.*`, and the pull request's opening, merge and close), so they can
never disagree with the audit log. `fold_life_event` takes one event at a time in chain order;
the run page, the operational review and earned autonomy all fold with it.

Waiting for a person: the pull request waits from the moment it opens, and again from the end
of each round, until a person acts next: feedback that starts a review round, an approval or
a rejection, a merge, a close. A CI or conflict round is the factory's own work and does not end
the wait; a merge by the factory (L2/L3) ends it. The feedback's moment is when the factory
noticed it (`round.requested`): the webhook hears it within seconds, a sweep up to its interval
later.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import orjson
from sqlalchemy import select

from factory.store.chain import timestamp
from factory.store.models import Event, Run
from factory.store.sessions import SessionScopes
from factory.support.utc import as_utc

IN_CHUNK = 500
"""Run ids per `IN (...)` list, under the 999 bound parameters older SQLite builds allow."""

OPENED_KINDS = frozenset({"pr.opened", "pr.reused"})
MERGED_KINDS = frozenset({"merge.done", "pr.merged"})
CLOSED_KINDS = frozenset({"pr.closed", "approval.rejected", "approval.reject"})
APPROVED_KINDS = frozenset({"approval.approve", "approval.approved"})
REVIEW = "review"
"""The round kind a person's feedback starts (CI and conflict rounds are the factory's own)."""

LIFE_EVENT_KINDS = (
    *sorted(OPENED_KINDS),
    *sorted(MERGED_KINDS),
    *sorted(CLOSED_KINDS),
    *sorted(APPROVED_KINDS),
    "round.requested",
    "round.started",
    "round.finished",
    "round.refused",
    "feedback.ignored",
    "feedback.replied",
    "pull.base_updated",
    "pull.conflict",
    "pull.reconciled",
    "ci.read",
    "ci.rerun",
    "ci.infrastructure",
    "model.call",
)
"""Every kind of event a pull request's life is folded from (a model call only to see whether
a round made one with no known price)."""


def parse_event_time(text: str) -> datetime:
    """An event's stored timestamp (`...Z`) as an aware datetime."""
    return as_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))


@dataclass
class PullRound:
    """One follow-up round of a pull request, as its `round.*` events recorded it."""

    number: int
    kind: str
    """`review` (people's feedback), `ci` (a red check) or `conflict` (the base moved)."""
    requested_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    outcome: str | None = None
    """`pushed`, `no_change`, `needs_human`, `merged`, `failed`, `budget_exceeded`; None
    while the round has not finished."""
    head_sha: str | None = None
    cost_usd: float | None = None
    """None until it finished, or when a model call in it had no known price."""
    model_calls: int = 0
    items: int = 0
    """Feedback items (comments, reviews, failures) the round was asked to address."""
    comments: int = 0
    requested_changes: int = 0
    unpriced_calls: int = 0
    """Model calls between its start and its end with no known price: its cost is unknown."""


@dataclass
class PullRequestLife:
    """What happened to one run's pull request after it opened. Every figure comes from events;
    a figure the events cannot tell is None."""

    run_id: str
    number: int | None = None
    opened_at: datetime | None = None
    rounds: list[PullRound] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    """The reason of each round the guards refused (cap, budget, repeated feedback...)."""
    refused_review_rounds: int = 0
    feedback_ignored: int = 0
    replies: int = 0
    rebases: int = 0
    base_merges: int = 0
    conflicts: int = 0
    ci_reads: int = 0
    ci_state: str | None = None
    """The state of the last `ci.read` (`success`, `failure`, `pending`...)."""
    ci_reruns: int = 0
    ci_infrastructure: int = 0
    reconciled: dict[str, str | None] | None = None
    """`pull.reconciled`'s ending, reason and by, when the world changed under the run."""
    approved_at: datetime | None = None
    merged_at: datetime | None = None
    merged_by: str | None = None
    merged_sha: str | None = None
    """The merge commit: `merge.done`'s `sha` (the factory merged) or `pr.merged`'s
    `merged_sha` (a person did, as the forge reported it)."""
    closed_at: datetime | None = None
    waited_hours: float = 0.0
    """Hours of waits that ended; `waiting_since` is the one still open, if any."""
    waits: int = 0
    waiting_since: datetime | None = None

    @property
    def review_rounds(self) -> int:
        return sum(1 for r in self.rounds if r.kind == REVIEW)

    @property
    def ci_fix_rounds(self) -> int:
        return sum(1 for r in self.rounds if r.kind == "ci")

    @property
    def conflict_rounds(self) -> int:
        return sum(1 for r in self.rounds if r.kind == "conflict")

    @property
    def requested_changes(self) -> int:
        """Reviews that requested changes, over the rounds that finished."""
        return sum(r.requested_changes for r in self.rounds)

    @property
    def comments(self) -> int:
        """People's comments and reviews the factory addressed, over the review rounds that
        finished (a CI round's items are failures, not comments)."""
        return sum(r.comments for r in self.rounds if r.kind == REVIEW)

    @property
    def changes_asked(self) -> bool:
        """A person asked for a change: a review round was requested (run or refused), or a
        finished round counted a review requesting changes."""
        return bool(self.review_rounds or self.refused_review_rounds or self.requested_changes)

    @property
    def merged(self) -> bool:
        return self.merged_at is not None

    @property
    def merged_after_changes(self) -> bool:
        return self.merged and self.changes_asked

    @property
    def first_time_right(self) -> bool:
        """Merged with no change asked of it by a person."""
        return self.merged and not self.changes_asked

    @property
    def followup_cost_usd(self) -> float | None:
        """Dollars of every round; None when a round's cost is unknown (unpriced, or a round
        that started and has not finished). No round: $0, truly."""
        total = 0.0
        for found in self.rounds:
            if found.started_at is None and found.finished_at is None:
                continue  # asked for, never begun: nothing spent
            if found.cost_usd is None:
                return None
            total += found.cost_usd
        return round(total, 6)

    def waiting_hours(self, now: datetime | None = None) -> float:
        """Hours the pull request waited for a person; with `now`, the open wait up to now."""
        open_wait = 0.0
        if now is not None and self.waiting_since is not None:
            open_wait = max(0.0, (now - self.waiting_since).total_seconds() / 3600)
        return round(self.waited_hours + open_wait, 4)

    @property
    def has_events(self) -> bool:
        return self.opened_at is not None or bool(self.rounds or self.refused)


def fold_life_event(life: PullRequestLife, kind: str, actor: str, ts: str, payload: str) -> None:
    """Add one event (in chain order) to a pull request's life; other kinds are ignored."""
    if kind not in _KINDS:
        return
    if kind == "model.call":  # most rows of a run: read only while a round is under way
        under_way = [r for r in life.rounds if r.started_at is not None and r.finished_at is None]
        if under_way and orjson.loads(payload).get("cost_usd") is None:
            for found in under_way:
                found.unpriced_calls += 1
        return
    data = orjson.loads(payload)
    at = parse_event_time(ts)
    if kind in OPENED_KINDS:
        if life.opened_at is None:
            life.opened_at = at
            number = data.get("number")
            life.number = int(number) if number is not None else None
            _wait_from(life, at)
    elif kind.startswith("round."):
        _fold_round(life, kind, at, data)
    elif kind == "feedback.ignored":
        life.feedback_ignored += 1
    elif kind == "feedback.replied":
        life.replies += 1
    elif kind == "pull.base_updated":
        if data.get("method") == "merge":
            life.base_merges += 1
        else:
            life.rebases += 1
    elif kind == "pull.conflict":
        life.conflicts += 1
    elif kind == "pull.reconciled":
        life.reconciled = {
            "ending": _text(data.get("ending")),
            "reason": _text(data.get("reason")),
            "by": _text(data.get("by")),
        }
        _end(life, at)
    elif kind == "ci.read":
        life.ci_reads += 1
        life.ci_state = _text(data.get("state"))
    elif kind == "ci.rerun":
        life.ci_reruns += 1
    elif kind == "ci.infrastructure":
        life.ci_infrastructure += 1
    elif kind in MERGED_KINDS:
        if life.merged_at is None:
            # `pr.merged` carries the forge's own merge time; a person's merge is theirs.
            life.merged_at = parse_event_time(str(data.get("merged_at") or ts))
            life.merged_by = _text(data.get("by")) or actor.removeprefix("human:")
            life.merged_sha = _text(data.get("sha") or data.get("merged_sha"))
            _number_from(life, data)
        _end(life, at)
    elif kind in CLOSED_KINDS:
        if life.closed_at is None:
            life.closed_at = at
            _number_from(life, data)
        _end(life, at)
    elif kind in APPROVED_KINDS:
        life.approved_at = life.approved_at or at
        _person_acted(life, at)


def _fold_round(life: PullRequestLife, kind: str, at: datetime, data: dict) -> None:
    if kind == "round.refused":
        life.refused.append(str(data.get("reason") or "refused"))
        if data.get("kind") == REVIEW:
            life.refused_review_rounds += 1
            _person_acted(life, at)
            _wait_from(life, at)  # refused: back in a person's hands at once
        return
    found = _round(life, data)
    if kind == "round.requested":
        found.requested_at = found.requested_at or at
        found.items = len(data.get("items") or [])
        found.head_sha = found.head_sha or data.get("head_sha")
        if found.kind == REVIEW:
            _person_acted(life, at)
    elif kind == "round.started":
        found.started_at = found.started_at or at  # a resumed round keeps its first start
    else:  # round.finished
        found.finished_at = at
        found.outcome = _text(data.get("outcome"))
        found.head_sha = data.get("head_sha") or found.head_sha
        cost = data.get("cost_usd")
        # The round driver sums the dollars it knows; a call with no price in the round
        # makes the round's cost unknown, not smaller.
        found.cost_usd = None if cost is None or found.unpriced_calls else float(cost)
        found.model_calls = int(data.get("model_calls") or 0)
        found.comments = int(data.get("comments") or 0)
        found.requested_changes = int(data.get("requested_changes") or 0)
        if found.outcome != "merged" and life.merged_at is None and life.closed_at is None:
            _wait_from(life, at)


def _round(life: PullRequestLife, data: dict) -> PullRound:
    number = int(data.get("round") or 0)
    for found in life.rounds:
        if found.number == number:
            return found
    found = PullRound(number=number, kind=str(data.get("kind") or "review"))
    life.rounds.append(found)
    life.rounds.sort(key=lambda r: r.number)
    return found


def _wait_from(life: PullRequestLife, at: datetime) -> None:
    """The pull request is in a person's hands from `at` (an earlier open wait goes on)."""
    if life.waiting_since is None:
        life.waiting_since = at


def _person_acted(life: PullRequestLife, at: datetime) -> None:
    if life.waiting_since is not None:
        life.waited_hours += max(0.0, (at - life.waiting_since).total_seconds() / 3600)
        life.waits += 1
        life.waiting_since = None


def _end(life: PullRequestLife, at: datetime) -> None:
    """Merged or closed: the last wait ends here, and no other begins."""
    _person_acted(life, at)


def _number_from(life: PullRequestLife, data: dict) -> None:
    """The pull request's number from a merge or close (`pr` or `number`), when no opening
    event named it."""
    number = data.get("number", data.get("pr"))
    if life.number is None and number is not None:
        life.number = int(number)


def _text(value: object) -> str | None:
    return None if value is None else str(value)


_KINDS = frozenset(LIFE_EVENT_KINDS)

ASKED_KINDS = ("round.requested", "round.refused", "round.finished", "pull.reconciled")
"""Enough to tell whether a person asked a pull request for changes (`changes_asked`), and
how reconciliation ended it: what earned autonomy reads."""

MAINTENANCE_KINDS = tuple(
    kind for kind in LIFE_EVENT_KINDS if kind.split(".")[0] in ("round", "pull", "ci", "feedback")
)
"""What the maintenance of an open pull request records: rounds, base updates, CI, replies,
reconciliation (not its opening, merge or close by a run's own course)."""


@dataclass
class MaintainedLife:
    """What was done to one run's pull request in a window of time, and where it lives."""

    repo: str
    life: PullRequestLife
    """Folded from the window's maintenance events alone; `number` from the whole chain."""


def life_of_events(run_id: str, events: Iterable[Sequence]) -> PullRequestLife:
    """The life folded from `(kind, actor, ts, payload)` rows of one run, in chain order."""
    life = PullRequestLife(run_id=run_id)
    for kind, actor, ts, payload in events:
        fold_life_event(life, kind, actor, ts, payload)
    return life


class PullRequestLifeReader:
    """Pull request lives read from the audit chain: `of_run`, `of_runs`."""

    def __init__(self, scopes: SessionScopes) -> None:
        self._scopes = scopes

    def of_run(self, run_id: str) -> PullRequestLife:
        return self.of_runs([run_id])[run_id]

    def of_runs(
        self, run_ids: Iterable[str], kinds: Sequence[str] = LIFE_EVENT_KINDS
    ) -> dict[str, PullRequestLife]:
        """Each run's life (an empty one for a run with no such events), one query per chunk;
        `kinds` narrows the events read when only some figures are wanted (`ASKED_KINDS`)."""
        ids = list(dict.fromkeys(run_ids))
        lives = {run_id: PullRequestLife(run_id=run_id) for run_id in ids}
        with self._scopes.read() as session:
            for start in range(0, len(ids), IN_CHUNK):
                rows = session.execute(
                    select(Event.run_id, Event.kind, Event.actor, Event.ts, Event.payload)
                    .where(
                        Event.run_id.in_(ids[start : start + IN_CHUNK]),
                        Event.kind.in_(list(kinds)),
                    )
                    .order_by(Event.run_id, Event.seq)
                )
                for run_id, kind, actor, ts, payload in rows:
                    fold_life_event(lives[run_id], kind, actor, ts, payload)
        return lives

    def maintained_between(
        self, since: datetime, until: datetime | None = None
    ) -> list[MaintainedLife]:
        """The pull requests maintained from `since` (to `until`): each run with a round, a base
        update, a CI read or rerun, a reply or a reconciliation in the window, oldest first."""
        # Every append moves its run's `updated_at`: the runs touched since `since` are the
        # only ones whose events can be in the window, and `events.run_id` is indexed.
        touched = select(Run.id).where(Run.updated_at >= since).scalar_subquery()
        query = (
            select(Event.run_id, Run.repo, Event.kind, Event.actor, Event.ts, Event.payload)
            .join(Run, Run.id == Event.run_id)
            .where(
                Event.run_id.in_(touched),
                Event.kind.in_(MAINTENANCE_KINDS),
                Event.ts >= timestamp(since),
            )
            .order_by(Event.id)
        )
        if until is not None:
            query = query.where(Event.ts < timestamp(until))
        found: dict[str, MaintainedLife] = {}
        with self._scopes.read() as session:
            for run_id, repo, kind, actor, ts, payload in session.execute(query):
                entry = found.get(run_id)
                if entry is None:
                    entry = found[run_id] = MaintainedLife(repo, PullRequestLife(run_id=run_id))
                fold_life_event(entry.life, kind, actor, ts, payload)
        for run_id, whole in self.of_runs(found, sorted(OPENED_KINDS)).items():
            found[run_id].life.number = whole.number
        return list(found.values())
