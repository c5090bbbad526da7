"""Replayed sweeps (`--replay-dir`): which cassette each ticket replays, and its model.

A ticket replays `<ticket key>.jsonl` from the directory when there is one, else the
directory's `default.jsonl`. A cassette's replies name the model they came from, which is what
the budget check prices its runs as.
"""

from __future__ import annotations

import json
from pathlib import Path

DEFAULT_CASSETTE = "default.jsonl"


def cassette_for(directory: Path | None, ticket_key: str) -> Path | None:
    """The cassette a ticket's run replays (None when the sweep calls real models)."""
    if directory is None:
        return None
    own = directory / f"{ticket_key}.jsonl"
    return own if own.is_file() else directory / DEFAULT_CASSETTE


def cassette_model(path: Path) -> str:
    """The model a cassette's replies name (what its runs will be priced as)."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            try:
                return str(json.loads(line).get("reply", {}).get("model") or "replay")
            except ValueError:
                return "replay"
    return "replay"
