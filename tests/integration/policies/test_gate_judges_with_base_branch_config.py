"""The gate a run uses: config and policies from the base branch, the diff from git."""

import tomllib
from pathlib import Path

import pytest
from policy_git_helpers import commit_file, diff_between, git

from factory.config import parse_config
from factory.gate.diff import parse_unified_diff
from factory.gate.judge import judge_change
from factory.gate.replay import GATE_DECISION_EVENT, gate_decision_payload
from factory.gate.request import GateRequest
from factory.git import read_from_base
from factory.store import Store
from policies.config import AutonomyLevel
from policies.models import BudgetLimits, ReviewSummary, RunCost, TestSummary

pytestmark = pytest.mark.integration

BASE_CONFIG = """\
[repos.demo]
path = "."
test_command = "pytest -q"
autonomy = { min = "L2", max = "L2" }
"""


def test_agent_raising_its_autonomy_gets_needs_human_under_the_base_config(
    repo: Path, tmp_path: Path
) -> None:
    commit_file(repo, "factory.toml", BASE_CONFIG, "factory config")
    git(repo, "checkout", "-q", "-b", "agent")
    raised = BASE_CONFIG.replace('min = "L2", max = "L2"', 'min = "L3", max = "L3"')
    commit_file(repo, "factory.toml", raised, "agent raises its own autonomy")
    commit_file(repo, "src/app.py", "x = 1\n", "the actual change")

    text = read_from_base(repo, "main", "factory.toml")
    assert text is not None
    config = parse_config(tomllib.loads(text), source="main:factory.toml", base_dir=repo)
    store = Store(f"sqlite:///{tmp_path / 'factory.db'}")
    diff = parse_unified_diff(diff_between(repo, "main", "agent"))

    judgement = judge_change(
        config,
        store,
        GateRequest(
            repo="demo",
            diff=diff,
            clone=repo,
            tests=TestSummary(passed=True, new_tests_added=1),
            review=ReviewSummary(verdict="approve"),
            cost=RunCost(usd=0.5),
            budget=BudgetLimits(max_usd=5),
        ),
    )
    assert judgement.context.level is AutonomyLevel.L2  # the base branch's range, not L3
    assert judgement.decision.decision.value == "needs_human"
    governance = next(v for v in judgement.decision.verdicts if v.policy == "governance")
    assert "factory.toml" in governance.reasons[0]

    run = store.runs.create("demo#1", "demo")
    store.events.append(
        run.id,
        GATE_DECISION_EVENT,
        "system",
        gate_decision_payload(judgement.context, judgement.decision),
    )
    (event,) = store.events.read(run.id)
    assert '"decision":"needs_human"' in event.payload.replace(" ", "")


def test_over_budget_run_does_not_merge(repo: Path, tmp_path: Path) -> None:
    commit_file(repo, "factory.toml", BASE_CONFIG, "factory config")
    git(repo, "checkout", "-q", "-b", "spendy")
    commit_file(repo, "src/app.py", "x = 1\n", "change")
    text = read_from_base(repo, "main", "factory.toml")
    assert text is not None
    config = parse_config(tomllib.loads(text), source="main:factory.toml", base_dir=repo)
    judgement = judge_change(
        config,
        Store(f"sqlite:///{tmp_path / 'factory.db'}"),
        GateRequest(
            repo="demo",
            diff=parse_unified_diff(diff_between(repo, "main", "spendy")),
            level=AutonomyLevel.L3,
            tests=TestSummary(passed=True),
            review=ReviewSummary(verdict="approve"),
            cost=RunCost(usd=12.0),
            budget=BudgetLimits(max_usd=10.0),
        ),
    )
    assert judgement.decision.decision.value == "needs_human"
    assert "over budget" in " ".join(judgement.decision.reasons)
