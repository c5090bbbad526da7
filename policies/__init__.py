"""Autonomy policies: pure functions from a gate context to a decision. No I/O here.

The names a repository's own policy needs (`from policies import Verdict, Outcome`) and the
ones the factory calls are re-exported here; see docs/policies.md.

Re-exports load on first use (PEP 562 `__getattr__`): `factory.config` imports
`policies.config` on every CLI start, and the engine's built-in checks pull in detect-secrets.
The `TYPE_CHECKING` imports give type checkers the precise types of the same names.
"""

from typing import TYPE_CHECKING

from policies.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from policies.autonomy import Assessment, assess_autonomy
    from policies.config import (
        AutonomyLevel,
        AutonomyRange,
        EarnedAutonomyRule,
        PolicySpec,
        RiskRule,
    )
    from policies.errors import PolicyConfigError
    from policies.evaluation import build_policies, combine, evaluate_gate
    from policies.models import Decision, DecisionKind, GateContext, Outcome, Verdict

_HOMES = {
    "policies.autonomy": ("Assessment", "assess_autonomy"),
    "policies.config": (
        "AutonomyLevel",
        "AutonomyRange",
        "EarnedAutonomyRule",
        "PolicySpec",
        "RiskRule",
    ),
    "policies.evaluation": ("build_policies", "combine", "evaluate_gate"),
    "policies.errors": ("PolicyConfigError",),
    "policies.models": ("Decision", "DecisionKind", "GateContext", "Outcome", "Verdict"),
}
__all__ = [
    "Assessment",
    "AutonomyLevel",
    "AutonomyRange",
    "Decision",
    "DecisionKind",
    "EarnedAutonomyRule",
    "GateContext",
    "Outcome",
    "PolicyConfigError",
    "PolicySpec",
    "RiskRule",
    "Verdict",
    "assess_autonomy",
    "build_policies",
    "combine",
    "evaluate_gate",
]


if not TYPE_CHECKING:  # hidden from type checkers, so a misspelt name stays an error there
    __getattr__, __dir__ = lazy_exports("policies", _HOMES, globals())
