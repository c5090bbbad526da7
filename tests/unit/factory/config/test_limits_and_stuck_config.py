"""`[limits]` and `[stuck]` as factory.toml reads them: mistakes are one line naming the key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from factory.config import ConfigError, parse_config

REPOS = {
    "app": {"path": "/srv/app", "test_command": "pytest"},
    "lib": {"github": "acme/lib", "test_command": "pytest"},
}


def load(**sections: Any) -> Any:
    return parse_config(
        {"repos": REPOS, **sections}, source="t.toml", base_dir=Path("/"), environ={}
    )


def test_limits_for_the_factory_and_a_repository_in_dollars_and_tokens() -> None:
    config = load(
        limits={
            "daily_usd": 50,
            "monthly_tokens": 10**9,
            "repos": {"app": {"daily_tokens": 1000}},
            "alert_issue": {"repo": "lib", "number": 3},
        }
    )
    scopes = dict(config.limits.scopes_of("app"))
    assert scopes["all"].limit("day", "usd") == 50.0
    assert scopes["all"].limit("month", "tokens") == 10**9
    assert scopes["app"].limit("day", "tokens") == 1000
    assert scopes["app"].limit("day", "usd") is None
    assert list(dict(config.limits.scopes_of("lib"))) == ["all"]


@pytest.mark.parametrize(
    ("limits", "said"),
    [
        ({"daily_usd": float("inf")}, "limits.daily_usd = inf: should be a finite number"),
        ({"daily_usd": 0}, "limits.daily_usd"),
        ({"weekly_usd": 5}, "limits.weekly_usd: unknown key"),
        ({"repos": {"web": {"daily_usd": 1}}}, "[limits.repos] names unknown repositories web"),
        (
            {"alert_issue": {"repo": "app", "number": 1}},
            "[limits] alert_issue.repo 'app' must name a configured repository on GitHub",
        ),
    ],
)
def test_a_wrong_limit_is_one_line_naming_it(limits: dict[str, Any], said: str) -> None:
    with pytest.raises(ConfigError) as refused:
        load(limits=limits)
    assert said in str(refused.value)
    assert str(refused.value).startswith("t.toml: ")


def test_stuck_thresholds_are_set_or_turned_off_and_never_negative() -> None:
    config = load(stuck={"same_call": 0, "no_file_change": 50})
    assert config.stuck.same_call == 0 and config.stuck.no_file_change == 50
    assert config.stuck.no_tool_call == 3  # the default stays
    with pytest.raises(ConfigError) as refused:
        load(stuck={"alternating": -1})
    assert "stuck.alternating" in str(refused.value)
