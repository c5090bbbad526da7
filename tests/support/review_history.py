"""Build a store and a git repository with a known past, for the operational review's tests.

Runs and events are written at chosen times through the store's own chain functions, so the
audit chain of a history built here verifies exactly as one the factory wrote live.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import update

from factory.config import FactoryConfig, parse_config
from factory.store import Store
from factory.store.appending import (
    EVENT_COLUMNS,
    EVENTS,
    HEAD_OF_RUN,
    MOVE_HEAD,
    NewEvent,
    encode_events,
    insert_rows,
    record_digest,
)
from factory.store.chain import link_hashes, timestamp
from factory.store.models import Run, TicketRecord

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
"""Every test review ends here (`ReviewOptions(now=NOW)`)."""


def days_ago(days: float, hours: float = 0) -> datetime:
    return NOW - timedelta(days=days, hours=hours)


Step = tuple[datetime, str, str, dict[str, Any]]
"""(when, kind, actor, payload) of one event."""


class History:
    def __init__(self, store: Store) -> None:
        self.store = store

    def ticket(self, ref: str, *, opened: datetime, labels: Sequence[str] = ()) -> None:
        self.store.tickets.record(ref, ref, "body", labels=list(labels), source="file")
        with self.store.engine.begin() as connection:
            connection.execute(
                update(TicketRecord)
                .where(TicketRecord.ref == ref)
                .values(created_at=opened, updated_at=opened)
            )

    def run(
        self,
        repo: str,
        ticket: str,
        *,
        at: datetime,
        status: str,
        steps: Sequence[Step] = (),
        level: str = "L2",
        run_id: str | None = None,
    ) -> str:
        run = self.store.runs.create(ticket, repo, autonomy_level=level, run_id=run_id)
        for when, kind, actor, payload in steps:
            self._append(run.id, when, kind, actor, payload)
        last = max([at, *(step[0] for step in steps)])
        with self.store.engine.begin() as connection:
            connection.execute(
                update(Run)
                .where(Run.id == run.id)
                .values(created_at=at, updated_at=last, status=status, finished_at=last)
            )
        return run.id

    def _append(self, run_id: str, when: datetime, kind: str, actor: str, payload: dict) -> None:
        entries = encode_events([NewEvent(kind, actor, payload)])
        ts = timestamp(when)
        with self.store.engine.begin() as connection:
            head = connection.execute(HEAD_OF_RUN, {"run_id": run_id}).one()
            (digest,) = link_hashes(head.head_hash, run_id, ts, entries)
            seq = head.event_count + 1
            row = (run_id, seq, ts, kind, actor, entries[0].payload, head.head_hash, digest)
            insert_rows(connection, EVENTS, EVENT_COLUMNS, [row])
            connection.execute(
                MOVE_HEAD, {"run_id": run_id, "head": digest, "count": seq, "now": when}
            )
            record_digest(connection, run_id, seq, digest, ts)


def merged_run_steps(
    start: datetime, merged: datetime, sha: str, *, cost: float | None = 0.5, model: str = "m1"
) -> list[Step]:
    """A run that committed once, went green first time, and was merged by the factory."""
    call: dict[str, Any] = {"model": model, "input_tokens": 1000, "output_tokens": 100}
    if cost is not None:
        call["cost_usd"] = cost
    return [
        (start, "model.call", "coder", call),
        (start + timedelta(minutes=5), "git.commit", "system", {"sha": f"{sha}-branch"}),
        (
            start + timedelta(minutes=6),
            "node.finished",
            "system",
            {"node": "code", "sandbox_s": 30},
        ),
        (start + timedelta(minutes=10), "tests.report", "system", {"exit_code": 0, "failed": 0}),
        (merged, "merge.done", "system", {"pr": 1, "sha": sha, "by": "factory"}),
    ]


class GitRepo:
    """A real repository whose commits carry chosen dates."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True)
        self.git("init", "-q", "-b", "main")

    def git(self, *args: str, when: datetime | None = None) -> str:
        env = {
            **os.environ,
            "GIT_AUTHOR_NAME": "Human",
            "GIT_AUTHOR_EMAIL": "human@example.com",
            "GIT_COMMITTER_NAME": "Human",
            "GIT_COMMITTER_EMAIL": "human@example.com",
        }
        if when is not None:
            env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = when.isoformat()
        return subprocess.run(
            ["git", "-C", str(self.path), *args],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()

    def commit(
        self, name: str, when: datetime, *, message: str | None = None, trailer: str | None = None
    ) -> str:
        (self.path / name).write_text(f"{name} {when.isoformat()}\n")
        self.git("add", name)
        args = ["commit", "-q", "-m", message or f"add {name}"]
        if trailer:
            args += ["--trailer", trailer]
        self.git(*args, when=when)
        return self.git("rev-parse", "HEAD")

    def factory_merge(self, branch: str, run_id: str, first: datetime, merged: datetime) -> str:
        """A factory branch (one commit with Factory-Run) merged with --no-ff; the merge sha."""
        self.git("checkout", "-q", "-b", branch)
        self.commit(f"{branch.replace('/', '-')}.txt", first, trailer=f"Factory-Run: {run_id}")
        self.git("checkout", "-q", "main")
        self.git("merge", "-q", "--no-ff", "-m", f"Merge {branch}", branch, when=merged)
        return self.git("rev-parse", "HEAD")

    def revert(self, sha: str, when: datetime, *, merge: bool = True) -> str:
        args = ["revert", "--no-edit", *(["-m", "1"] if merge else []), sha]
        self.git(*args, when=when)
        return self.git("rev-parse", "HEAD")


def config_for(
    tmp_path: Path, repos: dict[str, Path | None], extra: dict[str, Any] | None = None
) -> FactoryConfig:
    data: dict[str, Any] = {"factory": {"data_dir": str(tmp_path / "data")}, "repos": {}}
    for name, path in repos.items():
        where = {"path": str(path)} if path else {"github": f"acme/{name}"}
        data["repos"][name] = {**where, "test_command": "pytest"}
    data.update(extra or {})
    return parse_config(data, source="test", base_dir=tmp_path, environ={})
