"""The CI step of the maintenance pass on a real store, with the forge's CI scripted through
the `ChecksForge` protocol: reruns, the repeat and cap guards, waiting, said once."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from factory.config import FactoryConfig, parse_config
from factory.forges.base import PullRequestInfo
from factory.forges.checks import CheckRun
from factory.pulls.ci import check_pull
from factory.pulls.ci_classify import failure_signature
from factory.pulls.maintain import PullContext
from factory.store import RunStatus, Store

pytestmark = pytest.mark.integration

HEAD = "a" * 40
LOG = "E   assert add(2, 2) == 4\nFAILED tests/test_calc.py::test_add\n"


class ScriptedCI:
    """A GitHub-like forge whose one required check `test` is as the test sets it."""

    kind = "github"

    def __init__(self, repo: Path) -> None:
        self.repo = repo
        self.check = CheckRun(name="test", status="completed", conclusion="failure", id="1")
        self.reruns: list[str] = []
        self.comments: list[tuple[int, str]] = []

    def clone_source(self) -> tuple[str, dict[str, str] | None]:
        return str(self.repo), None

    def checks(self, sha: str) -> list[CheckRun]:
        return [self.check]

    def check_log(self, check: CheckRun) -> str:
        return LOG

    def rerun(self, check: CheckRun) -> bool:
        self.reruns.append(check.name)
        return True

    def required_checks(self, branch: str) -> list[str]:
        return ["test"]

    def comment(self, number: int, text: str) -> None:
        self.comments.append((number, text))


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[FactoryConfig, Store, ScriptedCI]]:
    repo = tmp_path / "app"
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    (repo / "README.md").write_text("app\n")
    subprocess.run(["git", "-C", str(repo), "add", "."], check=True)
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "i"],
        check=True,
    )
    config = parse_config(
        {
            "factory": {"data_dir": "data"},
            "repos": {"app": {"path": str(repo), "test_command": "true", "base_branch": "main"}},
        },
        source="test",
        base_dir=tmp_path,
        environ={},
    )
    with Store.open(config) as store:
        yield config, store, ScriptedCI(repo)


def context(config: FactoryConfig, store: Store, forge: ScriptedCI, run_id: str) -> PullContext:
    pull = PullRequestInfo(
        number=7,
        title="t",
        body="",
        head_branch="factory/1-x",
        base_branch="main",
        head_sha=HEAD,
        status="open",
        draft=False,
        url=None,
        forge="github",
    )
    return PullContext(
        config=config,
        store=store,
        repo="app",
        repo_config=config.repo("app"),
        forge=forge,  # type: ignore[arg-type]
        pull=pull,
        run=store.runs.get(run_id),
        state=None,
    )


def kinds(store: Store, run_id: str) -> list[tuple[str, dict[str, Any]]]:
    return [(e.kind, json.loads(e.payload)) for e in store.events.read(run_id)]


def test_a_failure_is_rerun_once_then_a_repeat_of_a_round_on_the_same_head_is_refused_once(
    setup: tuple[FactoryConfig, Store, ScriptedCI],
) -> None:
    config, store, forge = setup
    run = store.runs.create("app#1", "app", status=RunStatus.PR_OPEN)
    signature = failure_signature([("test", LOG)])
    store.events.append(
        run.id,
        "round.requested",
        "system",
        {"round": 1, "kind": "ci", "signature": signature, "head_sha": HEAD, "items": []},
    )
    first = check_pull(context(config, store, forge, run.id))
    assert first is not None and first.action == "rerun" and forge.reruns == ["test"]

    second = check_pull(context(config, store, forge, run.id))
    third = check_pull(context(config, store, forge, run.id))

    assert second is not None and second.action == "needs_human"
    assert "has not changed since" in second.detail
    assert third is not None and third.action == "needs_human"
    events = kinds(store, run.id)
    assert [p["reason"] for k, p in events if k == "round.refused"] == [second.detail]
    assert len(forge.comments) == 1 and forge.reruns == ["test"]
    assert store.runs.get(run.id).status == RunStatus.NEEDS_HUMAN
    assert [k for k, _ in events].count("ci.read") == 1  # the same reading is not repeated


def test_the_fix_round_cap_counts_ci_rounds_of_the_pull_request(
    setup: tuple[FactoryConfig, Store, ScriptedCI],
) -> None:
    config, store, forge = setup
    run = store.runs.create("app#1", "app", status=RunStatus.PR_OPEN)
    for number, head in enumerate(("b" * 40, "c" * 40), start=1):
        store.events.append(
            run.id,
            "round.requested",
            "system",
            {"round": number, "kind": "ci", "signature": "s", "head_sha": head, "items": []},
        )
    store.events.append(run.id, "ci.rerun", "system", {"sha": HEAD, "check": "test"})

    refused = check_pull(context(config, store, forge, run.id))

    assert refused is not None and refused.action == "needs_human"
    assert "max_ci_fix_rounds = 2" in refused.detail and forge.reruns == []


def test_running_checks_are_waited_for_and_an_infrastructure_failure_is_said_once(
    setup: tuple[FactoryConfig, Store, ScriptedCI],
) -> None:
    config, store, forge = setup
    run = store.runs.create("app#1", "app", status=RunStatus.PR_OPEN)
    forge.check = CheckRun(name="test", status="in_progress", id="1")
    waiting = check_pull(context(config, store, forge, run.id))
    assert waiting is not None and waiting.action == "waiting" and not waiting.stop

    forge.check = CheckRun(name="test", status="completed", conclusion="startup_failure", id="2")
    for _ in range(2):
        said = check_pull(context(config, store, forge, run.id))
        assert said is not None and said.action == "infrastructure"
    assert [k for k, _ in kinds(store, run.id)].count("ci.infrastructure") == 1
    assert len(forge.comments) == 1 and forge.reruns == []
    assert store.runs.get(run.id).status == RunStatus.PR_OPEN
