"""The base branch's factory.toml may narrow a run's rules, never widen them."""

from pathlib import Path

import pytest

from factory.config import RepoConfig
from factory.config.errors import ConfigError
from factory.config.repo_settings import governing_repo_config
from policies.config import AutonomyLevel, AutonomyRange, PolicySpec


def operator() -> RepoConfig:
    return RepoConfig(
        path=Path("/srv/repo"),
        test_command="pytest",
        autonomy=AutonomyRange(min=AutonomyLevel.L1, max=AutonomyLevel.L2),
        policies=[PolicySpec(name="diff_size")],
        protected_paths=["infra/**"],
        max_iterations=3,
    )


def test_no_file_on_the_base_branch_keeps_the_operator_settings() -> None:
    assert governing_repo_config(operator(), None, "app") == operator()


def test_the_repo_can_lower_autonomy_and_add_rules() -> None:
    text = """
[repos.app]
path = "."
test_command = "make test"
autonomy = { min = "L0", max = "L1" }
policies = [{ name = "tests_green" }]
protected_paths = ["db/migrations/**"]
max_iterations = 2
"""
    merged = governing_repo_config(operator(), text, "app")
    assert merged.autonomy.max is AutonomyLevel.L1
    assert merged.autonomy.min is AutonomyLevel.L1  # the operator's floor still holds
    assert [p.name for p in merged.policies] == ["diff_size", "tests_green"]
    assert merged.protected_paths == ["db/migrations/**", "infra/**"]
    assert merged.test_command == "make test"
    assert merged.max_iterations == 2
    assert merged.path == Path("/srv/repo")  # where the repo is stays the operator's word


def test_the_repo_cannot_raise_autonomy_above_the_operator() -> None:
    text = '[repos.app]\npath = "."\ntest_command = "t"\nautonomy = { min = "L3", max = "L3" }\n'
    merged = governing_repo_config(operator(), text, "app")
    assert merged.autonomy.max is AutonomyLevel.L2
    assert merged.autonomy.min is AutonomyLevel.L2


def test_a_section_for_another_repo_is_ignored() -> None:
    text = '[repos.other]\npath = "."\ntest_command = "t"\n'
    assert governing_repo_config(operator(), text, "app") == operator()


def test_a_broken_base_branch_file_is_an_error_naming_the_key() -> None:
    text = '[repos.app]\npath = "."\ntest_command = "t"\nmax_iterations = "many"\n'
    with pytest.raises(ConfigError, match=r'repos\."app"\.max_iterations'):
        governing_repo_config(operator(), text, "app")
