"""Reading a commit's checks: only required ones count, a required one never reported waits."""

from factory.forges.checks import CheckRun, checks_state, mark_required, summarize_checks


def test_only_required_checks_count_and_a_missing_required_one_is_pending() -> None:
    lint = CheckRun(name="lint", status="completed", conclusion="failure")
    test = CheckRun(name="test", status="completed", conclusion="success")
    assert checks_state([lint, test]) == "failing"  # no protection: every check counts
    marked = mark_required([lint, test], ["test"])
    assert checks_state(marked) == "green"
    waiting = mark_required([lint, test], ["test", "deploy-preview"])
    summary = summarize_checks("abc", waiting)
    assert summary.state == "pending" and summary.pending == ["deploy-preview"]
    assert checks_state([]) == "none"
