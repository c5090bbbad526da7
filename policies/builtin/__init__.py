"""The built-in policies, one module each, and the registry that builds them from config.

Each module exposes `NAME`, `PARAMS` (the pydantic model of its `[[policies]] params` table) and
`evaluate(ctx, params) -> Verdict`.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from pydantic import BaseModel, ValidationError

from policies.builtin import (
    budget,
    change_freeze,
    ci_files,
    dependency_manifests,
    diff_size,
    governance,
    halt,
    links,
    owners,
    protected_paths,
    reviewer_approval,
    secret_scan,
    tests_green,
    tests_kept,
)
from policies.errors import PolicyConfigError
from policies.models import GateContext, Verdict

BUILTIN_MODULES: dict[str, ModuleType] = {
    module.NAME: module
    for module in (
        protected_paths,
        diff_size,
        tests_green,
        reviewer_approval,
        secret_scan,
        ci_files,
        dependency_manifests,
        change_freeze,
        budget,
        owners,
        halt,
        governance,
        links,
        tests_kept,
    )
}

DEFAULT_POLICY_NAMES = [
    "protected_paths",
    "diff_size",
    "tests_green",
    "reviewer_approval",
    "tests_kept",
    "secret_scan",
    "ci_files",
    "dependency_manifests",
    "change_freeze",
    "budget",
    "owners",
]
"""Applied when a repository lists no policies: every built-in with its default parameters."""

MANDATORY_POLICY_NAMES = ["secret_scan", "halt", "governance", "links"]
"""Applied to every repository whatever it lists; a listing may tune their parameters."""


@dataclass(frozen=True)
class BuiltinPolicy:
    """A built-in policy bound to its validated parameters."""

    name: str
    params: BaseModel
    rule: Callable[[GateContext, Any], Verdict]

    def evaluate(self, ctx: GateContext) -> Verdict:
        return self.rule(ctx, self.params)


def build_builtin(name: str, params: Mapping[str, Any] | None = None) -> BuiltinPolicy:
    """Validate `params` for the built-in `name`; a clear PolicyConfigError when wrong."""
    module = BUILTIN_MODULES.get(name)
    if module is None:
        known = ", ".join(sorted(BUILTIN_MODULES))
        raise PolicyConfigError(
            f"unknown policy {name!r}: use a built-in ({known}), "
            "'package.module:callable', or a path under .factory/policies/"
        )
    try:
        validated = module.PARAMS.model_validate(dict(params or {}))
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'params'}: {err['msg']}"
            for err in exc.errors()
        )
        raise PolicyConfigError(f"policy {name!r} has bad params: {problems}") from exc
    return BuiltinPolicy(name=name, params=validated, rule=module.evaluate)
