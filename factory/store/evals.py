"""`EvalRepository`: mined tasks (and the candidates mining dropped), evals, per-task results.

An eval's runs are ordinary rows in `runs` with `eval_id` set; this module keeps what only
an eval has: its task set, its parameters and configuration hash, and the judged outcome of
every attempt, keyed `(eval, task, attempt)` so a resumed eval skips what it already judged.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import select

from factory.store.models import EvalRecord, EvalResultRecord, EvalTaskRecord
from factory.store.sessions import SessionScopes
from factory.support.errors import FactoryError
from factory.support.utc import utcnow

EVAL_ID_PREFIX = "e-"
TASK_FIELDS = frozenset(
    {
        "base_commit",
        "source_commit",
        "patch",
        "test_patch",
        "problem_statement",
        "evidence",
        "fail_to_pass",
        "pass_to_pass",
        "status",
        "drop_reason",
    }
)


class EvalNotFound(FactoryError, KeyError):
    """No eval has this id."""

    code = "not_found"

    def __init__(self, eval_id: str) -> None:
        super().__init__(eval_id)
        self.eval_id = eval_id

    def __str__(self) -> str:
        return f"no eval {self.eval_id!r}; `factory eval list` shows them"


class EvalRepository:
    """Mined tasks (and dropped candidates), evals, and every attempt's recorded outcome."""

    def __init__(self, scopes: SessionScopes) -> None:
        self._scopes = scopes

    # -- tasks ------------------------------------------------------------------------------

    def save_task(self, repo: str, instance_id: str, **fields: Any) -> None:
        """Insert or replace the task (or dropped candidate) `instance_id` of `repo`."""
        unknown = set(fields) - TASK_FIELDS
        if unknown:
            raise ValueError(f"unknown eval task fields {sorted(unknown)}")
        with self._scopes.write() as session:
            row = session.scalars(
                select(EvalTaskRecord).where(
                    EvalTaskRecord.repo == repo, EvalTaskRecord.instance_id == instance_id
                )
            ).first()
            if row is None:
                row = EvalTaskRecord(repo=repo, instance_id=instance_id, created_at=utcnow())
                session.add(row)
            for name, value in fields.items():
                setattr(row, name, value)
            row.created_at = utcnow()

    def tasks(self, repo: str | None = None, status: str | None = "valid") -> list[EvalTaskRecord]:
        """Tasks (status `valid`), dropped candidates (`dropped`), or both (None), oldest first."""
        query = select(EvalTaskRecord).order_by(EvalTaskRecord.id)
        if repo is not None:
            query = query.where(EvalTaskRecord.repo == repo)
        if status is not None:
            query = query.where(EvalTaskRecord.status == status)
        with self._scopes.read() as session:
            return list(session.scalars(query))

    # -- evals ------------------------------------------------------------------------------

    def create(self, repo: str, config_hash: str, params: Mapping[str, Any]) -> EvalRecord:
        record = EvalRecord(
            id=f"{EVAL_ID_PREFIX}{uuid.uuid4().hex[:10]}",
            repo=repo,
            config_hash=config_hash,
            status="running",
            params=json.dumps(dict(params), default=str),
            summary="{}",
            started_at=utcnow(),
        )
        with self._scopes.write() as session:
            session.add(record)
        return record

    def get(self, eval_id: str) -> EvalRecord:
        with self._scopes.read() as session:
            record = session.get(EvalRecord, eval_id)
        if record is None:
            raise EvalNotFound(eval_id)
        return record

    def latest(
        self, repo: str | None = None, config_hash: str | None = None, limit: int = 100
    ) -> list[EvalRecord]:
        """Newest first."""
        query = select(EvalRecord).order_by(EvalRecord.started_at.desc()).limit(limit)
        if repo is not None:
            query = query.where(EvalRecord.repo == repo)
        if config_hash is not None:
            query = query.where(EvalRecord.config_hash == config_hash)
        with self._scopes.read() as session:
            return list(session.scalars(query))

    def set_status(self, eval_id: str, status: str) -> None:
        with self._scopes.write() as session:
            record = session.get(EvalRecord, eval_id)
            if record is None:
                raise EvalNotFound(eval_id)
            record.status = status
            record.finished_at = None if status == "running" else utcnow()

    def set_summary(self, eval_id: str, summary: Mapping[str, Any]) -> None:
        with self._scopes.write() as session:
            record = session.get(EvalRecord, eval_id)
            if record is None:
                raise EvalNotFound(eval_id)
            record.summary = json.dumps(dict(summary), default=str)

    # -- results ----------------------------------------------------------------------------

    def record_result(
        self,
        eval_id: str,
        instance_id: str,
        attempt: int,
        *,
        run_id: str | None,
        status: str,
        result: Mapping[str, Any],
    ) -> None:
        """Insert or replace one attempt's outcome."""
        with self._scopes.write() as session:
            row = session.scalars(
                select(EvalResultRecord).where(
                    EvalResultRecord.eval_id == eval_id,
                    EvalResultRecord.instance_id == instance_id,
                    EvalResultRecord.attempt == attempt,
                )
            ).first()
            if row is None:
                row = EvalResultRecord(eval_id=eval_id, instance_id=instance_id, attempt=attempt)
                session.add(row)
            row.run_id = run_id
            row.status = status
            row.result = json.dumps(dict(result), default=str)
            row.created_at = utcnow()

    def begin_attempt(
        self,
        eval_id: str,
        instance_id: str,
        attempt: int,
        refuse: Callable[[list[EvalResultRecord]], str | None],
    ) -> str | None:
        """Reserve one attempt of an eval driven by workers, under the eval's row lock.

        `refuse` sees every result row of the eval (judged ones carry their spend, `running`
        ones are reserved) and returns why this attempt must not begin, or None. The attempt
        is then recorded `running` (or `skipped`, with the reason) in the same transaction, so
        two workers never both pass the same budget. Returns the refusal, or None.
        """
        with self._scopes.write() as session:
            # FOR UPDATE on PostgreSQL; SQLite's write transaction already serialises this.
            record = session.scalars(
                select(EvalRecord).where(EvalRecord.id == eval_id).with_for_update()
            ).first()
            if record is None:
                raise EvalNotFound(eval_id)
            rows = list(
                session.scalars(select(EvalResultRecord).where(EvalResultRecord.eval_id == eval_id))
            )
            mine = next(
                (r for r in rows if (r.instance_id, r.attempt) == (instance_id, attempt)), None
            )
            others = [r for r in rows if r is not mine]
            reason = refuse(others)
            if mine is None:
                mine = EvalResultRecord(eval_id=eval_id, instance_id=instance_id, attempt=attempt)
                session.add(mine)
                mine.result = "{}"
            mine.status = "skipped" if reason is not None else "running"
            if reason is not None:
                mine.result = json.dumps(
                    {"instance_id": instance_id, "attempt": attempt, "error": reason}
                )
            mine.created_at = utcnow()
        return reason

    def note_run(self, eval_id: str, instance_id: str, attempt: int, run_id: str) -> None:
        """The run an attempt started, recorded as soon as it exists: a process that dies
        mid-attempt leaves a `running` row naming the run its next try resumes."""
        with self._scopes.write() as session:
            row = session.scalars(
                select(EvalResultRecord).where(
                    EvalResultRecord.eval_id == eval_id,
                    EvalResultRecord.instance_id == instance_id,
                    EvalResultRecord.attempt == attempt,
                )
            ).first()
            if row is None:
                row = EvalResultRecord(
                    eval_id=eval_id, instance_id=instance_id, attempt=attempt, result="{}"
                )
                session.add(row)
            row.run_id = run_id
            row.status = "running"
            row.created_at = utcnow()

    def results(self, eval_ids: Sequence[str]) -> list[EvalResultRecord]:
        query = (
            select(EvalResultRecord)
            .where(EvalResultRecord.eval_id.in_(list(eval_ids)))
            .order_by(EvalResultRecord.instance_id, EvalResultRecord.attempt)
        )
        with self._scopes.read() as session:
            return list(session.scalars(query))
