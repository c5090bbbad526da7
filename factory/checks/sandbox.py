"""The Docker sandbox: the engine answers and has the image (the preflight), and, as a fact of
the machine `factory doctor` adds, a real container proves the hardening holds."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from factory.checks.findings import CheckFinding
from factory.config.errors import key_path
from factory.config.settings import FactoryConfig
from sandboxes.config import DockerSandboxConfig, size_in_bytes
from sandboxes.docker_engine import BUILD_HINT, connect, require_image
from sandboxes.docker_sandbox import DockerSandbox
from sandboxes.errors import SandboxError

if TYPE_CHECKING:
    import docker

SMOKE_SCRIPT = (
    "id -u; ls /sys/class/net | tr '\\n' ' '; echo; "
    "if touch /.agent-factory-probe 2>/dev/null; then echo writable; else echo read-only; fi"
)


def sandbox_findings(config: FactoryConfig) -> list[CheckFinding]:
    """The preflight's part: the Docker engine answers and has the sandbox image (problems
    only; `factory doctor` shows what passed)."""
    found = check_sandbox(config.sandbox, smoke_test=False)
    return [finding for finding in found if finding.severity != "ok"]


def check_sandbox(cfg: DockerSandboxConfig, *, smoke_test: bool = True) -> list[CheckFinding]:
    """Engine reachable, image present, and (`smoke_test`) the hardening tried on a real
    container. Passing checks are `ok` findings saying what was seen."""
    try:
        client = connect(timeout=10)
    except SandboxError as exc:
        return [
            CheckFinding(
                key="docker engine",
                detail=f"the Docker engine is unreachable: {exc}",
                fix="start Docker, or fix DOCKER_HOST",
                kind="environment",
            )
        ]
    try:
        version = client.version()
        checks = [
            CheckFinding(
                key="docker engine",
                severity="ok",
                detail=f"Docker {version.get('Version', '?')} "
                f"(API {version.get('ApiVersion', '?')})",
            )
        ]
        try:
            image = require_image(client, cfg.image)
        except SandboxError as exc:
            return [
                *checks,
                CheckFinding(
                    key=key_path(("sandbox", "image")),
                    detail=str(exc),
                    fix=BUILD_HINT,
                    kind="environment",
                ),
            ]
        checks.append(
            CheckFinding(
                key=key_path(("sandbox", "image")),
                severity="ok",
                detail=f"{cfg.image} ({image.short_id})",
            )
        )
        return checks + (_smoke_test(cfg, client) if smoke_test else [])
    finally:
        client.close()


def _smoke_test(cfg: DockerSandboxConfig, client: docker.DockerClient) -> list[CheckFinding]:
    try:
        with DockerSandbox(
            cfg, worktree=None, run_id=f"doctor-{uuid.uuid4().hex[:8]}", role="smoke", client=client
        ) as sandbox:
            result = sandbox.exec(SMOKE_SCRIPT, timeout=60)
            assert sandbox.container_id is not None
            host = client.api.inspect_container(sandbox.container_id)["HostConfig"]
    except SandboxError as exc:
        return [
            CheckFinding(
                key="sandbox smoke test", detail=str(exc), fix=BUILD_HINT, kind="environment"
            )
        ]
    lines = result.stdout.splitlines() + ["", "", ""]
    uid, interfaces, root_probe = lines[0].strip(), lines[1].split(), lines[2].strip()
    limits_ok = (
        host.get("Memory") == size_in_bytes(cfg.memory)
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
        CheckFinding(
            key=name,
            severity="ok" if ok else "error",
            detail=detail,
            fix="" if ok else hint,
            kind="environment",
        )
        for name, ok, detail in results
    ]
