"""Autonomy policies: pure functions from a gate context to a decision. No I/O here.

The names a repository's own policy needs (`from policies import Verdict, Outcome`) are
re-exported here; see docs/policies.md. They are pydantic models, cheap to import, so this
module imports them directly. The engine (`policies.evaluation`, which loads detect-secrets for
its built-in secret scan) is imported from its own module by the factory, never from here.

- `models`: `GateContext` (what a policy reads), `Verdict`, `Outcome`, `Decision`.
- `config`: autonomy levels and ranges, the earned-autonomy and risk rules, policy listings.
- `autonomy`: the effective level from a track record (`assess_autonomy`).
- `evaluation`: building a repository's policies and combining their verdicts into a decision.
- `builtin/`: one module per built-in policy.
- `loader`: a repository's own policy modules, loaded from its base branch.
- `globs`, `risk`, `protocol`, `errors`: path globs, the risk score, `Policy`, `PolicyConfigError`.
"""

from policies.config import (
    AutonomyLevel,
    AutonomyRange,
    EarnedAutonomyRule,
    PolicySpec,
    RiskRule,
)
from policies.errors import PolicyConfigError
from policies.models import Decision, DecisionKind, GateContext, Outcome, Verdict

__all__ = [
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
]
