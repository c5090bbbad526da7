"""`factory run` with the Docker engine up: a dollar budget over an unpriced model is refused at
start (the preflight checks the engine before the prices)."""

import json
import subprocess
from pathlib import Path

import pytest

from tests.support.cli import Invoke

pytestmark = [pytest.mark.integration, pytest.mark.docker]


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


LOCAL_MODEL = """\
[models.default]
provider = "openai"
model = "qwen3-coder"
base_url = "http://127.0.0.1:9/v1"
"""


def test_a_dollar_budget_over_a_model_without_a_price_is_refused_at_start(
    invoke: Invoke, checkout: Path, tmp_path: Path
) -> None:
    (tmp_path / "factory.toml").write_text(LOCAL_MODEL + "\n[budgets]\nmax_usd = 5.0\n")
    (tmp_path / "ticket.md").write_text("---\ntitle: Do a thing\n---\nPlease.\n")

    result = invoke("run", "ticket.md", "--repo", str(checkout))

    assert result.exit_code == 2, result.output
    assert "'qwen3-coder' has no price" in result.output
    assert '[pricing."qwen3-coder"]' in result.output and "max_tokens" in result.output
    assert json.loads(invoke("runs", "list", "--json").output) == []
