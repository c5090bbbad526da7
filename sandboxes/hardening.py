"""The container settings that make a sandbox a sandbox; one place, so tests can inspect it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sandboxes.config import DockerSandboxConfig, size_in_bytes

WORKSPACE = "/workspace"
HOME = "/home/agent"
SANDBOX_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
BASE_ENV = {"PATH": SANDBOX_PATH, "HOME": HOME, "LANG": "C.UTF-8"}
"""The whole environment a sandbox starts with: built here, never copied from the host."""


def sandbox_env(cfg: DockerSandboxConfig, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    return {**BASE_ENV, **cfg.env, **(extra or {})}


def host_config_kwargs(
    cfg: DockerSandboxConfig, worktree: Path | None, user: str = "10001:10001"
) -> dict[str, Any]:
    """Arguments for `APIClient.create_host_config`: no network, no caps, read-only, limited.

    `user` is the "uid:gid" commands run as; HOME's tmpfs is created owned by it.
    """
    uid, _, gid = user.partition(":")
    memory = size_in_bytes(cfg.memory)
    binds = {str(worktree): {"bind": WORKSPACE, "mode": "rw"}} if worktree else None
    tmpfs_opts = "rw,exec,nosuid,nodev,mode=1777"
    return {
        "network_mode": "none",
        "cap_drop": ["ALL"],
        "security_opt": ["no-new-privileges"],
        "read_only": True,
        "tmpfs": {
            "/tmp": f"{tmpfs_opts},size={cfg.tmp_size}",
            HOME: f"rw,exec,nosuid,nodev,uid={uid},gid={gid or uid},mode=0700,size={cfg.home_size}",
        },
        "mem_limit": memory,
        "memswap_limit": memory,  # equal to the limit: no swap, so OOM is prompt and visible
        "nano_cpus": int(cfg.cpus * 1e9),
        "pids_limit": cfg.pids,
        "binds": binds,
        "ipc_mode": "private",
    }
