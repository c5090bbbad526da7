"""The gate: build a repo's policies from config, run them, combine verdicts into a decision.

Combining: the strictest verdict wins (refuse > needs_human > allow), then the level shapes
what delivery does:
- refuse anywhere -> `refuse` (at any level; the run ends `refused` with the reasons);
- L0 -> `plan_only` (the plan is posted as a comment; nothing is pushed);
- L1 -> `pull_request`: a PR for people to merge, draft when any verdict is needs_human;
  the run ends there because the factory never merges at L1;
- L2 -> `merge` when every verdict is allow and the risk score is low;
- L3 -> `merge` when every verdict is allow;
- at L2/L3, whatever stops the merge (a needs_human verdict, or at L2 a risk score above the
  threshold) gives `needs_human`: the PR opens and the run waits for `factory approve`,
  which merges it (`factory reject` closes it).
"""

from collections.abc import Iterable, Mapping, Sequence

from policies.builtin import (
    DEFAULT_POLICY_NAMES,
    MANDATORY_POLICY_NAMES,
    BuiltinPolicy,
    build_builtin,
)
from policies.builtin.ci_files import DEFAULT_CI_GLOBS, ci_globs
from policies.builtin.dependency_manifests import DEFAULT_MANIFEST_GLOBS, manifest_globs
from policies.builtin.governance import GovernanceParams, governance_globs
from policies.config import AutonomyLevel, PolicySpec, RiskRule
from policies.errors import PolicyConfigError
from policies.loader import (
    DEFAULT_TIMEOUT_S,
    as_verdict,
    fail_closed,
    imported_policy,
    is_import_reference,
    is_repo_policy_path,
    repo_policy_from_source,
    split_policy_path,
)
from policies.models import (
    Decision,
    DecisionKind,
    GateContext,
    Outcome,
    RiskScore,
    Verdict,
)
from policies.protocol import Policy
from policies.risk import score_risk

EMPTY_CHANGE_VERDICT = Verdict(
    outcome=Outcome.REFUSE,
    policy="empty_change",
    reasons=["the change is empty: there is nothing to merge or review"],
)


def repo_policy_paths(specs: Iterable[PolicySpec]) -> list[str]:
    """The `.factory/policies/*.py` files whose base-branch source the factory must read."""
    return [split_policy_path(s.name)[0] for s in specs if is_repo_policy_path(s.name)]


def effective_specs(
    specs: Sequence[PolicySpec], protected_paths: Sequence[str] = ()
) -> list[PolicySpec]:
    """The listed policies (or the default set), plus the mandatory ones and protected paths."""
    chosen = list(specs) or [PolicySpec(name=name) for name in DEFAULT_POLICY_NAMES]
    names = {spec.name for spec in chosen}
    chosen += [PolicySpec(name=name) for name in MANDATORY_POLICY_NAMES if name not in names]
    if protected_paths:
        merged = []
        found = False
        for spec in chosen:
            if spec.name == "protected_paths":
                found = True
                globs = [*spec.params.get("needs_human", []), *protected_paths]
                spec = PolicySpec(name=spec.name, params={**spec.params, "needs_human": globs})
            merged.append(spec)
        if not found:
            merged.insert(
                0, PolicySpec(name="protected_paths", params={"needs_human": list(protected_paths)})
            )
        chosen = merged
    return chosen


