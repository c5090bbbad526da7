"""The repository's own `factory.toml`, read from the base branch, can tighten its rules.

An agent works on its own branch; only what a human merged into the base branch may govern
the run. And even that may only narrow what the operator allows, key by key:

| key | rule |
| --- | --- |
| `autonomy` | each end of the band is the lower of the two (a lower level is stricter) |
| `budget` | each limit (`max_steps`, `max_tokens`, `max_usd`, `max_wall_s`) the lower |
| `max_iterations` | the lower of the two |
| `max_followup_rounds`, `followup_budget_usd` | the lower of the two |
| `feedback_bots` | the bots both lists name (the repo's list can only drop bots) |
| `feedback_mention` | the operator's |
| `policies` | the union: the operator's (the default set when it lists none) plus the repo's |
| `protected_paths` | the union |
| `flaky_reruns`, `max_ci_fix_rounds` | the lower of the two |
| `required_checks` | the union |
| `path`, `github`, `base_branch`, `setup`, `test_command`, `ci_command` | the operator's |

`setup` runs with network access and `test_command` says what "green" means, so neither may
come from a branch an agent could have shaped; `base_branch` says where this file is read from.
docs/policies.md documents the same table.
"""

from __future__ import annotations

import tomllib
from typing import Any

from pydantic import ValidationError

from factory.config import RepoConfig
from factory.config.errors import ConfigError
from harness.config import BudgetConfig
from policies.builtin import DEFAULT_POLICY_NAMES
from policies.config import AutonomyLevel, AutonomyRange, PolicySpec

OPERATOR_ONLY_KEYS = ("path", "github", "base_branch", "setup", "test_command", "ci_command")
"""Keys a repository's own factory.toml may write but never changes: the operator's stand."""


def governing_repo_config(operator: RepoConfig, base_text: str | None, name: str) -> RepoConfig:
    """`operator` narrowed by the `[repos."<name>"]` section of the base branch's factory.toml.

    `operator.budget` None means the operator's `[budgets]` apply; pass the resolved budget
    in `operator.budget` so the repository's limits are compared with the real ones."""
    section = _repo_section(base_text, name)
    if section is None:
        return operator
    # What the repo may not decide is filled in from the operator before validation, so a
    # section that omits (or differs in) those keys is still read for the keys it may narrow.
    fixed = {key: getattr(operator, key) for key in OPERATOR_ONLY_KEYS}
    try:
        theirs = RepoConfig.model_validate({**section, **fixed})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ConfigError(
            f'factory.toml on the base branch of {name}: repos."{name}".{where}: {first["msg"]}'
        ) from exc
    return operator.model_copy(
        update={
            "autonomy": narrowed_autonomy(operator.autonomy, theirs.autonomy),
            "policies": _policy_union(operator.policies, theirs.policies),
            "protected_paths": sorted({*operator.protected_paths, *theirs.protected_paths}),
            "budget": narrowed_budget(operator.budget, theirs.budget),
            "max_iterations": min(operator.max_iterations, theirs.max_iterations),
            "flaky_reruns": min(operator.flaky_reruns, theirs.flaky_reruns),
            "max_ci_fix_rounds": min(operator.max_ci_fix_rounds, theirs.max_ci_fix_rounds),
            "required_checks": _union_or_none(operator.required_checks, theirs.required_checks),
            "max_followup_rounds": min(operator.max_followup_rounds, theirs.max_followup_rounds),
            "followup_budget_usd": min(operator.followup_budget_usd, theirs.followup_budget_usd),
            "feedback_bots": _narrowed_bots(operator.feedback_bots, theirs),
        }
    )


def _union_or_none(operator: list[str] | None, theirs: list[str] | None) -> list[str] | None:
    """More required checks is stricter: the union, None only when neither side lists any."""
    if operator is None and theirs is None:
        return None
    return sorted({*(operator or []), *(theirs or [])})


def _narrowed_bots(operator: list[str], theirs: RepoConfig) -> list[str]:
    """The operator's trusted bots, less those a repository's own list leaves out."""
    if "feedback_bots" not in theirs.model_fields_set:
        return operator
    return [bot for bot in operator if bot in theirs.feedback_bots]


def _repo_section(base_text: str | None, name: str) -> dict[str, Any] | None:
    if not base_text:
        return None
    try:
        data = tomllib.loads(base_text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"factory.toml on the base branch of {name}: {exc}") from exc
    repos = data.get("repos", {})
    section = repos.get(name) if isinstance(repos, dict) else None
    return section if isinstance(section, dict) else None


def narrowed_autonomy(operator: AutonomyRange, theirs: AutonomyRange) -> AutonomyRange:
    """Each end the lower of the two: the repo may lower the ceiling or the floor, never raise."""
    levels = list(AutonomyLevel)
    top = min(operator.max.rank, theirs.max.rank)
    bottom = min(operator.min.rank, theirs.min.rank, top)
    return AutonomyRange(min=levels[bottom], max=levels[top])


def narrowed_budget(
    operator: BudgetConfig | None, theirs: BudgetConfig | None
) -> BudgetConfig | None:
    """Each limit the repo sets, the lower of the two; the operator's for the rest. A limit
    neither side set stays unset (a default), so "was a dollar limit chosen" still reads true
    (factory/config/prices.py)."""
    if theirs is None:
        return operator
    if operator is None:
        # Unreachable from a run (it passes the resolved budget); kept safe anyway: a repo
        # budget compared with nothing may only be as loose as the built-in defaults.
        operator = BudgetConfig()
    chosen: dict[str, Any] = {}
    for field in BudgetConfig.model_fields:
        mine = getattr(operator, field)
        if field in theirs.model_fields_set:
            chosen[field] = min(mine, getattr(theirs, field))
        elif field in operator.model_fields_set:
            chosen[field] = mine
    return BudgetConfig(**chosen)


def _policy_union(operator: list[PolicySpec], theirs: list[PolicySpec]) -> list[PolicySpec]:
    """The operator's policies (its default set when it lists none) plus the repo's."""
    if not theirs:
        return operator
    mine = operator or [PolicySpec(name=name) for name in DEFAULT_POLICY_NAMES]
    return [*mine, *(spec for spec in theirs if spec not in mine)]
