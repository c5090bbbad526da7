"""`factory config check` passes exactly when `factory run` starts.

For every configuration of the bad-config suite, for the local-model recipe docs/harness.md
prints (a `base_url`, no `[pricing]`), and for the budgets around it, the check and the run
give one answer. A run "starts" when it gets past every check it makes before its first node:
the `run:started` failpoint then stops it (raised in this process, so the suite stays quick).
"""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest

from factory.support.failpoints import ENV as FAILPOINTS
from factory.support.failpoints import FailpointReached
from tests.reliability.conftest import World
from tests.reliability.test_bad_config import CASES, ConfigCase, _apply

pytestmark = [pytest.mark.docker]  # both sides check the Docker engine and the sandbox image

HARNESS_DOC = Path(__file__).parents[2] / "docs" / "harness.md"


def documented_local_model() -> str:
    """The local-model recipe exactly as docs/harness.md prints it."""
    section = HARNESS_DOC.read_text().split("## Local models", 1)[1]
    blocks = re.findall(r"```toml\n(.*?)```", section, re.DOTALL)
    recipe = next(block for block in blocks if "base_url" in block)
    assert "[pricing" not in recipe, "the recipe is documented without a price"
    return recipe


@dataclass(frozen=True)
class Setup:
    id: str
    case: ConfigCase


def local(id: str, extra: str = "") -> Setup:
    head = '[factory]\ndata_dir = "{data}"\n\n'
    repo = '\n[repos.demo]\npath = "{user}"\ntest_command = "true"\nbase_branch = "main"\n'
    text = "#\n" + head + documented_local_model().replace("{", "{{").replace("}", "}}")
    return Setup(id, ConfigCase(id, text + repo + extra, 0, ()))


SETUPS = [
    *(Setup(case.id, case) for case in CASES),
    local("local-model-recipe"),
    local("local-model-token-limit", "\n[budgets]\nmax_tokens = 500000\n"),
    local("local-model-dollar-limit", "\n[budgets]\nmax_usd = 5.0\n"),
    local("local-model-dollar-and-token-limit", "\n[budgets]\nmax_usd = 5.0\nmax_tokens = 1\n"),
    local("local-model-repo-dollar-limit", "budget = {{ max_usd = 2.0 }}\n"),
    local("local-model-priced", '\n[pricing."qwen3-coder:30b"]\ninput = 0.0\noutput = 0.0\n'),
]


def _target_repo(world: World) -> str:
    """The repository the case configures (the run and the check both name it)."""
    found = re.search(r"^\[repos\.([\w-]+)\]", world.config.read_text(), re.MULTILINE)
    return found.group(1) if found else "demo"


def _run_rows(world: World) -> int:
    database = world.data / "factory.db"
    if not database.exists():
        return 0
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
        return int(db.execute("SELECT count(*) FROM runs WHERE id LIKE 'r-%'").fetchone()[0])


@pytest.mark.parametrize("setup", SETUPS, ids=[setup.id for setup in SETUPS])
def test_config_check_passes_exactly_when_run_starts(world: World, setup: Setup) -> None:
    _apply(world, setup.case)
    env = dict(setup.case.env)
    repo = _target_repo(world)
    check = world.invoke("config", "check", "--repo", repo, env=env)
    assert check.leaked is None, check.leaked
    try:
        refused = world.invoke(
            "run", "{ticket}", "--repo", repo, "--json", env=env | {FAILPOINTS: "run:started=raise"}
        )
    except FailpointReached:
        started = True
    else:
        assert refused.leaked is None, refused.leaked
        assert refused.exit_code in (1, 2), refused.output
        started = False
    assert started == (_run_rows(world) == 1)
    assert (check.exit_code == 0) == started, (
        f"config check exit {check.exit_code}, run {'started' if started else 'refused'}:\n"
        + check.output
    )
    if setup.id.startswith("local-model"):
        expected = setup.id in (
            "local-model-recipe",
            "local-model-token-limit",
            "local-model-priced",
        )
        expected = expected or setup.id == "local-model-dollar-and-token-limit"
        assert started == expected
