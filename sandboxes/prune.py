"""`prune`: remove labelled containers nobody will clean up any more. Safe at any time.

A container is removed when its owning process (the `host:pid` owner label) is on this host
and dead, or, when its owner is elsewhere or unknown, when `is_active(run_id)` says its run
is over. A container whose owner is alive on this host is always kept: that process removes
its own containers on every exit path, and pruning it would pull a sandbox from under a run.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass, field

import docker
import docker.errors

from sandboxes import labels
from sandboxes.docker_engine import connect


@dataclass
class PruneReport:
    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


CONFLICT = 409
"""The engine's answer while a removal of the same container is already in progress."""


def prune(
    is_active: Callable[[str], bool] | None = None,
    *,
    run_prefix: str | None = None,
    dry_run: bool = False,
    client: docker.DockerClient | None = None,
) -> PruneReport:
    """Remove stale factory containers (only runs starting with `run_prefix`, when given)."""
    client = client or connect()
    report = PruneReport()
    for summary in client.api.containers(all=True, filters={"label": labels.RUN}):
        container_labels = summary.get("Labels") or {}
        run_id = container_labels.get(labels.RUN, "")
        if run_prefix is not None and not run_id.startswith(run_prefix):
            continue
        name = f"{summary['Id'][:12]} (run {run_id or '?'})"
        if not _is_stale(container_labels.get(labels.OWNER, ""), run_id, is_active):
            report.kept.append(name)
            continue
        if not dry_run:
            try:
                client.api.remove_container(summary["Id"], force=True)
            except docker.errors.NotFound:
                pass
            except docker.errors.APIError as error:
                # Another process (or thread) is removing it right now: that is the goal too.
                if error.status_code != CONFLICT:
                    raise
        report.removed.append(name)
    return report


def _is_stale(owner: str, run_id: str, is_active: Callable[[str], bool] | None) -> bool:
    parsed = labels.parse_owner(owner)
    if parsed is not None and parsed[0] == socket.gethostname():
        return labels.owner_is_gone(*parsed)
    return is_active is not None and not is_active(run_id)
