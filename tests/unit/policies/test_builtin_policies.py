"""Every built-in policy, table-driven: (params, change) -> outcome and a telling reason."""

from datetime import UTC, datetime
from typing import Any

import pytest
from policy_builders import NOW, change, context

from policies.builtin import BUILTIN_MODULES, build_builtin
from policies.config import AutonomyLevel, PolicySpec
from policies.errors import PolicyConfigError
from policies.evaluation import build_policies, evaluate_gate
from policies.models import (
    BudgetLimits,
    DecisionKind,
    GateContext,
    Outcome,
    ReviewSummary,
    RunCost,
    TestSummary,
    TicketSummary,
)

L2, L3 = AutonomyLevel.L2, AutonomyLevel.L3
ALLOW, HUMAN, REFUSE = Outcome.ALLOW, Outcome.NEEDS_HUMAN, Outcome.REFUSE
FAKE_AWS_KEY = "AKIA" + "IOSFODNN7EXAMPLE"  # split so the repository itself holds no key

CASES: list[tuple[str, str, dict[str, Any], GateContext, Outcome, str]] = [
    # protected_paths
    ("pp-none", "protected_paths", {"needs_human": ["infra/**"]}, context(), ALLOW, "no protected"),
    (
        "pp-human",
        "protected_paths",
        {"needs_human": ["infra/**"]},
        context(change("infra/main.tf")),
        HUMAN,
        "infra/main.tf",
    ),
    (
        "pp-refuse-wins",
        "protected_paths",
        {"needs_human": ["infra/**"], "refuse": ["secrets/"]},
        context(change("infra/a.tf"), change("secrets/prod.env")),
        REFUSE,
        "secrets/prod.env",
    ),
    (
        "pp-rename-old-side",
        "protected_paths",
        {"refuse": ["vault/**"]},
        context(change("public/k.txt", old_path="vault/k.txt", status="renamed")),
        REFUSE,
        "vault/k.txt",
    ),
    # diff_size
    ("size-ok", "diff_size", {"max_lines": 10}, context(change("a.py", 5, 5)), ALLOW, "10 lines"),
    (
        "size-lines",
        "diff_size",
        {"max_lines": 10},
        context(change("a.py", 6, 5)),
        HUMAN,
        "11 changed lines exceed the limit of 10",
    ),
    (
        "size-files",
        "diff_size",
        {"max_files": 1},
        context(change("a.py"), change("b.py")),
        HUMAN,
        "2 files exceed",
    ),
    (
        "size-refuse",
        "diff_size",
        {"max_lines": 1, "outcome": "refuse"},
        context(change("a.py", 2)),
        REFUSE,
        "exceed",
    ),
    # tests_green
    ("tests-green", "tests_green", {}, context(), ALLOW, "no newly failing"),
    ("tests-missing", "tests_green", {}, context(tests=None), HUMAN, "no test report"),
    (
        "tests-newly-failing",
        "tests_green",
        {},
        context(tests=TestSummary(passed=False, newly_failing=["t::a", "t::b"])),
        HUMAN,
        "2 newly failing tests: t::a, t::b",
    ),
    (
        "tests-old-failures-ok",
        "tests_green",
        {},
        context(tests=TestSummary(passed=False, still_failing=["t::old"])),
        ALLOW,
        "already failing",
    ),
    (
        "tests-bug-needs-test",
        "tests_green",
        {"require_new_test_for_bugs": True},
        context(ticket=TicketSummary(labels=["Bug"])),
        HUMAN,
        "without a new test",
    ),
    (
        "tests-bug-with-test",
        "tests_green",
        {"require_new_test_for_bugs": True},
        context(
            ticket=TicketSummary(kind="bug"), tests=TestSummary(passed=True, new_tests_added=1)
        ),
        ALLOW,
        "no newly failing",
    ),
    (
        "tests-feature-no-test-ok",
        "tests_green",
        {"require_new_test_for_bugs": True},
        context(ticket=TicketSummary(labels=["feature"])),
        ALLOW,
        "no newly failing",
    ),
    # reviewer_approval
    ("review-ok", "reviewer_approval", {}, context(), ALLOW, "approved"),
    (
        "review-changes",
        "reviewer_approval",
        {},
        context(review=ReviewSummary(verdict="request_changes", findings=["no tests for x"])),
        HUMAN,
        "no tests for x",
    ),
    ("review-missing", "reviewer_approval", {}, context(review=None), HUMAN, "no review"),
    # secret_scan
    (
        "secret-clean",
        "secret_scan",
        {},
        context(change("a.py", added_lines=["x = 1"])),
        ALLOW,
        "no secret",
    ),
    (
        "secret-aws",
        "secret_scan",
        {},
        context(change("cfg.py", added_lines=["ok = 1", f'KEY = "{FAKE_AWS_KEY}"'])),
        REFUSE,
        "cfg.py: added line 2: AWS Access Key",
    ),
    (
        "secret-allowlist-pragma-ignored",
        "secret_scan",
        {},
        context(change("c.py", added_lines=[f'K = "{FAKE_AWS_KEY}"  # pragma: allowlist secret'])),
        REFUSE,
        "AWS Access Key",
    ),
    (
        "secret-ignored-path",
        "secret_scan",
        {"ignore_paths": ["tests/fixtures/**"]},
        context(change("tests/fixtures/k.py", added_lines=[f'K = "{FAKE_AWS_KEY}"'])),
        ALLOW,
        "no secret",
    ),
    # ci_files
    ("ci-none", "ci_files", {}, context(), ALLOW, "no CI"),
    (
        "ci-workflow",
        "ci_files",
        {},
        context(change(".github/workflows/release.yml")),
        HUMAN,
        ".github/workflows/release.yml",
    ),
    (
        "ci-extra",
        "ci_files",
        {"extra_globs": ["ci/**"]},
        context(change("ci/run.sh")),
        HUMAN,
        "ci/run.sh",
    ),
    # dependency_manifests
    ("deps-none", "dependency_manifests", {}, context(level=L2), ALLOW, "no dependency"),
    (
        "deps-below-l3",
        "dependency_manifests",
        {},
        context(change("web/package-lock.json"), level=L2),
        HUMAN,
        "below L3: web/package-lock.json",
    ),
    (
        "deps-at-l3",
        "dependency_manifests",
        {},
        context(change("uv.lock"), level=L3),
        ALLOW,
        "allowed from L3",
    ),
    (
        "deps-requirements",
        "dependency_manifests",
        {},
        context(change("requirements-dev.txt"), level=L2),
        HUMAN,
        "requirements-dev.txt",
    ),
    # change_freeze (NOW is Tuesday 2026-11-24 12:00 UTC = 13:00 in Paris, 07:00 in New York)
    ("freeze-none", "change_freeze", {}, context(), ALLOW, "no change freeze"),
    (
        "freeze-window-local-time",
        "change_freeze",
        {
            "windows": [
                {
                    "start": "2026-11-24T12:30",
                    "end": "2026-11-24T14:00",
                    "timezone": "Europe/Paris",
                    "reason": "launch",
                }
            ]
        },
        context(),
        HUMAN,
        "launch, Europe/Paris",
    ),
    (
        "freeze-window-other-zone-not-yet",
        "change_freeze",
        {
            "windows": [
                {
                    "start": "2026-11-24T12:30",
                    "end": "2026-11-24T14:00",
                    "timezone": "America/New_York",
                }
            ]
        },
        context(),
        ALLOW,
        "no change freeze",
    ),
    (
        "freeze-weekly-tuesday",
        "change_freeze",
        {
            "weekly": [
                {
                    "days": ["tue"],
                    "start": "06:00",
                    "end": "08:00",
                    "timezone": "America/New_York",
                    "reason": "standup",
                }
            ]
        },
        context(),
        HUMAN,
        "standup",
    ),
    (
        "freeze-weekly-friday",
        "change_freeze",
        {"weekly": [{"days": ["fri"]}]},
        context(),
        ALLOW,
        "no change freeze",
    ),
    # budget
    (
        "budget-ok",
        "budget",
        {},
        context(cost=RunCost(usd=1), budget=BudgetLimits(max_usd=2)),
        ALLOW,
        "within budget",
    ),
    (
        "budget-over",
        "budget",
        {},
        context(cost=RunCost(usd=3), budget=BudgetLimits(max_usd=2)),
        HUMAN,
        "over budget: no merge",
    ),
    (
        "budget-wall",
        "budget",
        {},
        context(cost=RunCost(wall_s=90), budget=BudgetLimits(max_wall_s=60)),
        HUMAN,
        "ran 90s of 60s",
    ),
    # owners
    (
        "owners-none",
        "owners",
        {"require_human_for": ["@acme/security"]},
        context(owners={"src/app.py": ["@acme/web"]}),
        ALLOW,
        "no touched path",
    ),
    (
        "owners-security",
        "owners",
        {"require_human_for": ["@acme/security"]},
        context(change("auth/login.py"), owners={"auth/login.py": ["@acme/security", "@bob"]}),
        HUMAN,
        "owned by @acme/security: auth/login.py",
    ),
    (
        "owners-unowned",
        "owners",
        {"unowned": "needs_human"},
        context(change("x.py")),
        HUMAN,
        "no owner: x.py",
    ),
    # halt
    ("halt-off", "halt", {}, context(), ALLOW, "not halted"),
    ("halt-on", "halt", {}, context(halted=True, halt_reason="incident 42"), HUMAN, "incident 42"),
    # governance
    ("gov-none", "governance", {}, context(), ALLOW, "no governance"),
    ("gov-factory-toml", "governance", {}, context(change("factory.toml")), HUMAN, "factory.toml"),
    (
        "gov-dot-factory",
        "governance",
        {},
        context(change(".factory/policies/p.py")),
        HUMAN,
        ".factory/policies/p.py",
    ),
    (
        "gov-codeowners",
        "governance",
        {},
        context(change(".github/CODEOWNERS")),
        HUMAN,
        "CODEOWNERS",
    ),
    (
        "gov-policy-module",
        "governance",
        {},
        context(change("acme/gates.py"), policy_sources=["acme/gates.py"]),
        HUMAN,
        "acme/gates.py",
    ),
    (
        "gov-extra",
        "governance",
        {"extra_globs": ["policies/**"]},
        context(change("policies/x.py")),
        HUMAN,
        "policies/x.py",
    ),
    # links
    ("links-none", "links", {}, context(), ALLOW, "no link leads out"),
    (
        "links-inside",
        "links",
        {},
        context(change("docs/latest", mode="120000", added_lines=["../README.md"])),
        ALLOW,
        "no link leads out",
    ),
    (
        "links-absolute",
        "links",
        {},
        context(change("key", mode="120000", added_lines=["/home/ci/.ssh/id_rsa"])),
        REFUSE,
        "key -> /home/ci/.ssh/id_rsa",
    ),
    (
        "links-climbing",
        "links",
        {},
        context(change("a/b", mode="120000", added_lines=["../../../etc"])),
        REFUSE,
        "a/b -> ../../../etc",
    ),
    (
        "links-into-git",
        "links",
        {},
        context(change("cfg", mode="120000", added_lines=[".git/config"])),
        REFUSE,
        "cfg -> .git/config",
    ),
    ("links-submodule", "links", {}, context(change("vendor/x", mode="160000")), HUMAN, "vendor/x"),
    # tests_kept
    ("kept-none", "tests_kept", {}, context(), ALLOW, "no test deleted"),
    (
        "kept-deleted",
        "tests_kept",
        {},
        context(change("tests/test_a.py", 0, 9, status="deleted")),
        HUMAN,
        "deletes tests/test_a.py",
    ),
    (
        "kept-assert-removed",
        "tests_kept",
        {},
        context(
            change(
                "pkg/test_x.py",
                1,
                2,
                removed_lines=["    assert f(1) == 2", "    assert f(2) == 3"],
                added_lines=["    assert f(1)"],
            )
        ),
        HUMAN,
        "removes 1 assertion",
    ),
    (
        "kept-assert-changed",
        "tests_kept",
        {},
        context(
            change(
                "tests/test_x.py",
                1,
                1,
                removed_lines=["    assert f(1) == 2"],
                added_lines=["    assert f(1) == 3"],
            )
        ),
        ALLOW,
        "no test deleted",
    ),
    (
        "kept-skip",
        "tests_kept",
        {},
        context(change("src/a_test.go", added_lines=['\tt.Skip("flaky")'])),
        HUMAN,
        "adds 1 skip",
    ),
    (
        "kept-moved-away",
        "tests_kept",
        {},
        context(change("old/x.py", old_path="tests/test_x.py", status="renamed")),
        HUMAN,
        "moves tests/test_x.py out",
    ),
    (
        "kept-extra",
        "tests_kept",
        {"extra_globs": ["checks/"]},
        context(change("checks/run.sh", 0, 3, status="deleted")),
        HUMAN,
        "deletes checks/run.sh",
    ),
]


