"""Proving the audit log untampered: verify the chains, take a digest, export for a SIEM.

Verification re-derives every hash from the stored rows, with no trust in the runs table:
- per run, events are walked in `seq` order; a stored hash that does not match its content is
  *edited*, and a link that does not match is classified by where its predecessor went
  (*removed*, *inserted*, *reordered*);
- the run row's recorded head and count expose events cut off the end (*truncated*) or added
  after it (*inserted*);
- the global digest chain recorded every head each run ever had, so a run deleted outright
  (*run_deleted*) or truncated with its run row patched to match (*truncated*) is still caught;
- a digest saved outside the database (`--against`) catches a rewrite of everything at once
  (*digest_mismatch*).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import datetime
from itertools import groupby
from operator import itemgetter
from typing import IO, Any, Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection, func, select

from factory.store import sqlite_scan
from factory.store.appending import DIGESTS, EVENTS, RUNS
from factory.store.chain import GENESIS, digest_hash, event_bytes, timestamp
from factory.store.store import Store
from factory.store.sweeps import SWEEP_ID_PREFIX
from factory.support.wording import plural

HASH_OF = itemgetter(7)
SQLITE_FAST_PATH = True
"""Off: verify SQLite through the dialect-neutral path too (the tests run both)."""
Chain = Sequence[str] | Sequence[bytes]
"""A run's event hashes in order: text, or the raw bytes the SQLite scan read."""
BreakKind = Literal[
    "edited", "removed", "inserted", "reordered", "run_deleted", "truncated", "digest_mismatch"
]


class Break(BaseModel):
    """One place the log stopped proving itself, and what kind of change explains it."""

    kind: BreakKind
    run_id: str | None = None
    seq: int | None = None
    detail: str

    def describe(self) -> str:
        where = f"run {self.run_id}" if self.run_id else "global digest chain"
        if self.seq is not None:
            where += f" event {self.seq}" if self.run_id else f" row {self.seq}"
        return f"{where}: {self.kind.replace('_', ' ')}: {self.detail}"


class VerifyReport(BaseModel):
    ok: bool
    events: int
    runs: int
    """Chains checked that are runs."""
    breaks: list[Break]
    sweeps: int = 0
    """Chains checked that are sweeps' (`sweep.*` events, anchored by a `runs` row)."""

    def summary(self) -> str:
        if not self.ok:
            return f"chain broken at {self.breaks[0].describe()}"
        chains = plural(self.runs, "run")
        if self.sweeps:
            chains += f" and {plural(self.sweeps, 'sweep')} (a sweep's events are a chain too)"
        return f"{plural(self.events, 'event')} in {chains}, chain intact"


class GlobalDigest(BaseModel):
    """The global head, for an operator to keep somewhere the database's writers cannot reach."""

    model_config = ConfigDict(extra="forbid")

    seq: int
    hash: str
    events: int
    runs: int
    ts: str


def current_digest(store: Store) -> GlobalDigest:
    with store.engine.connect() as connection:
        last = connection.execute(
            select(DIGESTS.c.seq, DIGESTS.c.hash).order_by(DIGESTS.c.seq.desc()).limit(1)
        ).first()
        totals = connection.execute(
            select(func.count(), func.coalesce(func.sum(RUNS.c.event_count), 0))
        ).one()
    seq, digest = (last.seq, last.hash) if last else (0, GENESIS)
    return GlobalDigest(seq=seq, hash=digest, runs=totals[0], events=int(totals[1]), ts=timestamp())


def verify(
    store: Store,
    run_id: str | None = None,
    against: GlobalDigest | None = None,
    *,
    digest_chain: bool = True,
) -> VerifyReport:
    """Check every chain (or one run's); the report's first break is the one to show.

    `digest_chain=False` (one run only) checks the run's events, its run row and its own digest
    rows, but does not re-hash the global digest chain of every run: what a page showing one
    run can afford on a large log. `factory audit verify` always checks everything.
    """
    if not digest_chain and run_id is None:
        raise ValueError("only a single run's verification may skip the global digest chain")
    with store.engine.connect() as connection:
        runs = {row.id: row for row in _runs(connection, run_id)}
        breaks: list[Break] = []
        hashes: dict[str, Chain] = {}
        total = 0
        for rid, chain, problem in _walk_chains(connection, run_id):
            total += len(chain)
            hashes[rid] = chain
            problem = problem or _check_run_row(rid, chain, runs.get(rid))
            if problem:
                breaks.append(problem)
        for rid, run in runs.items():
            if rid not in hashes:
                hashes[rid] = []
                if run.event_count:
                    breaks.append(_truncated(rid, run.event_count, 0))
        digest_query = select(DIGESTS).order_by(DIGESTS.c.seq)
        if not digest_chain:
            digest_query = digest_query.where(DIGESTS.c.run_id == run_id)
        digests = connection.execute(digest_query).all()
    breaks.extend(_check_digests(digests, hashes, runs, run_id, breaks, linked=digest_chain))
    if against is not None:
        breaks.extend(_check_against(digests, against))
    sweeps = sum(1 for rid in runs if rid.startswith(SWEEP_ID_PREFIX))
    return VerifyReport(
        ok=not breaks, events=total, runs=len(runs) - sweeps, sweeps=sweeps, breaks=breaks
    )


