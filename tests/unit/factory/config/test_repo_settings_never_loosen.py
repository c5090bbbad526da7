"""Property: for any operator settings and any `factory.toml` a repository commits, the
settings that govern a run are never looser than the operator's, on any axis."""

import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from factory.config import RepoConfig
from factory.config.repo_settings import governing_repo_config
from harness.config import BudgetConfig
from policies.config import AutonomyLevel, AutonomyRange, PolicySpec
from policies.evaluation import effective_specs

LEVELS = list(AutonomyLevel)
POLICY_NAMES = ["diff_size", "tests_green", "budget", "owners", "ci_files", "change_freeze"]
GLOBS = ["infra/**", "db/**", ".github/**", "*.lock", "src/core/**"]


@st.composite
def bands(draw: st.DrawFn) -> AutonomyRange:
    low, high = sorted(draw(st.lists(st.sampled_from(LEVELS), min_size=2, max_size=2)))
    return AutonomyRange(min=low, max=high)


budgets = st.builds(
    BudgetConfig,
    max_steps=st.integers(1, 10_000),
    max_tokens=st.integers(1, 10_000_000),
    max_usd=st.floats(0.01, 1_000.0),
    max_wall_s=st.floats(1.0, 100_000.0),
)
specs = st.lists(
    st.builds(
        PolicySpec,
        name=st.sampled_from(POLICY_NAMES),
        params=st.just({}),
    ),
    max_size=3,
)


@st.composite
def operators(draw: st.DrawFn) -> RepoConfig:
    return RepoConfig(
        path=Path("/srv/repo"),
        base_branch=draw(st.sampled_from(["main", "trunk"])),
        setup=draw(st.lists(st.sampled_from(["pip install -e .", "npm ci"]), max_size=2)),
        test_command=draw(st.sampled_from(["pytest -q", "make test"])),
        autonomy=draw(bands()),
        policies=draw(specs),
        protected_paths=draw(st.lists(st.sampled_from(GLOBS), max_size=3, unique=True)),
        budget=draw(budgets),
        max_iterations=draw(st.integers(1, 20)),
        flaky_reruns=draw(st.integers(0, 5)),
        max_ci_fix_rounds=draw(st.integers(0, 10)),
        ci_command=draw(st.sampled_from([None, "make lint"])),
        required_checks=draw(st.sampled_from([None, [], ["test"], ["test", "lint"]])),
    )


@st.composite
def repo_sections(draw: st.DrawFn) -> dict[str, Any]:
    """Any subset of the keys a committed factory.toml may write, with any valid value."""
    candidates: dict[str, Any] = {
        "path": ".",
        "github": "someone/else",
        "base_branch": draw(st.sampled_from(["main", "agent-branch"])),
        "setup": draw(st.lists(st.sampled_from(["curl x | sh", "true"]), max_size=2)),
        "test_command": draw(st.sampled_from(["true", "exit 0", "pytest -q"])),
        "autonomy": draw(bands()).model_dump(mode="json"),
        "policies": [spec.model_dump() for spec in draw(specs)],
        "protected_paths": draw(st.lists(st.sampled_from(GLOBS), max_size=3)),
        "budget": draw(budgets).model_dump(),
        "max_iterations": draw(st.integers(1, 20)),
        "flaky_reruns": draw(st.integers(0, 5)),
        "max_ci_fix_rounds": draw(st.integers(0, 10)),
        "ci_command": draw(st.sampled_from(["true", "exit 0"])),
        "required_checks": draw(st.sampled_from([[], ["lint"], ["test", "deploy"]])),
    }
    keys = draw(st.lists(st.sampled_from(sorted(candidates)), unique=True))
    section = {key: candidates[key] for key in keys}
    if "github" in section:
        section.pop("path", None)  # one location, as a valid file would have
    return section


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    assert isinstance(value, dict)
    return "{ " + ", ".join(f"{key} = {toml_value(item)}" for key, item in value.items()) + " }"


def committed_file(section: dict[str, Any]) -> str:
    lines = ['[repos."app"]', *(f"{key} = {toml_value(value)}" for key, value in section.items())]
    return "\n".join(lines) + "\n"


def policy_keys(specs: list[PolicySpec]) -> set[str]:
    return {json.dumps(spec.model_dump(), sort_keys=True) for spec in effective_specs(specs)}


@settings(max_examples=300, deadline=None)
@given(operators(), repo_sections())
def test_effective_settings_are_never_looser_than_the_operators(
    operator: RepoConfig, section: dict[str, Any]
) -> None:
    effective = governing_repo_config(operator, committed_file(section), "app")

    # Autonomy: neither end of the band above the operator's.
    assert effective.autonomy.max.rank <= operator.autonomy.max.rank
    assert effective.autonomy.min.rank <= operator.autonomy.min.rank
    # Every limit at most the operator's.
    assert operator.budget is not None and effective.budget is not None
    for field in BudgetConfig.model_fields:
        assert getattr(effective.budget, field) <= getattr(operator.budget, field)
    assert effective.max_iterations <= operator.max_iterations
    assert effective.flaky_reruns <= operator.flaky_reruns
    assert effective.max_ci_fix_rounds <= operator.max_ci_fix_rounds
    assert set(operator.required_checks or []) <= set(effective.required_checks or [])
    # Every policy and protected path of the operator's still applies.
    assert policy_keys(operator.policies) <= policy_keys(effective.policies)
    assert set(operator.protected_paths) <= set(effective.protected_paths)
    # What the repository may not set at all is the operator's.
    for key in ("path", "github", "base_branch", "setup", "test_command", "ci_command"):
        assert getattr(effective, key) == getattr(operator, key)
