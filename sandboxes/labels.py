"""Labels every container and image the factory makes carries, and who owns it."""

from __future__ import annotations

import os
import socket

RUN = "agent-factory.run"
ROLE = "agent-factory.role"
OWNER = "agent-factory.owner"
INSTALLATION = "agent-factory.installation"
"""Which installation (one record store) a container works for: several may share an
engine (two checkouts, two data directories), and each reaps only its own."""
CONTENT = "agent-factory.content"
SETUP_KEY = "agent-factory.setup-key"


def this_process() -> tuple[str, int]:
    """This process as (host name, pid): the owner of the containers, run leases and sweeps it
    starts, which another process of the same host can check is still alive."""
    return socket.gethostname(), os.getpid()


def owner_label() -> str:
    """`host:pid` of this process, as a container's owner label and a sweep's owner record it,
    so that whoever finds one (`prune`, a sweep listing) can tell whether its owner lives."""
    host, pid = this_process()
    return f"{host}:{pid}"


def container_labels(run_id: str, role: str, installation: str | None = None) -> dict[str, str]:
    found = {RUN: run_id, ROLE: role, OWNER: owner_label()}
    if installation:
        found[INSTALLATION] = installation
    return found


def parse_owner(label: str) -> tuple[str, int] | None:
    host, _, pid = label.rpartition(":")
    if not host or not pid.isdigit():
        return None
    return host, int(pid)


def owner_is_gone(host: str, pid: int) -> bool:
    """True only when the owner is a process of this host that no longer exists.

    An owner on another host cannot be checked from here: it is never reported gone (callers
    fall back on what the record store knows, such as an expired lease).
    """
    if host != socket.gethostname() or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, under another user
        return False
    return False
