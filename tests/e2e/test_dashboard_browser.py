"""The dashboard in real headless Chromium (Debian's package, driven by Playwright through
`executable_path`; nothing is downloaded): read the review, a run and the sweep that drove
it, approve one waiting run and see it merge, reject another, halt the factory from the browser
and see `factory run` refuse to start, and see requests without the token or without the CSRF
token refused.

Screenshots land in `.artifacts/screenshots/` (gitignored) for a person to look at.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from factory.run.runner import RunSummary
from tests.e2e import script
from tests.e2e.conftest import Workspace
from tests.e2e.dashboard_server import dashboard

pytestmark = [pytest.mark.e2e, pytest.mark.docker, pytest.mark.browser]

CHROMIUM = shutil.which("chromium")
SHOTS = Path(__file__).parents[2] / ".artifacts" / "screenshots"
TOKEN = "dashboard-test-token"
LONG = 240_000  # ms: an approval drives a real merge through the sandbox and the forge

if CHROMIUM is None:
    pytest.skip(
        "Debian's chromium is not installed (apt-get install -y chromium): browser tests skipped",
        allow_module_level=True,
    )


@pytest.fixture
def browser_page() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()


def shot(page: object, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def waiting_run(workspace: Workspace, tmp_path: Path, ticket: Path) -> RunSummary:
    cassette = script.write_cassette(tmp_path / f"{ticket.stem}.jsonl", script.demo_replies())
    config = workspace.config()
    from factory.run.runner import start_run
    from factory.run.setup import RunOptions
    from factory.store import Store

    with Store.open(config) as store:
        summary = start_run(
            config, store, str(ticket), RunOptions(repo="numerals", replay=cassette)
        )
    assert summary.status.value == "waiting_approval", summary.state.decision
    return summary


def recorded_sweep(workspace: Workspace, run: RunSummary) -> str:
    """A finished sweep in the store that drove `run` (its report built by the sweep module)."""
    from datetime import UTC, datetime

    from factory.store import Store
    from tests.support.sweep_history import drive, finished_sweep, outcome

    with Store.open(workspace.config()) as store:
        waiting = outcome("T-1", "numerals", "waiting_approval", run_id=run.run_id)
        sweep_id = finished_sweep(store, datetime.now(UTC), [waiting])
        drive(store, run.run_id, sweep_id)
    return sweep_id


def test_the_dashboard_reviews_approves_rejects_and_halts(
    workspace: Workspace, tmp_path: Path, browser_page: object
) -> None:
    from playwright.sync_api import Page, expect

    page: Page = browser_page  # type: ignore[assignment]
    workspace.configure('autonomy = { min = "L2", max = "L2" }\nprotected_paths = ["numerals/**"]')
    second_ticket = workspace.root / "ticket-2.md"
    second_ticket.write_text(
        workspace.ticket.read_text().replace(
            "title: from_roman ignores subtractive notation",
            "title: from_roman gets IV wrong",
        )
    )
    first = waiting_run(workspace, tmp_path, workspace.ticket)
    second = waiting_run(workspace, tmp_path, second_ticket)
    sweep_id = recorded_sweep(workspace, first)

    with dashboard(workspace.config(), TOKEN) as base:
        # The review and a run, read by anyone.
        page.goto(f"{base}/review")
        expect(page.locator("h1")).to_have_text("Operational review")
        expect(page.locator("#pillars")).to_contain_text("Delivery: waiting for a human")
        expect(page.locator("#groups")).to_contain_text(first.run_id)  # the waiting queue
        shot(page, "review")
        page.goto(f"{base}/sweeps")
        page.click(f"text={sweep_id}")
        expect(page.locator("#morning-report")).to_contain_text("Waiting for a human")
        shot(page, "sweep")
        page.click(f"#runs >> text={first.run_id}")
        expect(page.locator("#run-sweep")).to_have_text(sweep_id)
        page.goto(f"{base}/runs")
        page.click(f"text={first.run_id}")
        expect(page.locator("#run-status")).to_have_text("waiting_approval")
        expect(page.locator("#audit-status")).to_have_text("verifies")
        expect(page.locator("#timeline")).to_contain_text("gate")
        expect(page.locator("#approve")).to_have_count(0)  # not logged in: nothing to press
        shot(page, "run-waiting")

        # Without a session, or with one but without the form's CSRF token: refused.
        # (A browser names the page a form came from; these requests say it is the dashboard.)
        own = {"Origin": base}
        anonymous = page.request.post(f"{base}/runs/{first.run_id}/approve", form={}, headers=own)
        assert anonymous.status == 401
        page.goto(f"{base}/login")
        page.fill("input[name=who]", "ana")
        page.fill("input[name=token]", "not-the-token")
        page.click("#login button")
        expect(page.locator("#message")).to_contain_text("wrong token")
        page.goto(f"{base}/login")
        page.fill("input[name=who]", "ana")
        page.fill("input[name=token]", TOKEN)
        page.click("#login button")
        expect(page.locator("#who")).to_have_text("ana")
        no_csrf = page.request.post(f"{base}/runs/{first.run_id}/approve", form={}, headers=own)
        assert no_csrf.status == 403 and "CSRF" in no_csrf.text()
        forged = page.request.post(
            f"{base}/halt",
            form={"csrf_token": "forged", "scope": "all", "reason": "x"},
            headers=own,
        )
        assert forged.status == 403
        with workspace.store() as store:
            assert store.runs.get(first.run_id).status == "waiting_approval"
            assert store.halts.active() == []

        # Approve the first: it moves on to merged while the page refreshes itself.
        page.goto(f"{base}/runs/{first.run_id}")
        page.fill("input[name=comment]", "looks right")
        page.click("#approve")
        expect(page.locator("#run-status")).to_have_text("merged", timeout=LONG)
        shot(page, "run-approved")

        # Reject the second.
        page.goto(f"{base}/approvals")
        expect(page.locator("#queue")).to_contain_text(second.run_id)
        page.goto(f"{base}/runs/{second.run_id}")
        page.fill("input[name=reason]", "not now")
        page.click("#reject")
        expect(page.locator("#run-status")).to_have_text("rejected", timeout=LONG)

        # Halt everything; a new run refuses to start.
        page.goto(f"{base}/approvals")
        page.select_option("select[name=scope]", "all")
        page.fill("input[name=reason]", "incident in progress")
        page.click("#halt")
        expect(page.locator("#halt-all")).to_contain_text("incident in progress")
        shot(page, "halted")
        refused = workspace.cli("run", str(workspace.ticket), "--json")
        assert refused.returncode != 0
        assert re.search(r"halted by ana", refused.stdout + refused.stderr)
        page.click("#unhalt-all")
        expect(page.locator("#halt-all")).to_have_count(0)

    with workspace.store() as store:
        assert store.runs.get(first.run_id).status == "merged"
        assert store.runs.get(second.run_id).status == "rejected"
        assert [(a.decision, a.by) for a in store.approvals.of_run(first.run_id)] == [
            ("approve", "ana")
        ]
        assert [(a.decision, a.by) for a in store.approvals.of_run(second.run_id)] == [
            ("reject", "ana")
        ]
        approvals = [e for e in store.events.read(first.run_id) if e.kind == "approval.approve"]
        assert approvals[0].actor == "human:ana"
        assert json.loads(approvals[0].payload)["comment"] == "looks right"
    assert "reversed(numeral.upper())" in workspace.git("show", "main:numerals/roman.py")

    # The review reads what really happened: one factory change (approved by a person), the
    # sample's first commit as the one human change, one run rejected, one halt lifted.
    review = json.loads(workspace.cli("review", "--format", "json").stdout)
    (numerals,) = review["dora"]
    assert numerals["agent"]["deployments"] == 1 and numerals["human"]["deployments"] == 1
    assert numerals["agent"]["lead_time_ticket"]["value"] is not None
    factory = review["factory"]
    assert factory["vigilance"]["unreviewed_merge_share"]["value"] == 0.0
    assert factory["vigilance"]["decisions"] == {"needs_human": 2}
    assert factory["vigilance"]["verdicts_by_policy"]["protected_paths"] == {"needs_human": 2}
    assert factory["efficiency"]["approval_wait_hours"]["value"] > 0
    assert factory["reliability"]["first_try_green_rate"]["value"] == 1.0
    assert [h["by"] for h in factory["vigilance"]["halts"]] == ["ana"]
    assert factory["vigilance"]["audit"]["ok"] is True
    assert factory["efficiency"]["spend_usd"]["value"] == 0.0  # replayed turns are priced at $0