def export_jsonl(
    store: Store, out: IO[str], run_id: str | None = None, since: datetime | str | None = None
) -> int:
    """Write one JSON object per event (payload parsed, hashes kept); returns the count."""
    count = 0
    for event in store.events.iterate(run_id=run_id, since=since):
        record = {
            "run_id": event.run_id,
            "seq": event.seq,
            "ts": event.ts,
            "kind": event.kind,
            "actor": event.actor,
            "payload": json.loads(event.payload),
            "prev_hash": event.prev_hash,
            "hash": event.hash,
        }
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count


def _runs(connection: Connection, run_id: str | None) -> Sequence[Any]:
    query = select(RUNS.c.id, RUNS.c.head_hash, RUNS.c.event_count)
    if run_id is not None:
        query = query.where(RUNS.c.id == run_id)
    return connection.execute(query).all()


def _events_by_run(connection: Connection, run_id: str | None) -> Iterator[tuple[str, list[Any]]]:
    columns = (EVENTS.c.run_id, EVENTS.c.seq, EVENTS.c.ts, EVENTS.c.kind, EVENTS.c.actor)
    query = select(*columns, EVENTS.c.payload, EVENTS.c.prev_hash, EVENTS.c.hash)
    if run_id is not None:
        query = query.where(EVENTS.c.run_id == run_id)
    result = connection.execution_options(stream_results=True).execute(
        query.order_by(EVENTS.c.run_id, EVENTS.c.seq)
    )
    # Runs are contiguous in this order; a chunk may end mid-run, so carry the tail over.
    pending: list[Any] = []
    for chunk in result.partitions(50_000):
        pending.extend(chunk)
        groups = [(rid, list(rows)) for rid, rows in groupby(pending, key=itemgetter(0))]
        pending = groups.pop()[1]
        yield from groups
    if pending:
        yield pending[0][0], pending


def _walk_chains(
    connection: Connection, run_id: str | None
) -> Iterator[tuple[str, Chain, Break | None]]:
    """Each run with events: its hashes in order and the first broken link, if any.

    On SQLite the fast scan vouches for intact runs; the runs it cannot vouch for, and every
    run on other databases, are walked here row by row, which names what is wrong.
    """
    scanned = None
    if SQLITE_FAST_PATH and sqlite_scan.usable(connection):
        scanned = sqlite_scan.scan_runs(connection, run_id)
    if scanned is None:
        for rid, rows in _events_by_run(connection, run_id):
            yield rid, list(map(HASH_OF, rows)), _check_links(rid, rows)
        return
    for rid, chain in scanned:
        if chain is not None:
            yield rid, chain, None
            continue
        for _rid, rows in _events_by_run(connection, rid):
            yield rid, list(map(HASH_OF, rows)), _check_links(rid, rows)


def _check_links(run_id: str, rows: list[Any]) -> Break | None:
    sha256 = hashlib.sha256
    expected_prev = GENESIS
    for position, (_rid, seq, ts, kind, actor, payload, prev_hash, digest) in enumerate(rows, 1):
        if prev_hash != expected_prev:
            return _classify_link(run_id, rows, position - 1, expected_prev)
        content = event_bytes(run_id, ts, kind, actor, payload)
        if sha256(prev_hash.encode() + content).hexdigest() != digest:
            return Break(
                kind="edited",
                run_id=run_id,
                seq=seq,
                detail="its content no longer matches its hash",
            )
        if seq != position:
            return Break(
                kind="edited",
                run_id=run_id,
                seq=seq,
                detail=f"sequence number changed: the chain puts it at position {position}",
            )
        expected_prev = digest
    return None


def _check_run_row(run_id: str, chain: Chain, run: Any) -> Break | None:
    """A run whose links hold (so event n has seq n) against what its run row recorded."""
    if run is None:
        return Break(
            kind="run_deleted",
            run_id=run_id,
            detail=f"the run row is gone but {len(chain)} of its events remain",
        )
    if len(chain) < run.event_count:
        return _truncated(run_id, run.event_count, len(chain))
    if len(chain) > run.event_count:
        return Break(
            kind="inserted",
            run_id=run_id,
            seq=run.event_count + 1,
            detail=f"the run recorded {run.event_count} events; {len(chain)} are there now",
        )
    if chain and _text(chain[-1]) != run.head_hash:
        return Break(
            kind="edited",
            run_id=run_id,
            seq=len(chain),
            detail="the last event is not the head the run recorded (replaced and rehashed)",
        )
    return None