@pytest.mark.parametrize(
    ("name", "params", "ctx", "expected", "reason"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_builtin_policy_verdict(
    name: str, params: dict[str, Any], ctx: GateContext, expected: Outcome, reason: str
) -> None:
    verdict = build_builtin(name, params).evaluate(ctx)
    assert verdict.outcome is expected, verdict.reasons
    assert any(reason in r for r in verdict.reasons), verdict.reasons


def test_every_builtin_has_a_table_case() -> None:
    assert {case[1] for case in CASES} == set(BUILTIN_MODULES)


def test_secret_scan_never_echoes_the_secret() -> None:
    ctx = context(change("cfg.py", added_lines=[f'KEY = "{FAKE_AWS_KEY}"']))
    verdict = build_builtin("secret_scan").evaluate(ctx)
    assert verdict.outcome is REFUSE
    assert FAKE_AWS_KEY not in " ".join(verdict.reasons)


def test_owners_policy_requests_review_from_the_owners_it_gates_on() -> None:
    ctx = context(change("auth/a.py"), owners={"auth/a.py": ["@acme/security", "@bob"]})
    verdict = build_builtin("owners", {"require_human_for": ["@ACME/security"]}).evaluate(ctx)
    assert verdict.request_reviews_from == ["@acme/security"]


def test_change_freeze_judges_the_context_time_not_the_clock() -> None:
    params = {"windows": [{"start": "2020-01-01T00:00", "end": "2020-01-02T00:00"}]}
    policy = build_builtin("change_freeze", params)
    inside = context(now=datetime(2020, 1, 1, 12, tzinfo=UTC))
    assert policy.evaluate(inside).outcome is HUMAN
    assert policy.evaluate(context(now=NOW)).outcome is ALLOW


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("nope", {}, "unknown policy 'nope'"),
        ("diff_size", {"max_lines": 0}, "max_lines"),
        ("diff_size", {"max_line": 5}, "max_line: Extra inputs are not permitted"),
        (
            "change_freeze",
            {"weekly": [{"days": ["fri"], "timezone": "Mars/Olympus"}]},
            "unknown time zone 'Mars/Olympus'",
        ),
        ("change_freeze", {"windows": [{"start": "2026-01-02", "end": "2026-01-01"}]}, "starts"),
        (
            "change_freeze",
            {"weekly": [{"days": ["fri"], "start": "22:00", "end": "06:00"}]},
            "split an overnight freeze",
        ),
    ],
)
def test_bad_policy_config_is_a_clear_error(
    name: str, params: dict[str, Any], message: str
) -> None:
    with pytest.raises(PolicyConfigError) as caught:
        build_builtin(name, params)
    assert message in str(caught.value)


@pytest.mark.parametrize("level", [AutonomyLevel.L2, AutonomyLevel.L3])
def test_an_unknown_cost_under_a_dollar_limit_is_not_within_budget(level: AutonomyLevel) -> None:
    ctx = context(
        level=level, cost=RunCost(usd=None, tokens=12_000), budget=BudgetLimits(max_usd=2)
    )
    verdict = build_builtin("budget").evaluate(ctx)
    assert verdict.outcome is Outcome.NEEDS_HUMAN
    assert "could not be enforced: the cost is unknown" in verdict.reasons[0]
    assert "$0.00" not in " ".join(verdict.reasons)
    decision = evaluate_gate(ctx, build_policies([PolicySpec(name="budget")]))
    assert decision.decision is DecisionKind.NEEDS_HUMAN


def test_an_unknown_cost_without_a_dollar_limit_says_unknown_not_zero() -> None:
    ctx = context(cost=RunCost(usd=None, tokens=5), budget=BudgetLimits(max_tokens=100))
    verdict = build_builtin("budget").evaluate(ctx)
    assert verdict.outcome is Outcome.ALLOW
    assert verdict.reasons == ["within budget (cost unknown)"]
