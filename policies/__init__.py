"""Autonomy policies: pure functions from a gate context to a decision. No I/O here.

The names a repository's own policy needs (`from policies import Verdict, Outcome`) and the
ones the factory calls are re-exported here; see docs/policies.md.
"""

from policies.autonomy import Assessment, assess_autonomy
from policies.config import (
    AutonomyLevel,
    AutonomyRange,
    EarnedAutonomyRule,
    PolicySpec,
    RiskRule,
)
from policies.engine import build_policies, combine, evaluate_gate
from policies.errors import PolicyConfigError
from policies.models import (
    Decision,
    DecisionKind,
    GateContext,
    Outcome,
    Verdict,
)

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
