"""The events a factory pull request's life leaves on its run's audit chain, as `Step`s for
`review_history.History.run`: opened, a round asked for, started and finished, a rebase, a CI
read, a merge by a person. Each carries the exact kind and payload of the issue 21 contract
(/work/notes/i21_contract.md), so the figures are tested on what the factory writes."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tests.support.review_history import Step


def opened(at: datetime, number: int, *, head_branch: str = "factory/t-1") -> Step:
    return (at, "pr.opened", "system", {"number": number, "head_branch": head_branch})


def review_round(
    requested: datetime,
    number: int,
    *,
    minutes: float = 10,
    outcome: str = "pushed",
    cost: float | None = 0.2,
    comments: int = 1,
    requested_changes: int = 1,
    head_sha: str = "abc1234",
    kind: str = "review",
    items: tuple[str, ...] = ("review:1",),
) -> list[Step]:
    """`round.requested`, `round.started`, `round.finished` of one round."""
    finished = requested + timedelta(minutes=minutes)
    return [
        (
            requested,
            "round.requested",
            "system",
            {
                "round": number,
                "kind": kind,
                "items": list(items),
                "signature": f"sig-{number}",
                "head_sha": "before",
            },
        ),
        (requested, "round.started", "system", {"round": number, "kind": kind}),
        (
            finished,
            "round.finished",
            "system",
            {
                "round": number,
                "kind": kind,
                "outcome": outcome,
                "head_sha": head_sha,
                "cost_usd": cost,
                "model_calls": 3,
                "comments": comments,
                "requested_changes": requested_changes,
            },
        ),
    ]


def ci_round(requested: datetime, number: int, **options: Any) -> list[Step]:
    """A CI fix round; the round driver counts its one item (the failure) in `comments`."""
    options = {"comments": 1, "requested_changes": 0, "items": ("ci:sig",), **options}
    return review_round(requested, number, kind="ci", **options)


def refused(at: datetime, reason: str, *, kind: str = "review") -> Step:
    return (at, "round.refused", "system", {"kind": kind, "reason": reason})


def rebased(at: datetime, *, method: str = "rebase") -> Step:
    payload = {"method": method, "base_sha": "b" * 40, "head_before": "1" * 40, "head_after": "2"}
    return (at, "pull.base_updated", "system", payload)


def ci_read(at: datetime, state: str = "failure") -> Step:
    check = {"name": "tests", "conclusion": state, "required": True}
    return (at, "ci.read", "system", {"sha": "c" * 40, "state": state, "checks": [check]})


def merged_by_person(at: datetime, number: int, who: str = "alice", sha: str = "m" * 40) -> Step:
    payload = {"number": number, "merged_sha": sha, "merged_at": at.isoformat(), "via": "local"}
    return (at, "pr.merged", f"human:{who}", payload)


def reconciled(at: datetime, ending: str, reason: str, by: str) -> Step:
    return (at, "pull.reconciled", "system", {"ending": ending, "reason": reason, "by": by})
