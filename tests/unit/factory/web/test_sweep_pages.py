"""The dashboard's sweeps over HTTP: the list, a sweep's morning report and runs, the runs
list's sweep filter and the run page's link, on a store with sweeps the test records."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from factory.config import FactoryConfig, parse_config
from factory.store import Store
from factory.web.app import create_app
from tests.support.review_history import History, days_ago
from tests.support.sweep_history import dead_sweep, drive, finished_sweep, outcome
from tests.support.web import SAME_ORIGIN


@pytest.fixture
def config(tmp_path: Path) -> FactoryConfig:
    data = {
        "factory": {"database_url": f"sqlite:///{tmp_path / 'factory.db'}"},
        "repos": {"svc": {"github": "acme/svc", "test_command": "pytest"}},
    }
    return parse_config(data, source="test", base_dir=tmp_path, environ={})


@pytest.fixture
def store(config: FactoryConfig) -> Iterator[Store]:
    with Store.open(config) as opened:
        yield opened


@pytest.fixture
def web(config: FactoryConfig, store: Store) -> TestClient:
    # No token: every page here is read-only and must work without one.
    return TestClient(create_app(config, store, None), follow_redirects=False, headers=SAME_ORIGIN)


def test_a_finished_sweep_shows_its_morning_report_and_links_its_runs(
    store: Store, web: TestClient
) -> None:
    history = History(store)
    merged = history.run("svc", "T-1", at=days_ago(1), status="merged")
    failed = history.run("svc", "T-2", at=days_ago(1), status="failed")
    other = history.run("svc", "T-3", at=days_ago(1), status="merged")
    sweep_id = finished_sweep(
        store,
        days_ago(1),
        [
            outcome("T-1", "svc", "merged", run_id=merged, pr_number=7, cost_usd=0.25),
            outcome("T-2", "svc", "failed", run_id=failed, error="tests: 2 failed"),
            outcome("<script>alert(1)</script>", "svc", "needs_human", owners=["@acme/svc"]),
        ],
    )
    drive(store, merged, sweep_id)
    drive(store, failed, sweep_id)

    listing = web.get("/sweeps")
    assert listing.status_code == 200
    row = listing.text.split(f'id="sweep-{sweep_id}"')[1].split("</tr>")[0]
    assert f'href="/sweeps/{sweep_id}"' in row and ">finished<" in row
    assert '<td class="num">1</td>' in row  # one merged (and one failed, one waiting)
    assert "$0.25" in row

    page = web.get(f"/sweeps/{sweep_id}")
    assert page.status_code == 200
    report = page.text.split('id="morning-report"')[1].split("</section>")[0]
    assert f"Morning report: sweep {sweep_id}" in report
    assert "<table>" in report and "<h2>Merged</h2>" in report and "PR #7" in report
    assert "who should look: <code>@acme/svc</code>" in report  # named, not pinged
    assert "&lt;script&gt;" in report and "<script" not in page.text  # untrusted title
    assert f'href="/runs/{merged}"' in page.text and f'href="/runs/{failed}"' in page.text
    assert f'href="/runs?sweep={sweep_id}"' in page.text
    assert 'http-equiv="refresh"' not in page.text

    runs = web.get(f"/runs?sweep={sweep_id}").text
    assert merged in runs and failed in runs and other not in runs
    assert f'href="/runs/{sweep_id}"' not in web.get("/runs").text  # its anchor is no run
    run_page = web.get(f"/runs/{merged}").text
    assert f'id="run-sweep" href="/sweeps/{sweep_id}"' in run_page
    assert 'id="run-sweep"' not in web.get(f"/runs/{other}").text


def test_a_sweep_whose_process_died_is_interrupted_with_its_runs(
    store: Store, web: TestClient
) -> None:
    sweep_id = dead_sweep(store, days_ago(0, 2))
    run_id = History(store).run("svc", "T-5", at=days_ago(0, 2), status="running")
    drive(store, run_id, sweep_id)
    assert '<td class="status">interrupted</td>' in web.get("/sweeps").text
    page = web.get(f"/sweeps/{sweep_id}")
    assert '<span class="status" id="sweep-status">interrupted</span>' in page.text
    assert "No morning report." in page.text and f'href="/runs/{run_id}"' in page.text
    assert 'http-equiv="refresh"' not in page.text


def test_a_running_sweep_refreshes_and_unknown_sweeps_are_404(
    store: Store, web: TestClient
) -> None:
    live = store.sweeps.create({"repos": []})  # driven by this very process
    page = web.get(f"/sweeps/{live.id}")
    assert 'id="sweep-status">running<' in page.text and 'http-equiv="refresh"' in page.text
    missing = web.get("/sweeps/s-nothing")
    assert missing.status_code == 404 and "no sweep &#39;s-nothing&#39;" in missing.text


def test_a_sweep_driven_by_workers_is_running_whatever_process_queued_it(
    store: Store, web: TestClient
) -> None:
    queued = store.sweeps.create({"repos": []}, owner="workers")  # `factory sweep --enqueue`
    run_id = History(store).run("svc", "T-6", at=days_ago(0, 1), status="running")
    drive(store, run_id, queued.id)
    page = web.get(f"/sweeps/{queued.id}")
    assert 'id="sweep-status">running<' in page.text and 'http-equiv="refresh"' in page.text
    assert "driven by the workers' run jobs" in page.text and "process workers" not in page.text
    assert f'href="/runs/{run_id}"' in page.text
    assert '<td class="status">running</td>' in web.get("/sweeps").text


def test_sweep_anchors_are_not_listed_as_runs_and_no_sweeps_says_so(
    store: Store, web: TestClient
) -> None:
    assert "no sweeps yet" in web.get("/sweeps").text
    live = store.sweeps.create({"repos": []})
    assert live.id not in web.get("/runs").text
