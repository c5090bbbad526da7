"""Evals on workers: `factory eval run --enqueue` on real PostgreSQL, a real `factory worker`,
real Docker and git, the scripted oracle behind a local OpenAI-compatible server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from factory.config import load_config
from factory.eval.mining import mine_repo
from factory.store import Store
from tests.e2e.test_eval import _scripted_tasks
from tests.support.databases import ScratchDatabase, scratch_database
from tests.support.fix_history import build_fix_history, config_for
from tests.support.scripted_models import ScriptedModelServer

pytestmark = [pytest.mark.e2e, pytest.mark.docker, pytest.mark.slow, pytest.mark.integration]


@pytest.fixture
def postgres(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ScratchDatabase]:
    with scratch_database("postgresql", tmp_path) as database:
        monkeypatch.setenv("FACTORY_DATABASE_URL", database.url)
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
        monkeypatch.delenv("OPENAI_API_KEY", raising=False)
        yield database


def factory(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).parent / "factory"), "--config", str(config), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=600)


def wait_for_eval(config: Path, eval_id: str, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        listed = json.loads(factory(config, "eval", "list", "--json").stdout)["evals"]
        (found,) = [e for e in listed if e["id"] == eval_id]
        if found["status"] != "running":
            return dict(found)
        assert time.monotonic() < deadline, f"eval {eval_id} still running"
        time.sleep(2)


def test_a_worker_runs_an_evals_attempts_and_settles_its_figures_within_the_budget(
    postgres: ScratchDatabase, tmp_path: Path
) -> None:
    history = build_fix_history(tmp_path / "calc")
    plain = load_config(config_for(tmp_path, history.path))
    with Store.open(plain) as store:
        assert len(mine_repo(plain, store, "calc", repeats=2).tasks) == 3
    server = ScriptedModelServer("oracle", _scripted_tasks(history, plain))
    server.serve()
    config = config_for(tmp_path, history.path, model_url=server.url, extra="")
    config.write_text(config.read_text() + "\n[budgets]\nmax_usd = 1.0\n")
    worker = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "factory"),
            "--config",
            str(config),
            "worker",
            "--concurrency",
            "1",
        ],
        env=os.environ.copy(),
        stdout=(tmp_path / "worker.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        queued = factory(config, "eval", "run", "--repo", "calc", "--enqueue", "--json")
        assert queued.returncode == 0, queued.stdout + queued.stderr
        eval_id = json.loads(queued.stdout)["eval_id"]
        assert len(json.loads(queued.stdout)["jobs"]) == 3
        done = wait_for_eval(config, eval_id, timeout=900)

        starved = factory(
            config, "eval", "run", "--repo", "calc", "--enqueue", "--budget-usd", "0.5", "--json"
        )
        starved_id = json.loads(starved.stdout)["eval_id"]
        refused = wait_for_eval(config, starved_id, timeout=300)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=120)
        server.close()
    log = (tmp_path / "worker.log").read_text()[-3000:]
    assert done["status"] == "finished", log
    assert done["summary"]["resolved"]["hits"] == 3 and done["summary"]["judged"] == 3
    [(eval_runs,)] = postgres.query(f"SELECT count(*) FROM runs WHERE eval_id = '{eval_id}'")
    assert eval_runs == 3
    assert postgres.query("SELECT count(*) FROM pull_requests") == [(0,)]
    assert refused["status"] == "stopped" and refused["summary"]["judged"] == 0
    report = json.loads(factory(config, "eval", "report", starved_id, "--json").stdout)
    assert report["figures"]["attempts"] == 0
    skipped = postgres.query(
        f"SELECT status, result FROM eval_results WHERE eval_id = '{starved_id}'"
    )
    assert len(skipped) == 3 and {status for status, _ in skipped} == {"skipped"}
    assert all("would pass the $0.50 budget" in result for _, result in skipped)