def build_policies(
    specs: Sequence[PolicySpec],
    *,
    protected_paths: Sequence[str] = (),
    repo_sources: Mapping[str, str | None] | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> list[Policy]:
    """Policies for a repo. `repo_sources` maps `.factory/policies/...` paths to the source
    text read from the base branch (None or missing: not found there, which fails closed).
    Raises PolicyConfigError for an unknown name or bad built-in params."""
    sources = repo_sources or {}
    built: list[Policy] = []
    for spec in effective_specs(specs, protected_paths):
        if is_repo_policy_path(spec.name):
            path, _ = split_policy_path(spec.name)
            built.append(
                repo_policy_from_source(spec.name, sources.get(path), spec.params, timeout_s)
            )
        elif is_import_reference(spec.name):
            built.append(imported_policy(spec.name, spec.params, timeout_s))
        elif "/" in spec.name or spec.name.endswith(".py"):
            raise PolicyConfigError(
                f"policy {spec.name!r}: a repository's own policy files must live under "
                ".factory/policies/ (e.g. '.factory/policies/no_friday.py')"
            )
        else:
            built.append(build_builtin(spec.name, spec.params))
    return built


def run_policy(policy: Policy, ctx: GateContext) -> Verdict:
    """One verdict; a built-in that raises or returns garbage fails closed too."""
    try:
        return as_verdict(policy.evaluate(ctx), policy.name)
    except Exception as exc:
        return fail_closed(policy.name, f"{type(exc).__name__}: {exc}")


def _risk_globs(ctx: GateContext, policies: Sequence[Policy]) -> tuple[list[str], list[str]]:
    sensitive = [*DEFAULT_CI_GLOBS, *governance_globs(ctx, GovernanceParams())]
    dependencies = list(DEFAULT_MANIFEST_GLOBS)
    for policy in policies:
        if not isinstance(policy, BuiltinPolicy):
            continue
        params = policy.params
        if policy.name == "protected_paths":
            sensitive += [*getattr(params, "needs_human", []), *getattr(params, "refuse", [])]
        elif policy.name == "ci_files":
            sensitive += ci_globs(params)  # type: ignore[arg-type]
        elif policy.name == "governance":
            sensitive += governance_globs(ctx, params)  # type: ignore[arg-type]
        elif policy.name == "dependency_manifests":
            dependencies += manifest_globs(params)  # type: ignore[arg-type]
    return sensitive, dependencies


def combine(verdicts: Sequence[Verdict], level: AutonomyLevel, risk: RiskScore) -> Decision:
    """Strictest verdict wins, then the level shapes the outcome (see the module docstring)."""
    outcome = max((v.outcome for v in verdicts), key=lambda o: o.severity, default=Outcome.ALLOW)
    reviewers = list(dict.fromkeys(r for v in verdicts for r in v.request_reviews_from))
    blocking = [
        f"{v.policy}: {'; '.join(v.reasons) or v.outcome.value}"
        for v in verdicts
        if v.outcome is outcome and outcome is not Outcome.ALLOW
    ]
    draft = outcome is Outcome.NEEDS_HUMAN
    if outcome is Outcome.REFUSE:
        kind, reasons = DecisionKind.REFUSE, ["refused by policy", *blocking]
    elif level is AutonomyLevel.L0:
        kind, reasons = DecisionKind.PLAN_ONLY, ["L0: the plan is posted; nothing is pushed"]
    elif level is AutonomyLevel.L1:
        kind = DecisionKind.PULL_REQUEST
        reasons = ["L1: a pull request for people to merge", *blocking]
    elif outcome is Outcome.NEEDS_HUMAN:
        kind, reasons = DecisionKind.NEEDS_HUMAN, [f"{level}: a human must approve", *blocking]
    elif level is AutonomyLevel.L2 and not risk.low:
        kind = DecisionKind.NEEDS_HUMAN
        reasons = [f"L2: risk score {risk.score} is too high to merge alone"]
    else:
        kind = DecisionKind.MERGE
        reasons = [f"{level}: every policy allows" + (" and risk is low" if risk.low else "")]
    return Decision(
        decision=kind,
        level=level,
        outcome=outcome,
        draft=draft,
        verdicts=list(verdicts),
        risk=risk,
        reasons=reasons,
        request_reviews_from=reviewers,
    )


def evaluate_gate(
    ctx: GateContext, policies: Sequence[Policy], risk_rule: RiskRule | None = None
) -> Decision:
    """Run every policy on the context and decide at `ctx.level`.

    An empty diff is never a clean change: whatever the policies say, it is refused, so no
    level merges or opens a pull request for nothing."""
    verdicts = [run_policy(policy, ctx) for policy in policies]
    if not ctx.diff.files:
        verdicts.append(EMPTY_CHANGE_VERDICT)
    sensitive, dependencies = _risk_globs(ctx, policies)
    risk = score_risk(ctx.diff, risk_rule or RiskRule(), sensitive, dependencies)
    return combine(verdicts, ctx.level, risk)


def decision_rank(decision: Decision) -> tuple[int, bool]:
    """Orders decisions from most to least autonomous (a draft PR is stricter than a ready one)."""
    return decision.decision.strictness, decision.draft
