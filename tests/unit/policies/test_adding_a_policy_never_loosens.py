"""Property: adding a policy to a gate never makes its decision less strict."""

from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from policy_builders import NOW

from policies.builtin import build_builtin
from policies.config import AutonomyLevel
from policies.evaluation import decision_rank, evaluate_gate
from policies.models import (
    DiffSummary,
    FileChange,
    GateContext,
    Outcome,
    ReviewSummary,
    TestSummary,
    Verdict,
)
from policies.protocol import Policy

PATHS = [
    "src/app.py",
    "src/util/io.py",
    "docs/guide.md",
    "factory.toml",
    ".github/workflows/ci.yml",
    "uv.lock",
    "infra/main.tf",
    "assets/logo.png",
]


@dataclass(frozen=True)
class Fixed:
    """A policy with a fixed answer, standing in for any repo's own policy."""

    name: str
    outcome: Outcome

    def evaluate(self, ctx: GateContext) -> Verdict:
        return Verdict(outcome=self.outcome, reasons=["fixed"])


files = st.builds(
    FileChange,
    path=st.sampled_from(PATHS),
    added=st.integers(0, 400),
    removed=st.integers(0, 400),
    status=st.sampled_from(["added", "modified", "deleted"]),
    binary=st.booleans(),
)
contexts = st.builds(
    GateContext,
    repo=st.just("demo"),
    diff=st.builds(DiffSummary, files=st.lists(files, max_size=6, unique_by=lambda f: f.path)),
    tests=st.one_of(
        st.none(),
        st.builds(
            TestSummary,
            passed=st.booleans(),
            newly_failing=st.lists(st.sampled_from(["t1", "t2"]), max_size=2),
        ),
    ),
    review=st.one_of(
        st.none(), st.builds(ReviewSummary, verdict=st.sampled_from(["approve", "request_changes"]))
    ),
    level=st.sampled_from(list(AutonomyLevel)),
    halted=st.booleans(),
    now=st.just(NOW),
)
BUILTIN_CHOICES: list[tuple[str, dict[str, Any]]] = [
    ("protected_paths", {"needs_human": ["infra/**"]}),
    ("protected_paths", {"refuse": ["docs/**"]}),
    ("diff_size", {"max_lines": 300, "max_files": 3}),
    ("tests_green", {}),
    ("reviewer_approval", {}),
    ("ci_files", {}),
    ("dependency_manifests", {}),
    ("owners", {"unowned": "needs_human"}),
    ("halt", {}),
    ("governance", {}),
    ("budget", {}),
]
policies: st.SearchStrategy[Policy] = st.one_of(
    st.sampled_from(BUILTIN_CHOICES).map(lambda choice: build_builtin(*choice)),
    st.builds(Fixed, name=st.just("repo_policy"), outcome=st.sampled_from(list(Outcome))),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ctx=contexts, gate=st.lists(policies, max_size=5), extra=policies)
def test_adding_a_policy_never_makes_the_decision_less_strict(
    ctx: GateContext, gate: list[Policy], extra: Policy
) -> None:
    before = evaluate_gate(ctx, gate)
    after = evaluate_gate(ctx, [*gate, extra])
    assert decision_rank(after) >= decision_rank(before), (before.decision, after.decision)
    assert after.outcome.severity >= before.outcome.severity
