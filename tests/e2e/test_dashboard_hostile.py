"""The dashboard under hostile input, in Debian's chromium: a real run whose ticket, model
output, file names and review comments are attacks, shown on every page, must render as the
text it is and run nothing; a page on another origin cannot act even with a leaked CSRF token;
GETs on actions and unknown or malformed addresses are clean refusals.

What an attack would do if it worked is set a marker the test reads (`window.__pwned`, the
document's title, a dialog); each page is checked for it after it loaded.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.e2e import script
from tests.e2e.conftest import Workspace
from tests.e2e.dashboard_server import dashboard

pytestmark = [pytest.mark.e2e, pytest.mark.docker, pytest.mark.browser, pytest.mark.chaos]

CHROMIUM = shutil.which("chromium")
TOKEN = "hostile-test-token"
XSS = "<img src=x onerror=\"window.__pwned=1;document.title='pwned'\">"
SCRIPT = "<script>window.__pwned=2;alert('pwned')</script>"
TITLE = f"Fix {XSS} {SCRIPT} @alice | [x](javascript:window.__pwned=3)"
FILE = "numerals/<svg onload=alert(4)>.py"

if CHROMIUM is None:
    pytest.skip(
        "Debian's chromium is not installed (apt-get install -y chromium): browser tests skipped",
        allow_module_level=True,
    )


@pytest.fixture
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        context = launched.new_context()
        try:
            yield context
        finally:
            context.close()
            launched.close()


def hostile_replies() -> list[dict[str, Any]]:
    plan, submit = script.planner()
    submitted = dict(submit["tool_calls"][0]["arguments"])
    submitted["summary"] = f"Plan {XSS} {SCRIPT}"
    submitted["steps"] = [f"Step {SCRIPT}", *submitted["steps"]]
    planner = [plan, script.reply(f"Thinking {XSS}", script.call("submit", **submitted))]
    coder = [
        script.reply(
            f"Writing {SCRIPT}",
            script.call("create_file", path=FILE, content=f"# {XSS}\n{SCRIPT}\n"),
            script.call("run_command", command=f"echo '{XSS}'; ls numerals"),
        ),
        *script.coder(),
    ]
    looked, verdict = script.reviewer()
    review = dict(verdict["tool_calls"][0]["arguments"])
    review["summary"] = f"Review {XSS}"
    review["findings"] = [
        {"file": FILE, "line": 1, "severity": "minor", "message": f"Odd name {SCRIPT}"}
    ]
    reviewer = [looked, script.reply("Done", script.call("submit", **review))]
    return [*planner, *coder, *script.tester(), *reviewer]


@pytest.fixture
def attacker_site() -> Iterator[Any]:
    """A page on another origin (another port of this host: the same site, so the browser
    sends the dashboard's SameSite=Strict cookie along): it posts a form to the dashboard."""
    page: dict[str, bytes] = {"html": b""}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "text/html")
            self.end_headers()
            self.wfile.write(page["html"])

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server, page
    finally:
        server.shutdown()
        server.server_close()


def untouched(page: Any) -> None:
    assert page.evaluate("window.__pwned === undefined")
    assert page.title() != "pwned"


def test_hostile_text_renders_as_text_and_no_other_origin_can_act(
    workspace: Workspace, tmp_path: Path, browser: Any, attacker_site: Any
) -> None:
    from playwright.sync_api import expect

    from factory.run.runner import start_run
    from factory.run.setup import RunOptions
    from factory.store import Store
    from factory.sweep.outcome import TicketOutcome
    from tests.support.sweep_history import drive, finished_sweep

    workspace.ticket.write_text(
        f"---\ntitle: {TITLE.replace(chr(34), chr(39))}\n---\n{XSS}\n\n# {SCRIPT}\n"
    )
    cassette = script.write_cassette(tmp_path / "hostile.jsonl", hostile_replies())
    config = workspace.config()
    with Store.open(config) as store:
        run = start_run(config, store, str(workspace.ticket), RunOptions(replay=cassette))
        assert run.status.value == "pr_open", run.state.error
        hostile = TicketOutcome(
            identity="acme/app#1",
            repo="numerals",
            title=TITLE,
            action="start",
            status="needs_human",
            run_id=run.run_id,
            pr_number=1,
            pr_url="javascript:window.__pwned=5",
            owners=["@acme/security"],
            reasons=[f"changes {FILE}"],
        )
        sweep_id = finished_sweep(store, datetime.now(UTC), [hostile])
        drive(store, run.run_id, sweep_id)

    dialogs: list[str] = []
    page = browser.new_page()

    def refuse(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", refuse)
    with dashboard(config, TOKEN) as base:
        for path in ("/runs", f"/runs/{run.run_id}", "/review", "/sweeps", f"/sweeps/{sweep_id}"):
            answer = page.goto(base + path)
            assert answer is not None and answer.status == 200, path
            untouched(page)
            assert page.locator("img[src=x], svg[onload], script").count() == 0, path
        page.goto(f"{base}/runs/{run.run_id}")
        # The attack is shown, as text, where it came from.
        expect(page.locator("#trajectory")).to_contain_text(SCRIPT)
        expect(page.locator("#trajectory")).to_contain_text(FILE)
        expect(page.locator("#trajectory")).to_contain_text("Odd name <script>")
        expect(page.locator("body")).to_contain_text(f"Review {XSS}")
        page.goto(f"{base}/sweeps/{sweep_id}")
        report = page.locator("#morning-report")
        expect(report).to_contain_text("<img src=x onerror=")
        assert report.locator("a[href^='javascript']").count() == 0
        assert report.locator("code", has_text="@acme/security").count() == 1

        # GETs on actions, unknown and malformed addresses: the dashboard's own refusal page.
        for path, status in [
            ("/halt", 405),
            ("/unhalt", 405),
            (f"/runs/{run.run_id}/approve", 405),
            ("/runs/r-does-not-exist", 404),
            ("/runs/%00", 400),
            ("/sweeps/..%2F..%2Fetc%2Fpasswd", 404),
            ("/nowhere/" + "x" * 3000, 404),
            ("/runs?since=99999999d", 400),
        ]:
            answer = page.goto(base + path)
            assert answer is not None and answer.status == status, path
            expect(page.locator("#message")).to_be_visible()
            assert "Traceback" not in page.content()

        # Logged in, with a form on another origin carrying the real (leaked) CSRF token.
        page.goto(f"{base}/login")
        page.fill("input[name=who]", "ana")
        page.fill("input[name=token]", TOKEN)
        page.click("#login button")
        expect(page.locator("#who")).to_have_text("ana")
        page.goto(f"{base}/approvals")
        csrf = page.locator("input[name=csrf_token]").first.get_attribute("value")
        server, served = attacker_site
        served["html"] = (
            f'<form id="f" method="post" action="{base}/halt">'
            f'<input name="csrf_token" value="{csrf}"><input name="scope" value="all">'
            '<input name="reason" value="stopped by another site"></form>'
            '<script>document.getElementById("f").submit()</script>'
        ).encode()
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/")  # it posts at once
        page.wait_for_url(f"{base}/halt")
        expect(page.locator("#message")).to_contain_text("another site may not act")
        with Store.open(config) as store:
            assert store.halts.active() == []
        # The same form from the dashboard's own page acts.
        page.goto(f"{base}/approvals")
        page.select_option("select[name=scope]", "all")
        page.fill("input[name=reason]", "from the dashboard itself")
        page.click("#halt")
        expect(page.locator("#halt-all")).to_contain_text("from the dashboard itself")
    assert dialogs == []
