"""Times and budgets a person types are read once, by one grammar, and never reach arithmetic
out of range: a typo is exit 2 with one line (JSON under --json), before any work starts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.unit.factory.cli.conftest import Invoke

CONFIG = '[repos.svc]\ngithub = "acme/svc"\ntest_command = "pytest"\n'
OUT_OF_RANGE = [
    (("review", "--since", "99999999d"), "longer than a century"),
    (("review", "--until", "9999-12-31"), "more than a century from now"),
    (("review", "--since", "0001-01-01"), "more than a century from now"),
    (("review", "--since", "yesterday"), "cannot read 'yesterday'"),
    (("audit", "export", "--since", "99999999d"), "longer than a century"),
    (("audit", "export", "--since", "9999-12-31"), "more than a century from now"),
    (("policy", "replay", "--since", "99999999d"), "longer than a century"),
    (("policy", "replay", "--since", "9999-12-31T23:59:59+14:00"), "more than a century"),
    (("sweep", "--max-wall", "99999999d"), "longer than a century"),
    (("sweep", "--max-wall", "0"), "must be positive"),
    (("sweep", "--max-wall", "soon"), "not a duration"),
    (("sweep", "--budget-usd", "inf"), "finite amount of dollars"),
    (("sweep", "--budget-usd", "nan"), "finite amount of dollars"),
    (("sweep", "--budget-usd", "-1"), "finite amount of dollars"),
    (("sweep", "--budget-usd", "0"), "finite amount of dollars"),
    (("sweep", "--budget-usd", "lots"), "not a number of dollars"),
    (("run", "ticket.md", "--budget-usd", "inf"), "finite amount of dollars"),
    (("run", "ticket.md", "--budget-usd", "nan"), "finite amount of dollars"),
    (("run", "ticket.md", "--budget-usd", "-5"), "finite amount of dollars"),
]


def case_id(value: object) -> str:
    return " ".join(value) if isinstance(value, tuple) else ""


@pytest.mark.parametrize(("args", "message"), OUT_OF_RANGE, ids=case_id)
def test_a_bad_time_or_budget_is_one_line_and_exit_2(
    invoke: Invoke, args: tuple[str, ...], message: str
) -> None:
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert result.stderr.count("error:") == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [case for case in OUT_OF_RANGE if case[0][:2] != ("audit", "export")],  # JSON lines only
    ids=case_id,
)
def test_under_json_the_same_mistake_is_a_json_error(
    invoke: Invoke, args: tuple[str, ...], message: str
) -> None:
    result = invoke(*args, "--json")
    assert result.exit_code == 2
    answer = json.loads(result.stdout)
    assert answer["ok"] is False
    assert answer["error"]["code"] == "usage"
    assert message in answer["error"]["message"]


def test_one_grammar_everywhere_a_time_is_taken(invoke: Invoke, tmp_path: Path) -> None:
    # `2d` was refused by --max-wall and `90m` by review; ISO was the only form of audit export.
    (tmp_path / "factory.toml").write_text(CONFIG)
    for args in (
        ("review", "--since", "90m", "--json", "--no-verify"),
        ("review", "--since", "2026-01-01T09:00+02:00", "--json", "--no-verify"),
        ("audit", "export", "--since", "1h30m"),
        ("audit", "export", "--since", "2026-01-31"),
        ("policy", "replay", "--since", "2w", "--json"),
        ("sweep", "--dry-run", "--max-wall", "2d", "--json"),
    ):
        result = invoke(*args, env={"GITHUB_TOKEN": ""})  # the sweep reads no issues
        assert result.exit_code == 0, (args, result.output)


def test_a_review_period_counts_back_from_its_until(invoke: Invoke, tmp_path: Path) -> None:
    (tmp_path / "factory.toml").write_text(CONFIG)
    result = invoke("review", "--since", "1w", "--until", "2026-11-30", "--json", "--no-verify")
    assert result.exit_code == 0, result.output
    period = json.loads(result.stdout)["period"]
    assert period["since"].startswith("2026-11-23T00:00:00")
    assert period["until"].startswith("2026-11-30T00:00:00")


@pytest.mark.parametrize(
    ("section", "key"),
    [
        ("[budgets]\nmax_usd = inf\n", "budgets.max_usd"),
        ("[budgets]\nmax_usd = nan\n", "budgets.max_usd"),
        ("[budgets]\nmax_usd = -1.0\n", "budgets.max_usd"),
        ("[budgets]\nmax_wall_s = inf\n", "budgets.max_wall_s"),
        ('[pricing."m"]\ninput = inf\noutput = 1.0\n', "pricing.m.input"),
    ],
)
def test_a_budget_in_factory_toml_is_finite_too(
    invoke: Invoke, tmp_path: Path, section: str, key: str
) -> None:
    (tmp_path / "factory.toml").write_text(CONFIG + section)
    result = invoke("config", "show", "--json")
    assert result.exit_code == 2
    assert key in json.loads(result.stdout)["error"]["message"]
