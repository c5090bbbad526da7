"""The hash chain's arithmetic: canonical JSON and the two link functions. No I/O.

An event's hash covers its run id, timestamp, kind, actor and payload, chained to the previous
event's hash. Its sequence number is deliberately not hashed: the links alone fix an event's
position, so a renumbered event shows up as *reordered* (links intact, order wrong) rather than
as an indistinct *edited*, which lets verification say precisely what happened.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import orjson

GENESIS = "0" * 64
"""The `prev_hash` of a run's first event and of the first digest row."""


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
# Datetimes and dataclasses go to `default` (absent), i.e. are refused as the stdlib refuses them.
_ORJSON_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
_ORJSON_OPTIONS |= orjson.OPT_PASSTHROUGH_DATACLASS


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, UTF-8 kept as is: one text per value, on every machine.

    orjson writes the same text as the stdlib encoder ten times faster, which is most of what an
    append costs. Where the two could differ it defers to the stdlib, so the choice depends only
    on the value: orjson refuses it (integers past 64 bits, non-string keys), or its text has a
    `null`, which may be a NaN orjson would silently turn into null. The one difference kept:
    floats below 1e-4 are written positionally (`0.00001`, not `1e-05`); both parse back equal.
    Verification never re-encodes, it hashes the stored text, so older rows stay valid.
    """
    try:
        text = orjson.dumps(value, option=_ORJSON_OPTIONS)
    except TypeError:
        return _CANONICAL.encode(value)
    if b"null" in text:
        return _CANONICAL.encode(value)
    return text.decode()


def timestamp(moment: datetime | None = None) -> str:
    """UTC, microseconds, fixed width: the exact text stored and hashed."""
    moment = (moment or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@lru_cache(maxsize=8192)
def quoted(text: str) -> str:
    # Kinds, actors, run ids and batch timestamps repeat constantly; quoting each once is a
    # large part of what makes verification keep pace with plain hashing.
    return json.dumps(text, ensure_ascii=False)


def event_bytes(run_id: str, ts: str, kind: str, actor: str, payload_json: str) -> bytes:
    """canonical({actor, kind, payload, run_id, ts}) without re-parsing the stored payload."""
    return (
        f'{{"actor":{quoted(actor)},"kind":{quoted(kind)},"payload":{payload_json},'
        f'"run_id":{quoted(run_id)},"ts":{quoted(ts)}}}'
    ).encode()


def link_hashes(
    prev_hash: str, run_id: str, ts: str, events: Iterable[tuple[str, str, str]]
) -> Iterator[str]:
    """The hashes of consecutive events (kind, actor, payload text) sharing run and timestamp.

    The same bytes as `event_hash`, built as one string per event because an append spends
    most of its Python time here.
    """
    sha256 = hashlib.sha256
    tail = f',"run_id":{quoted(run_id)},"ts":{quoted(ts)}}}'
    for kind, actor, payload in events:
        text = (
            f'{prev_hash}{{"actor":{quoted(actor)},"kind":{quoted(kind)},"payload":{payload}{tail}'
        )
        prev_hash = sha256(text.encode()).hexdigest()
        yield prev_hash


def event_hash(prev_hash: str, run_id: str, ts: str, kind: str, actor: str, payload: str) -> str:
    return hashlib.sha256(
        prev_hash.encode() + event_bytes(run_id, ts, kind, actor, payload)
    ).hexdigest()


def digest_hash(prev_hash: str, seq: int, ts: str, run_id: str, count: int, head: str) -> str:
    body = canonical_json(
        {"seq": seq, "ts": ts, "run_id": run_id, "event_count": count, "run_head": head}
    )
    return hashlib.sha256(prev_hash.encode() + body.encode()).hexdigest()
