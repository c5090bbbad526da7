"""`factory run` refuses bad input before anything happens: no run row, no branch, no sandbox."""

import json
import subprocess
from pathlib import Path

import pytest

from tests.unit.factory.cli.conftest import Invoke


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "test_x.py").write_text("def test_x():\n    pass\n")
    subprocess.run(["git", "-C", str(repo), "add", "."], check=True)
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=a", "-c", "user.email=a@b", "commit", "-qm", "x"],
        check=True,
    )
    return repo


def test_without_a_model_run_names_the_three_ways_and_starts_nothing(
    invoke: Invoke, checkout: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "ticket.md").write_text("---\ntitle: Do a thing\n---\nPlease.\n")
    result = invoke("run", "ticket.md", "--repo", str(checkout))
    assert result.exit_code == 2
    assert "ANTHROPIC_API_KEY" in result.output
    assert "[models.default] base_url" in result.output  # printed, not eaten as markup
    assert "--replay CASSETTE" in result.output
    listed = invoke("runs", "list", "--json")
    assert json.loads(listed.output) == []
    branches = subprocess.run(
        ["git", "-C", str(checkout), "branch", "--list"], capture_output=True, text=True
    ).stdout
    assert "factory/" not in branches


def test_an_unknown_ticket_file_says_what_to_pass(invoke: Invoke, checkout: Path) -> None:
    result = invoke("run", "missing.md", "--repo", str(checkout), "--replay", "x.jsonl")
    assert result.exit_code == 2
    assert "missing.md" in result.output and "Markdown file" in result.output


def test_an_unpriced_model_runs_on_tokens_unless_a_dollar_limit_alone_was_chosen() -> None:
    from factory.config import parse_config
    from factory.config.prices import UnenforceableBudget, check_budget_enforceable
    from harness.config import BudgetConfig

    config = parse_config(
        {"models": {"default": {"provider": "openai", "model": "qwen3-coder"}}},
        source="test",
        base_dir=Path("."),
        environ={},
    )
    check_budget_enforceable(config, BudgetConfig())  # the default dollar limit: on tokens
    check_budget_enforceable(config, BudgetConfig(max_tokens=300_000))  # no error
    check_budget_enforceable(config, BudgetConfig(max_usd=5, max_tokens=300_000))  # no error
    with pytest.raises(UnenforceableBudget, match="5.00 dollar limit cannot be enforced"):
        check_budget_enforceable(config, BudgetConfig(max_usd=5))
    priced = config.model_copy(update={"pricing": {"qwen3-coder": {"input": 1, "output": 2}}})
    check_budget_enforceable(priced, BudgetConfig())  # no error
