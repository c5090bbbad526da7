"""The hash chain's arithmetic: canonical JSON and the two link functions. No I/O.

An event's hash covers its run id, timestamp, kind, actor and payload, chained to the previous
event's hash. Its sequence number is deliberately not hashed: the links alone fix an event's
position, so a renumbered event shows up as *reordered* (links intact, order wrong) rather than
as an indistinct *edited*, which lets verification say precisely what happened.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

GENESIS = "0" * 64
"""The `prev_hash` of a run's first event and of the first digest row."""


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, UTF-8 kept as is: one text per value, on every machine."""
    return _CANONICAL.encode(value)


def timestamp(moment: datetime | None = None) -> str:
    """UTC, microseconds, fixed width: the exact text stored and hashed."""
    moment = (moment or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@lru_cache(maxsize=8192)
def _quoted(text: str) -> str:
    # Kinds, actors, run ids and batch timestamps repeat constantly; quoting each once is a
    # large part of what makes verification keep pace with plain hashing.
    return json.dumps(text, ensure_ascii=False)


def event_bytes(run_id: str, ts: str, kind: str, actor: str, payload_json: str) -> bytes:
    """canonical({actor, kind, payload, run_id, ts}) without re-parsing the stored payload."""
    return (
        f'{{"actor":{_quoted(actor)},"kind":{_quoted(kind)},"payload":{payload_json},'
        f'"run_id":{_quoted(run_id)},"ts":{_quoted(ts)}}}'
    ).encode()


def event_hash(prev_hash: str, run_id: str, ts: str, kind: str, actor: str, payload: str) -> str:
    return hashlib.sha256(
        prev_hash.encode() + event_bytes(run_id, ts, kind, actor, payload)
    ).hexdigest()


def digest_hash(prev_hash: str, seq: int, ts: str, run_id: str, count: int, head: str) -> str:
    body = canonical_json(
        {"seq": seq, "ts": ts, "run_id": run_id, "event_count": count, "run_head": head}
    )
    return hashlib.sha256(prev_hash.encode() + body.encode()).hexdigest()
