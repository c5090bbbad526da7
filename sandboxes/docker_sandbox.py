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
import requests

from sandboxes import cleanup, labels
from sandboxes.base import ExecResult
from sandboxes.config import DockerSandboxConfig
from sandboxes.docker_engine import BUILD_HINT, connect, require_image
from sandboxes.errors import EngineUnavailable, ImageLacksTools, SandboxError
from sandboxes.execstream import run_exec
from sandboxes.hardening import WORKSPACE, host_config_kwargs, sandbox_env
from sandboxes.ownership import Loan, WorkspaceOwner, give_back, lend, sandbox_identity, sync

KEEPALIVE = ["sleep", "infinity"]
SIGKILL_EXIT = 137
SETTLE_S = 2.0
OCI_EXEC_FAILED = "OCI runtime exec failed"
_MISSING_TOOL = re.compile(r"(executable file not found|not found|No such file)", re.I)
_OOM_COUNTER = re.compile(r"^oom_kill (\d+)$", re.M)
_PIDS_LIMIT_HITS = re.compile(r"^max (\d+)$", re.M)
CGROUP_PIDS_DIRS = (
    "/sys/fs/cgroup/pids/docker/{id}",  # v1, cgroupfs driver
    "/sys/fs/cgroup/pids/system.slice/docker-{id}.scope",  # v1, systemd
    "/sys/fs/cgroup/system.slice/docker-{id}.scope",  # v2, systemd
    "/sys/fs/cgroup/docker/{id}",  # v2, cgroupfs driver
)
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
        self._pids_hits_seen = 0

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
            if outcome.exit_code in (126, 127) and "setsid" in outcome.stdout + outcome.stderr:
                raise ImageLacksTools(
                    f"image {self.image} lacks `setsid`/`sh` (util-linux): use the default "
                    f"image ({BUILD_HINT})"
                )
            oom = self._oom_seen(outcome.exit_code, outcome.timed_out)
            exhausted = self._pids_exhausted()
            if not outcome.timed_out and _may_have_died_with_its_container(
                outcome.exit_code, outcome.stdout, oom
            ):
                self._require_alive(argv)
        except docker.errors.APIError as exc:
            # A container killed mid-command also refuses the exec calls that follow it (the
            # process group's cleanup, the exit code): say it died, with its exit status.
            with contextlib.suppress(docker.errors.APIError, requests.exceptions.RequestException):
                self._require_alive(argv)
            raise SandboxError(
                f"sandbox container {self.container_id[:12]} stopped answering "
                f"({exc.explanation}); start a new sandbox"
            ) from exc
        except (
            docker.errors.DockerException,
            requests.exceptions.RequestException,
            OSError,
        ) as exc:
            # A restarting engine resets the exec's socket or refuses the next request.
            raise EngineUnavailable(
                f"the Docker engine stopped answering while sandbox {self.container_id[:12]} "
                f"ran a command ({type(exc).__name__}); once it is back, start a new sandbox"
            ) from exc
        return ExecResult(
            exit_code=outcome.exit_code,
            stdout=outcome.stdout,
            stderr=outcome.stderr,
            truncated=outcome.truncated,
            timed_out=outcome.timed_out,
            oom_killed=oom,
            pids_exhausted=exhausted,
            duration_s=outcome.duration_s,
        )

    def _oom_seen(self, exit_code: int, timed_out: bool) -> bool:
        """Whether the kernel killed something in the sandbox for memory during the command."""
        host_count = self._host_oom_kills()
        if host_count is not None:  # local engine: the cgroup counter is one file read away
            oom, self._oom_kills_seen = host_count > self._oom_kills_seen, host_count
            return oom
        return exit_code == SIGKILL_EXIT and not timed_out and self._oom_happened()

    def _pids_exhausted(self) -> bool:
        """Whether the command's processes hit the pids limit and still fill three quarters of
        it (a fork bomb). Then the sandbox is restarted: nothing else could stop them, since
        even the command that would kill them cannot start. Read from the host's cgroupfs,
        when it is visible from here."""
        assert self.container_id is not None
        for template in CGROUP_PIDS_DIRS:
            folder = Path(template.format(id=self.container_id))
            try:
                events = (folder / "pids.events").read_text()
                current = int((folder / "pids.current").read_text())
                ceiling = (folder / "pids.max").read_text().strip()
            except (OSError, ValueError):
                continue
            hits = sum(int(n) for n in _PIDS_LIMIT_HITS.findall(events))
            grew, self._pids_hits_seen = hits > self._pids_hits_seen, hits
            # A bomb's processes come and go at the ceiling; a test runner that touched the
            # limit and finished leaves the sandbox nearly empty.
            if not grew or not ceiling.isdigit() or current * 4 < int(ceiling) * 3:
                return False
            self.client.api.restart(self.container_id, timeout=0)
            # A restarted container's counters may start again from zero.
            self._pids_hits_seen = 0
            self._oom_kills_seen = self._host_oom_kills() or 0
            return True
        return False

    def _require_alive(self, argv: Sequence[str]) -> None:
        """Raise when the container itself died during the command (killed from outside, the
        engine restarted): the command's exit status would otherwise read as its own. The
        engine reports a killed container's exit a moment after its processes die, so this
        waits up to `SETTLE_S` for it before taking the container for alive."""
        assert self.container_id is not None
        api = self.client.api
        try:
            api.wait(self.container_id, timeout=SETTLE_S)
        except requests.exceptions.RequestException:
            if api.inspect_container(self.container_id)["State"].get("Running"):
                return
        state = api.inspect_container(self.container_id)["State"]
        shown = " ".join(argv[2:] if argv[:2] == ["sh", "-c"] else argv)[:80]
        why = "out of memory" if state.get("OOMKilled") else "killed from outside"
        raise SandboxError(
            f"sandbox container {self.container_id[:12]} died while `{shown}` ran ({why}, "
            f"exit {state.get('ExitCode')}); start a new sandbox"
        )

    def remove(self) -> None:
        """Remove the container (idempotent) and hand the worktree back to its owner."""
        container_id, self.container_id = self.container_id, None
        if container_id is not None:
            try:
                self.client.api.remove_container(container_id, force=True)
            except docker.errors.NotFound:
                pass
            except (docker.errors.DockerException, requests.exceptions.RequestException):
                # The engine is gone (restarting): the labelled container outlives this
                # process, and the next run's start reaps it (factory/run/reaping.py).
                pass
            cleanup.unregister(container_id)
        if self._loan is not None and self.worktree is not None:
            if self.worktree.is_dir():  # a pooled sandbox's slot may be gone already
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


def _may_have_died_with_its_container(exit_code: int, stdout: str, oom: bool) -> bool:
    """A SIGKILL no OOM explains, a lost stream, or an exec the runtime refused: what a
    command sees when its container dies under it."""
    if exit_code in (SIGKILL_EXIT, -1):
        return not oom
    return exit_code == 126 and OCI_EXEC_FAILED in stdout


def _in_workspace(cwd: str | None) -> str:
    if cwd is None:
        return WORKSPACE
    if cwd.startswith("/"):
        return cwd
    return f"{WORKSPACE}/{cwd}"
