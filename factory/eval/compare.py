"""`factory eval compare A B`: two evals, or two configurations, side by side with intervals.

A side is an eval id (`e-...`) or a configuration hash (its first 7+ characters); a hash
pools the judged attempts of every eval recorded under it. The difference of two resolve or
false merge rates carries a 95% interval (Newcombe's method from the two Wilson intervals):
an interval that straddles 0 says the evals cannot tell the two apart.
"""

from __future__ import annotations

from pydantic import BaseModel

from factory.eval.figures import EvalFigures, difference_interval, figures
from factory.eval.results import TaskResult
from factory.eval.tasks import EvalInputError
from factory.store import Store
from factory.store.evals import EVAL_ID_PREFIX


class CompareSide(BaseModel):
    name: str
    evals: list[str]
    config_hashes: list[str]
    figures: EvalFigures


class Difference(BaseModel):
    figure: str
    a: float | None
    b: float | None
    delta: float | None
    low: float | None
    high: float | None


class Comparison(BaseModel):
    a: CompareSide
    b: CompareSide
    differences: list[Difference]


def _side(store: Store, name: str) -> CompareSide:
    if name.startswith(EVAL_ID_PREFIX):
        records = [store.evals.get(name)]
    else:
        if len(name) < 7 or any(c not in "0123456789abcdef" for c in name.lower()):
            raise EvalInputError(f"{name!r} is neither an eval id (e-...) nor a configuration hash")
        records = [
            r for r in store.evals.latest(limit=10_000) if r.config_hash.startswith(name.lower())
        ]
        if not records:
            raise EvalInputError(f"no eval ran under a configuration hash starting {name!r}")
    ids = [record.id for record in records]
    results = [
        TaskResult.model_validate_json(row.result)
        for row in store.evals.results(ids)
        if row.status in ("done", "error")
    ]
    return CompareSide(
        name=name,
        evals=ids,
        config_hashes=sorted({record.config_hash for record in records}),
        figures=figures(results),
    )


def compare(store: Store, a: str, b: str) -> Comparison:
    left, right = _side(store, a), _side(store, b)
    differences = []
    for label in ("resolved", "false_merge", "reviewer_precision", "reviewer_recall"):
        ra, rb = getattr(left.figures, label), getattr(right.figures, label)
        interval = difference_interval(ra, rb)
        differences.append(
            Difference(
                figure=label,
                a=ra.value,
                b=rb.value,
                delta=None if ra.value is None or rb.value is None else rb.value - ra.value,
                low=interval[0] if interval else None,
                high=interval[1] if interval else None,
            )
        )
    return Comparison(a=left, b=right, differences=differences)