def _text(digest: str | bytes) -> str:
    return digest.decode() if isinstance(digest, bytes) else digest


def _classify_link(run_id: str, rows: list[Any], index: int, expected_prev: str) -> Break:
    """Event `index` does not follow the one before it; work out what happened in between."""
    row = rows[index]
    position = {other.hash: other for other in rows}
    before = rows[index - 1] if index else None
    if row.prev_hash in position:
        if before is not None and before.prev_hash == row.prev_hash:
            return Break(
                kind="inserted",
                run_id=run_id,
                seq=before.seq,
                detail=f"it claims the same predecessor as event {row.seq}, which the chain names",
            )
        follows = position[row.prev_hash].seq
        return Break(
            kind="reordered",
            run_id=run_id,
            seq=row.seq,
            detail=f"the chain puts it right after event {follows}",
        )
    after = rows[index + 1] if index + 1 < len(rows) else None
    if after is not None and after.prev_hash == expected_prev:
        return Break(
            kind="inserted",
            run_id=run_id,
            seq=row.seq,
            detail="it is not linked into the chain; its neighbours link to each other",
        )
    if before is not None and before.seq + 1 == row.seq:
        return Break(
            kind="edited",
            run_id=run_id,
            seq=before.seq,
            detail=f"it was rewritten and rehashed: event {row.seq} links to a different version",
        )
    first_missing = before.seq + 1 if before is not None else 1
    return Break(
        kind="removed",
        run_id=run_id,
        seq=first_missing,
        detail=(
            f"event {first_missing} is missing"
            if row.seq - 1 <= first_missing
            else f"events {first_missing} to {row.seq - 1} are missing"
        ),
    )


def _truncated(run_id: str, recorded: int, present: int) -> Break:
    return Break(
        kind="truncated",
        run_id=run_id,
        seq=present + 1,
        detail=f"the log recorded {recorded} events; only {present} remain",
    )


def _check_digests(
    digests: Sequence[Any],
    hashes: dict[str, Chain],
    runs: dict[str, Any],
    run_id: str | None,
    found: list[Break],
    *,
    linked: bool = True,
) -> list[Break]:
    """`linked`: `digests` is the whole chain, to re-hash link by link; else one run's rows."""
    breaks: list[Break] = []
    prev = GENESIS
    named = {problem.run_id for problem in found}
    latest: dict[str, Any] = {}
    for index, row in enumerate(digests):
        if not linked:
            latest[row.run_id] = row
            continue
        if row.seq != index + 1 or row.prev_hash != prev:
            breaks.append(
                Break(kind="removed", seq=index + 1, detail="digest rows are missing or reordered")
            )
            return breaks
        if (
            digest_hash(prev, row.seq, row.ts, row.run_id, row.event_count, row.run_head)
            != row.hash
        ):
            breaks.append(Break(kind="edited", seq=row.seq, detail="digest row content altered"))
            return breaks
        prev = row.hash
        if run_id is None or row.run_id == run_id:
            latest[row.run_id] = row
    per_run: dict[str, list[Any]] = defaultdict(list)
    for row in digests:
        if row.run_id in latest:
            per_run[row.run_id].append(row)
    for rid, rows in per_run.items():
        if rid in named:
            continue
        problem = _check_run_against_digests(rid, rows, hashes.get(rid), rid in runs)
        if problem:
            breaks.append(problem)
    return breaks


def _check_run_against_digests(
    run_id: str, rows: list[Any], present: Chain | None, has_row: bool
) -> Break | None:
    if not has_row and not present:
        return Break(
            kind="run_deleted",
            run_id=run_id,
            detail=f"the digest chain recorded it with {rows[-1].event_count} events; it is gone",
        )
    chain = present or []
    for row in rows:
        if row.event_count > len(chain):
            return _truncated(run_id, row.event_count, len(chain))
        if row.event_count and _text(chain[row.event_count - 1]) != row.run_head:
            return Break(
                kind="edited",
                run_id=run_id,
                seq=row.event_count,
                detail=f"history was rewritten: digest row {row.seq} recorded another head",
            )
    return None


def _check_against(digests: Sequence[Any], saved: GlobalDigest) -> list[Break]:
    if saved.seq == 0:
        return []
    row = digests[saved.seq - 1] if saved.seq <= len(digests) else None
    if row is None or row.seq != saved.seq:
        detail = f"the log no longer reaches saved digest row {saved.seq}: it was cut back"
        return [Break(kind="digest_mismatch", seq=saved.seq, detail=detail)]
    if row.hash != saved.hash:
        detail = f"saved head {saved.hash[:16]}… but row {saved.seq} is {row.hash[:16]}…: rewritten"
        return [Break(kind="digest_mismatch", seq=saved.seq, detail=detail)]
    return []
