"""Sandboxes left behind by dead processes, removed whenever a run starts or resumes.

A `kill -9` leaves the dead process's containers running until someone removes them. Every
`run`, `resume`, `approve` and `reject` starts by removing labelled containers of this
installation (its record store, `store.database.installation_id`) whose owner process is gone
from this host (the one `sandboxes.prune` implementation, without the store: containers of
live owners, of other hosts and of other installations sharing the engine are never touched).
"""

from __future__ import annotations

import structlog

from factory.config import FactoryConfig
from factory.store.database import installation_id
from sandboxes.prune import prune

log = structlog.get_logger()


def reap_orphan_sandboxes(config: FactoryConfig) -> list[str]:
    """Remove this installation's containers of dead owners on this host; returns them."""
    report = prune(installation=installation_id(config.database_url))
    if report.removed:
        log.info(
            "removed sandboxes left by dead processes",
            count=len(report.removed),
            containers=report.removed,
        )
    return report.removed
