"""The CI settings of `[repos."<name>"]`: their defaults, their bounds, and where they apply."""

import pytest
from pydantic import ValidationError

from factory.config import RepoConfig
from factory.config.repo_settings import governing_repo_config


def test_defaults_rerun_once_and_allow_two_fix_rounds() -> None:
    repo = RepoConfig(path=".", test_command="pytest")
    assert (repo.flaky_reruns, repo.max_ci_fix_rounds) == (1, 2)
    assert repo.ci_command is None and repo.required_checks is None


def test_ci_command_is_refused_on_github_where_the_repository_has_its_own_ci() -> None:
    with pytest.raises(ValidationError, match="ci_command"):
        RepoConfig(github="acme/app", test_command="pytest", ci_command="make lint")


def test_a_repository_narrows_caps_adds_required_checks_and_cannot_set_ci_command() -> None:
    operator = RepoConfig(
        path=".",
        test_command="pytest",
        ci_command="make lint",
        required_checks=["test"],
    )
    committed = (
        '[repos."app"]\nflaky_reruns = 3\nmax_ci_fix_rounds = 1\nci_command = "true"\n'
        'required_checks = ["deploy"]\n'
    )
    effective = governing_repo_config(operator, committed, "app")
    assert (effective.flaky_reruns, effective.max_ci_fix_rounds) == (1, 1)
    assert effective.ci_command == "make lint"
    assert effective.required_checks == ["deploy", "test"]
