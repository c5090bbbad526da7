"""What the dashboard's buttons do, through the same core functions as the CLI.

Approving or rejecting drives the run onward (merge or close, with its sandbox and forge), which
takes seconds: it runs on a worker thread and the run page polls until it has moved on. Halts
are quick and done in the request. Each names the logged-in person, who lands in the audit log
(`approval.*` events as `human:<name>`, `factory.halted` events and the halts table).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import structlog

from factory.config import FactoryConfig
from factory.governance.halts import HaltResult, halt, unhalt
from factory.store import Store

log = structlog.get_logger()


class ActionRunner:
    """Runs approvals off the request thread; remembers what is pending and what failed."""

    def __init__(self, config: FactoryConfig, store: Store) -> None:
        self.config, self.store = config, store
        self.pending: set[str] = set()
        self.errors: dict[str, str] = {}
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def answer(self, run_id: str, answer: dict[str, Any]) -> None:
        from factory.run.runner import RunError, answer_approval

        run = self.store.runs.get(run_id)
        if run.status != "waiting_approval":
            raise RunError(f"{run_id} is {run.status}, not waiting for approval")
        with self._lock:
            if run_id in self.pending:
                raise RunError(f"{run_id} is already being decided")
            self.pending.add(run_id)
            self.errors.pop(run_id, None)

        def work() -> None:
            try:
                answer_approval(self.config, self.store, run_id, answer)
            except Exception as error:  # shown on the run page; the run stays resumable
                log.warning("dashboard approval failed", run_id=run_id, error=str(error))
                self.errors[run_id] = str(error)
            finally:
                with self._lock:
                    self.pending.discard(run_id)

        self._start(work)

    def halt(self, scope: str, reason: str, by: str) -> HaltResult:
        return halt(self.store, scope, reason, by)

    def unhalt(self, scope: str, by: str) -> HaltResult:
        return unhalt(self.store, scope, by)

    def _start(self, work: Callable[[], None]) -> None:
        thread = threading.Thread(target=work, name="factory-web-action", daemon=True)
        self._threads.append(thread)
        thread.start()

    def wait(self, timeout: float | None = None) -> None:
        """Let running actions finish (on shutdown)."""
        for thread in list(self._threads):
            thread.join(timeout)
