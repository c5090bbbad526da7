"""`check_sandbox`: is this machine ready to run agents? Used by `factory doctor`."""

from __future__ import annotations

import uuid

import docker
from pydantic import BaseModel, ConfigDict

from sandboxes.config import DockerSandboxConfig
from sandboxes.docker_engine import BUILD_HINT, connect, require_image
from sandboxes.docker_sandbox import DockerSandbox
from sandboxes.errors import SandboxError
from sandboxes.hardening import memory_bytes

SMOKE_SCRIPT = (
    "id -u; ls /sys/class/net | tr '\\n' ' '; echo; "
    "if touch /.agent-factory-probe 2>/dev/null; then echo writable; else echo read-only; fi"
)


class HealthCheck(BaseModel):
    """One line of `factory doctor`: what was checked, whether it passed, how to fix it."""

    model_config = ConfigDict(frozen=True)

    name: str
    ok: bool
    detail: str
    hint: str


def check_sandbox(cfg: DockerSandboxConfig) -> list[HealthCheck]:
    """Engine reachable, image present, and a smoke test of the hardening on a real container."""
    try:
        client = connect(timeout=30)
    except SandboxError as exc:
        return [HealthCheck(name="docker engine", ok=False, detail=str(exc), hint="start Docker")]
    version = client.version()
    checks = [
        HealthCheck(
            name="docker engine",
            ok=True,
            detail=f"Docker {version.get('Version', '?')} (API {version.get('ApiVersion', '?')})",
            hint="",
        )
    ]
    try:
        image = require_image(client, cfg.image)
    except SandboxError as exc:
        return [
            *checks,
            HealthCheck(name="sandbox image", ok=False, detail=str(exc), hint=BUILD_HINT),
        ]
    checks.append(
        HealthCheck(
            name="sandbox image", ok=True, detail=f"{cfg.image} ({image.short_id})", hint=""
        )
    )
    return checks + _smoke_test(cfg, client)


def _smoke_test(cfg: DockerSandboxConfig, client: docker.DockerClient) -> list[HealthCheck]:
    try:
        with DockerSandbox(
            cfg, worktree=None, run_id=f"doctor-{uuid.uuid4().hex[:8]}", role="smoke", client=client
        ) as sandbox:
            result = sandbox.exec(SMOKE_SCRIPT, timeout=60)
            assert sandbox.container_id is not None
            host = client.api.inspect_container(sandbox.container_id)["HostConfig"]
    except SandboxError as exc:
        return [HealthCheck(name="sandbox smoke test", ok=False, detail=str(exc), hint=BUILD_HINT)]
    lines = result.stdout.splitlines() + ["", "", ""]
    uid, interfaces, root_probe = lines[0].strip(), lines[1].split(), lines[2].strip()
    limits_ok = (
        host.get("Memory") == memory_bytes(cfg.memory)
        and host.get("NanoCpus") == int(cfg.cpus * 1e9)
        and host.get("PidsLimit") == cfg.pids
    )
    hint = "the engine ignored a setting: check `docker info` for warnings (cgroups, seccomp)"
    results = [
        ("runs as non-root", uid not in ("", "0"), f"uid {uid}"),
        (
            "network none",
            host.get("NetworkMode") == "none" and interfaces == ["lo"],
            f"mode {host.get('NetworkMode')}, interfaces {' '.join(interfaces) or '-'}",
        ),
        (
            "limits applied",
            limits_ok,
            f"memory {host.get('Memory')} B, cpus {(host.get('NanoCpus') or 0) / 1e9:g}, "
            f"pids {host.get('PidsLimit')}",
        ),
        (
            "read-only root",
            bool(host.get("ReadonlyRootfs")) and root_probe == "read-only",
            f"root filesystem {root_probe or 'unknown'}",
        ),
    ]
    return [
        HealthCheck(name=name, ok=ok, detail=detail, hint="" if ok else hint)
        for name, ok, detail in results
    ]
