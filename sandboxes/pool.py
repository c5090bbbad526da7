"""A warm pool of started sandboxes per image, refilled in the background.

A started container cannot gain a bind mount, so each pooled sandbox mounts its own empty
host *slot* directory at /workspace. Whoever acquires one fills the slot (typically
`git worktree add <slot>`); the files appear in the sandbox at once. After acquire, the
slot directory belongs to the caller; the sandbox removes only its container on exit.

A pool made with `refill=False` starts its `size` sandboxes once, in the background, and no
more: for a caller that knows how many it will take (a follow-up round takes one, started
while the round sets itself up). Its `acquire` waits for a sandbox still starting rather
than cold-starting a second one. Such a pool of one may name its slot (`slot_name`): the
folder where the caller's worktree must be, whether or not it is there already.
"""

from __future__ import annotations

import contextlib
import queue
import shutil
import tempfile
import threading
import time
import uuid
from pathlib import Path
from types import TracebackType
from typing import Self

import docker

from sandboxes import cleanup
from sandboxes.config import DockerSandboxConfig
from sandboxes.docker_engine import connect, require_image
from sandboxes.docker_sandbox import DockerSandbox

REFILL_RETRY_S = 5.0


class WarmPool:
    """`with WarmPool(cfg) as pool: with pool.acquire() as sb: ...` (size from config)."""

    def __init__(
        self,
        cfg: DockerSandboxConfig,
        *,
        size: int | None = None,
        image: str | None = None,
        slot_root: Path | None = None,
        run_id: str | None = None,
        client: docker.DockerClient | None = None,
        installation: str | None = None,
        refill: bool = True,
        slot_name: str | None = None,
    ) -> None:
        if slot_name is not None and (refill or (size or 0) != 1):
            raise ValueError("only a pool of one that does not refill may name its slot")
        self.cfg = cfg
        self._slot_name = slot_name
        self._refills = refill
        self._started = 0
        self.installation = installation
        self.size = cfg.warm_pool_size if size is None else size
        self.image = image or cfg.image
        self.run_id = run_id or f"pool-{uuid.uuid4().hex[:12]}"
        self.client = client or connect()
        self._own_slot_root = slot_root is None
        self.slot_root = slot_root or Path(tempfile.mkdtemp(prefix="agent-factory-pool-"))
        self._ready: queue.Queue[DockerSandbox] = queue.Queue()
        self._wanted = threading.Event()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_error: BaseException | None = None

    def start(self) -> None:
        """Check the image, then fill the pool in a background thread."""
        require_image(self.client, self.image)
        cleanup.install_sigterm_handler()
        self._wanted.set()
        self._thread = threading.Thread(target=self._refill, name="sandbox-pool", daemon=True)
        self._thread.start()

    def acquire(self, *, refill: bool = True) -> DockerSandbox:
        """A started sandbox whose `worktree` is an empty slot; cold-starts one if none is ready.

        `refill=False` when the caller knows nobody will ask again: a container started for
        no one would only have to be waited for and removed at shutdown."""
        sandbox = self._take_ready()
        if sandbox is None:
            sandbox = self._new_sandbox()
            sandbox.start()
        if refill and self._refills:
            self._wanted.set()
        return sandbox

    def _take_ready(self) -> DockerSandbox | None:
        """A ready sandbox; for a pool that starts its sandboxes once, also one still starting
        (None when its start failed: the caller cold-starts one and sees the real error)."""
        waits = not self._refills
        while True:
            starting = waits and self._thread is not None and self._thread.is_alive()
            try:
                return self._ready.get(timeout=0.05) if starting else self._ready.get_nowait()
            except queue.Empty:
                if not starting:
                    return None

    def release(self, sandbox: DockerSandbox) -> None:
        """Remove a sandbox taken from this pool in the background (`cleanup.remove_later`):
        its caller is done with it and need not wait for the engine."""
        cleanup.remove_later(sandbox.remove)

    def wait_until_full(self, timeout: float) -> bool:
        """Block until `size` sandboxes are ready (or `timeout` passes); True when full."""
        deadline = time.monotonic() + timeout
        while self._ready.qsize() < self.size and time.monotonic() < deadline:
            self._stopped.wait(0.05)
        return self._ready.qsize() >= self.size

    def shutdown(self) -> None:
        """Stop refilling and remove every sandbox still waiting in the pool."""
        self._stopped.set()
        self._wanted.set()
        if self._thread is not None:
            self._thread.join(timeout=60)
        while True:
            try:
                sandbox = self._ready.get_nowait()
            except queue.Empty:
                break
            sandbox.remove()
            if sandbox.worktree is not None:
                self._discard_slot(sandbox.worktree)
        if self._own_slot_root:
            with contextlib.suppress(OSError):
                self.slot_root.rmdir()  # only when every acquired slot was cleaned up too

    def _discard_slot(self, slot: Path) -> None:
        if self._slot_name is None:
            shutil.rmtree(slot, ignore_errors=True)
        else:  # the caller's folder: only as this pool made it (empty), never its worktree
            with contextlib.suppress(OSError):
                slot.rmdir()

    def _refill(self) -> None:
        while not self._stopped.is_set():
            self._wanted.wait()
            if self._stopped.is_set():
                return
            if not self._refills and self._started >= self.size:
                return  # started once, as many as asked for
            if self._ready.qsize() >= self.size:
                self._wanted.clear()
                continue
            sandbox = self._new_sandbox()
            self._started += 1
            try:
                sandbox.start()
            except Exception as exc:  # the pool degrades to cold starts; report, retry later
                self.last_error = exc
                sandbox.remove()
                if not self._refills:
                    return  # `acquire` cold-starts one, which reports the error itself
                self._stopped.wait(REFILL_RETRY_S)
                continue
            if self._stopped.is_set():
                sandbox.remove()
                return
            self._ready.put(sandbox)

    def _new_sandbox(self) -> DockerSandbox:
        slot = self.slot_root / (self._slot_name or uuid.uuid4().hex[:16])
        slot.mkdir(parents=True, exist_ok=self._slot_name is not None)
        return DockerSandbox(
            self.cfg,
            worktree=slot,
            run_id=self.run_id,
            role="pool",
            image=self.image,
            client=self.client,
            installation=self.installation,
        )

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.shutdown()
