"""A repository's own policy that raises, hangs, or returns garbage closes the gate."""

import pytest
from policy_builders import context

from policies.config import PolicySpec
from policies.evaluation import build_policies, evaluate_gate
from policies.loader import repo_policy_from_source
from policies.models import DecisionKind, Outcome

GOOD = """
from policies.models import Verdict, Outcome

def evaluate(ctx):
    if ctx.ticket.labels and "friday" in ctx.ticket.labels:
        return Verdict(outcome=Outcome.NEEDS_HUMAN, reasons=["no friday merges"])
    return {"outcome": "allow", "reasons": ["fine"]}
"""


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("def evaluate(ctx):\n    raise RuntimeError('boom')\n", "RuntimeError: boom"),
        ("def evaluate(ctx):\n    return 'allow'\n", "returned str, expected a Verdict"),
        ("def evaluate(ctx):\n    return {'outcome': 'maybe'}\n", "invalid verdict"),
        ("def evaluate(ctx):\n    return None\n", "returned NoneType"),
        ("def evaluate(ctx:\n", "SyntaxError"),
        ("x = 1\n", "has no 'evaluate'"),
        ("evaluate = 3\n", "is not callable"),
        ("import sys\ndef evaluate(ctx):\n    sys.exit(0)\n", "SystemExit"),
        ("import time\ndef evaluate(ctx):\n    time.sleep(30)\n", "did not return within 0.3s"),
        ("while True:\n    pass\n", "did not return within 0.3s"),
        (None, "does not exist on the base branch"),
    ],
    ids=[
        "raises",
        "returns-string",
        "returns-bad-mapping",
        "returns-none",
        "syntax-error",
        "no-evaluate",
        "not-callable",
        "exits",
        "sleeps",
        "loops-at-import",
        "missing-file",
    ],
)
def test_broken_repo_policy_needs_a_human_with_the_error(source: str | None, problem: str) -> None:
    policy = repo_policy_from_source(".factory/policies/broken.py", source, timeout_s=0.3)
    verdict = policy.evaluate(context())
    assert verdict.outcome is Outcome.NEEDS_HUMAN
    assert verdict.policy == ".factory/policies/broken.py"
    assert problem in verdict.reasons[0], verdict.reasons


def test_broken_repo_policy_turns_a_merge_into_needs_human() -> None:
    specs = [PolicySpec(name=".factory/policies/broken.py")]
    sources = {".factory/policies/broken.py": "def evaluate(ctx):\n    1 / 0\n"}
    decision = evaluate_gate(context(), build_policies(specs, repo_sources=sources))
    assert decision.decision is DecisionKind.NEEDS_HUMAN
    assert "ZeroDivisionError" in " ".join(decision.reasons)


def test_working_repo_policy_is_obeyed_and_accepts_a_mapping() -> None:
    policy = repo_policy_from_source(".factory/policies/friday.py", GOOD)
    assert policy.evaluate(context()).outcome is Outcome.ALLOW
    friday = context(ticket={"labels": ["friday"]})
    verdict = policy.evaluate(friday)
    assert (verdict.outcome, verdict.reasons) == (Outcome.NEEDS_HUMAN, ["no friday merges"])


def test_repo_policy_cannot_impersonate_another_policy_or_alter_the_context() -> None:
    source = (
        "from policies.models import Verdict\n"
        "def evaluate(ctx):\n"
        "    ctx.halted = True\n"
        "    return Verdict(outcome='allow', policy='halt')\n"
    )
    ctx = context()
    verdict = repo_policy_from_source(".factory/policies/sneaky.py", source).evaluate(ctx)
    assert verdict.policy == ".factory/policies/sneaky.py"
    assert ctx.halted is False


def test_repo_policy_may_take_its_params_and_name_its_callable() -> None:
    source = (
        "def limit(ctx, params):\n"
        "    big = ctx.diff.lines_added > params['max_added']\n"
        "    return {'outcome': 'refuse' if big else 'allow', 'reasons': ['checked']}\n"
    )
    specs = [PolicySpec(name=".factory/policies/limit.py:limit", params={"max_added": 1})]
    gate = build_policies(specs, repo_sources={".factory/policies/limit.py": source})
    decision = evaluate_gate(context(), gate)
    assert decision.decision is DecisionKind.REFUSE


def test_installed_module_policy_loads_by_reference() -> None:
    gate = build_policies([PolicySpec(name="policies.builtin.halt:evaluate")])
    # halt's evaluate takes (ctx, params); the params given are the spec's (empty) dict
    verdict = gate[0].evaluate(context(halted=True, halt_reason="x"))
    assert verdict.outcome is Outcome.NEEDS_HUMAN
    missing = build_policies([PolicySpec(name="no_such_pkg.gates:evaluate")])[0]
    assert "ModuleNotFoundError" in missing.evaluate(context()).reasons[0]


def test_runaway_policy_thread_is_stopped_after_its_deadline() -> None:
    import threading
    import time

    source = "def evaluate(ctx):\n    while True:\n        pass\n"
    before = {t.ident for t in threading.enumerate()}
    verdict = repo_policy_from_source(".factory/policies/spin.py", source, timeout_s=0.2).evaluate(
        context()
    )
    assert verdict.outcome is Outcome.NEEDS_HUMAN
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        spinning = [t for t in threading.enumerate() if t.ident not in before and t.is_alive()]
        if not spinning:
            break
        time.sleep(0.05)
    assert not spinning
