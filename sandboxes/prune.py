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


def prune(
    is_active: Callable[[str], bool] | None = None,
    *,
    run_prefix: str | None = None,
    dry_run: bool = False,
    client: docker.DockerClient | None = None,
    installation: str | None = None,
    unlabelled_too: bool = False,
) -> PruneReport:
    """Remove stale factory containers: only runs starting with `run_prefix`, when given;
    only `installation`'s containers, when given (plus, with `unlabelled_too`, those made
    before containers carried an installation, which no installation can claim)."""
    client = client or connect()
    report = PruneReport()
    for summary in client.api.containers(all=True, filters={"label": labels.RUN}):
        container_labels = summary.get("Labels") or {}
        run_id = container_labels.get(labels.RUN, "")
        if run_prefix is not None and not run_id.startswith(run_prefix):
            continue
        if installation is not None:
            theirs = container_labels.get(labels.INSTALLATION)
            if theirs != installation and not (theirs is None and unlabelled_too):
                continue
        name = f"{summary['Id'][:12]} (run {run_id or '?'})"
        if not _is_stale(container_labels.get(labels.OWNER, ""), run_id, is_active):
            report.kept.append(name)
            continue
        if not dry_run:
            _remove(client, summary["Id"])
        report.removed.append(name)
    return report


def _remove(client: docker.DockerClient, container_id: str) -> None:
    """Remove by force; gone already, or being removed by another process, is just as good."""
    try:
        client.api.remove_container(container_id, force=True)
    except docker.errors.NotFound:
        pass
    except docker.errors.APIError as error:
        if error.status_code != 409 or "already in progress" not in str(error):
            raise


def _is_stale(owner: str, run_id: str, is_active: Callable[[str], bool] | None) -> bool:
    parsed = labels.parse_owner(owner)
    if parsed is not None and parsed[0] == socket.gethostname():
        return labels.owner_is_gone(*parsed)
    return is_active is not None and not is_active(run_id)
