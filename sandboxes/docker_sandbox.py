"""`DockerSandbox`: the `Sandbox` protocol on the Docker engine, hardened by default."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Self

import docker
import docker.errors

from sandboxes import cleanup, labels
from sandboxes.base import ExecResult
from sandboxes.config import DockerSandboxConfig
from sandboxes.docker_engine import BUILD_HINT, connect, require_image
from sandboxes.errors import ImageLacksTools, SandboxError
from sandboxes.execstream import run_exec
from sandboxes.hardening import WORKSPACE, host_config_kwargs, sandbox_env
from sandboxes.ownership import Loan, WorkspaceOwner, give_back, lend, sandbox_identity, sync

KEEPALIVE = ["sleep", "infinity"]
SIGKILL_EXIT = 137
_MISSING_TOOL = re.compile(r"(executable file not found|not found|No such file)", re.I)
_OOM_COUNTER = re.compile(r"^oom_kill (\d+)$", re.M)
CGROUP_OOM_FILES = (
    "/sys/fs/cgroup/memory/docker/{id}/memory.oom_control",  # v1, cgroupfs driver
    "/sys/fs/cgroup/memory/system.slice/docker-{id}.scope/memory.oom_control",  # v1, systemd
    "/sys/fs/cgroup/system.slice/docker-{id}.scope/memory.events",  # v2, systemd
    "/sys/fs/cgroup/docker/{id}/memory.events",  # v2, cgroupfs driver
)


class DockerSandbox:
    """A hardened container with `worktree` mounted at /workspace; removed on every exit path.

    `with DockerSandbox(cfg, worktree=path, run_id=run) as sb: sb.exec("pytest -q")`
    """

    def __init__(
        self,
        cfg: DockerSandboxConfig,
        *,
        worktree: Path | None,
        run_id: str,
        role: str = "agent",
        image: str | None = None,
        client: docker.DockerClient | None = None,
        installation: str | None = None,
    ) -> None:
        self.cfg = cfg
        self.worktree = worktree.resolve() if worktree else None
        self.run_id = run_id
        self.role = role
        self.installation = installation
        """Labelled on the container, so only this installation's reaping removes it."""
        self.image = image or cfg.image
        self._client = client
        self.container_id: str | None = None
        self.user, self._hands_over = sandbox_identity(cfg.sandbox_uid)
        self._sandbox_owner = WorkspaceOwner(cfg.sandbox_uid, cfg.sandbox_uid)
        self._loan: Loan | None = None
        self._oom_kills_seen = 0

    @property
    def client(self) -> docker.DockerClient:
        if self._client is None:
            self._client = connect()
        return self._client

    def start(self) -> None:
        """Create and start the container (idempotent); `__enter__` calls it."""
        if self.container_id is not None:
            return
        if self.worktree is not None and not self.worktree.is_dir():
            # Docker would silently create a root-owned empty directory in its place.
            raise SandboxError(f"worktree {self.worktree} is not a directory; create it first")
        if self.worktree is not None and self._hands_over and self._loan is None:
            self._loan = lend(self.worktree, self._sandbox_owner)
        api = self.client.api
        try:
            created = self._create(api)
        except docker.errors.ImageNotFound:
            require_image(self.client, self.image)  # raises ImageMissing with the fix
            raise
        self.container_id = created["Id"]
        cleanup.register(self.container_id, self.remove)
        try:
            api.start(self.container_id)
        except docker.errors.APIError as exc:
            self.remove()
            if _MISSING_TOOL.search(str(exc)):
                raise ImageLacksTools(
                    f"image {self.image} cannot run `sleep`: use the default image ({BUILD_HINT})"
                ) from exc
            raise SandboxError(f"sandbox container failed to start: {exc}") from exc

    def _create(self, api: docker.APIClient) -> dict[str, str]:
        created: dict[str, str] = api.create_container(
            self.image,
            command=KEEPALIVE,
            user=self.user,
            working_dir=WORKSPACE,
            environment=sandbox_env(self.cfg),
            labels=labels.container_labels(self.run_id, self.role, self.installation),
            host_config=api.create_host_config(
                **host_config_kwargs(self.cfg, self.worktree, self.user)
            ),
            network_disabled=True,
        )
        return created

    def exec(
        self,
        cmd: str | Sequence[str],
        *,
        timeout: float | None = None,
        cwd: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> ExecResult:
        if self.container_id is None:
            raise SandboxError("sandbox is not started: use it as a context manager")
        if self.worktree is not None and self._loan is not None:
            sync(self.worktree, self._sandbox_owner)  # host tools may have added files
        argv = ["sh", "-c", cmd] if isinstance(cmd, str) else list(cmd)
        if not argv:
            raise ValueError("exec needs a command: pass a shell string or a non-empty argv")
        limit = timeout if timeout is not None else self.cfg.command_timeout_s
        if limit <= 0:
            raise ValueError(f"timeout must be positive seconds, got {limit}")
        try:
            outcome = run_exec(
                self.client.api,
                self.container_id,
                argv,
                user=self.user,
                workdir=_in_workspace(cwd),
                env=sandbox_env(self.cfg, env),
                timeout=limit,
                cap=self.cfg.output_cap_bytes,
            )
        except docker.errors.APIError as exc:
            raise SandboxError(
                f"sandbox container {self.container_id[:12]} stopped answering "
                f"({exc.explanation}); start a new sandbox"
            ) from exc
        if outcome.exit_code in (126, 127) and "setsid" in outcome.stdout + outcome.stderr:
            raise ImageLacksTools(
                f"image {self.image} lacks `setsid`/`sh` (util-linux): use the default image "
                f"({BUILD_HINT})"
            )
        host_count = self._host_oom_kills()
        if host_count is not None:  # local engine: the cgroup counter is one file read away
            oom, self._oom_kills_seen = host_count > self._oom_kills_seen, host_count
        else:
            oom = (
                outcome.exit_code == SIGKILL_EXIT and not outcome.timed_out and self._oom_happened()
            )
        return ExecResult(
            exit_code=outcome.exit_code,
            stdout=outcome.stdout,
            stderr=outcome.stderr,
            truncated=outcome.truncated,
            timed_out=outcome.timed_out,
            oom_killed=oom,
            duration_s=outcome.duration_s,
        )

    def remove(self) -> None:
        """Remove the container (idempotent) and hand the worktree back to its owner."""
        container_id, self.container_id = self.container_id, None
        if container_id is not None:
            with contextlib.suppress(docker.errors.NotFound):
                self.client.api.remove_container(container_id, force=True)
            cleanup.unregister(container_id)
        if self._loan is not None and self.worktree is not None:
            give_back(self.worktree, self._loan)
            self._loan = None

    def _host_oom_kills(self) -> int | None:
        """The container's OOM-kill counter read from the host's cgroupfs, when visible here."""
        assert self.container_id is not None
        for template in CGROUP_OOM_FILES:
            path = Path(template.format(id=self.container_id))
            try:
                text = path.read_text()
            except OSError:
                continue
            return sum(int(n) for n in _OOM_COUNTER.findall(text))
        return None

    def _oom_happened(self) -> bool:
        """Evidence of an OOM kill since the last check: the engine's flag or the cgroup counter."""
        assert self.container_id is not None
        state = self.client.api.inspect_container(self.container_id)["State"]
        if state.get("OOMKilled"):
            return True
        probe = run_exec(
            self.client.api,
            self.container_id,
            [
                "sh",
                "-c",
                "cat /sys/fs/cgroup/memory/memory.oom_control /sys/fs/cgroup/memory.events",
            ],
            user=self.user,
            workdir="/",
            env=sandbox_env(self.cfg),
            timeout=30,
            cap=4096,
        )
        kills = sum(int(n) for n in _OOM_COUNTER.findall(probe.stdout))
        happened = kills > self._oom_kills_seen
        self._oom_kills_seen = kills
        return happened

    def __enter__(self) -> Self:
        cleanup.install_sigterm_handler()
        try:
            self.start()
        except BaseException:
            self.remove()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.remove()


def _in_workspace(cwd: str | None) -> str:
    if cwd is None:
        return WORKSPACE
    if cwd.startswith("/"):
        return cwd
    return f"{WORKSPACE}/{cwd}"
