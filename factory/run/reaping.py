"""Sandboxes left behind by dead processes, removed whenever a run starts or resumes.

A `kill -9` leaves the dead process's containers running until someone removes them. Every
`run`, `resume`, `approve` and `reject` starts by removing labelled containers whose owner
process is gone from this host (the one `sandboxes.prune` implementation, without the store:
containers of live owners and of other hosts are never touched here).
"""

from __future__ import annotations

import structlog

from sandboxes.prune import prune

log = structlog.get_logger()


def reap_orphan_sandboxes() -> list[str]:
    """Remove containers of dead owners on this host; returns the ones removed."""
    report = prune()
    if report.removed:
        log.info(
            "removed sandboxes left by dead processes",
            count=len(report.removed),
            containers=report.removed,
        )
    return report.removed
