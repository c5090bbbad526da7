"""A real run's pull request, followed up, on the dashboard and in the operational review.

Each run is whole (real git, the Docker sandbox, the demo's replayed model turns) and opens a
pull request on the local forge. In the first test a reviewer requests a change and
`factory pr sync` runs a real follow-up round; in the second, rounds of every kind (a CI fix,
a refused round with hostile text) are appended to the chain exactly as the round driver and
the maintenance pass write them. A person merges with `factory pr merge`; then the dashboard's
run page (a real uvicorn server, over HTTP) lists the rounds, and `factory review --json`
counts them.
"""

from __future__ import annotations

import json
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest

from factory.demo.run_demo import CASSETTE
from factory.support.utc import utcnow
from tests.e2e import script
from tests.e2e.conftest import Workspace
from tests.e2e.dashboard_server import dashboard

pytestmark = [pytest.mark.e2e, pytest.mark.docker]

HOSTILE = "<script>alert('round')</script> @alice"


def append_round(
    workspace: Workspace, run_id: str, number: int, kind: str, **finished: object
) -> None:
    """`round.requested`, `round.started`, `round.finished` on the run's chain, as the round
    driver (factory/run/rounds.py) appends them."""
    with workspace.store() as store:
        branch = store.runs.get(run_id).branch
        head = workspace.git("rev-parse", str(branch)).strip()
        requested = {"round": number, "kind": kind, "items": [f"{kind}:{number}"]}
        store.events.append(
            run_id,
            "round.requested",
            "system",
            {**requested, "signature": f"s{number}", "head_sha": head},
        )
        store.events.append(run_id, "round.started", "system", {"round": number, "kind": kind})
        store.events.append(
            run_id,
            "round.finished",
            "system",
            {"round": number, "kind": kind, "model_calls": 2, **finished},
        )


def test_a_followed_up_pull_request_shows_its_rounds_on_the_run_page_and_in_the_review(
    workspace: Workspace,
) -> None:
    summary = workspace.run(CASSETTE)
    assert summary.status.value == "pr_open"
    run_id = summary.run_id
    with workspace.store() as store:
        (pull,) = store.pull_requests.all(repo="numerals")
    append_round(
        workspace,
        run_id,
        1,
        "review",
        outcome="pushed",
        head_sha="a1b2c3d4e5f6a7b8",
        cost_usd=0.12,
        comments=2,
        requested_changes=1,
    )
    append_round(
        workspace,
        run_id,
        2,
        "ci",
        outcome="pushed",
        head_sha="0f0f0f0f0f0f0f0f",
        cost_usd=0.08,
        comments=0,
        requested_changes=0,
    )
    with workspace.store() as store:
        store.events.append(
            run_id, "round.refused", "system", {"kind": "review", "reason": HOSTILE}
        )
    merged = workspace.cli("pr", "merge", str(pull.number))
    assert merged.returncode == 0, merged.stderr

    with dashboard(workspace.config(), None) as url:
        page = urllib.request.urlopen(f"{url}/runs/{run_id}", timeout=30).read().decode()
    assert f"Pull request #{pull.number}" in page
    assert '<tr data-round="1"><td class="num">1</td><td>review</td><td>pushed</td>' in page
    assert '<tr data-round="2"><td class="num">2</td><td>ci</td><td>pushed</td>' in page
    assert "<code>a1b2c3d4e5f6</code>" in page and "$0.12" in page
    assert "follow-up cost <strong>$0.20</strong>" in page
    assert "after changes" in page
    assert "<script>alert(" not in page and "&lt;script&gt;alert(" in page

    since = (utcnow() - timedelta(days=1)).isoformat()
    answer = workspace.cli("review", "--since", since, "--json", "--no-verify")
    assert answer.returncode == 0, answer.stderr
    review = json.loads(answer.stdout)
    assert review["schema_version"] == "1.2"
    factory = review["pull_requests"][0]
    assert (factory["prs_opened"], factory["prs_merged"]) == (1, 1)
    assert factory["review_rounds_per_pr"]["value"] == 1.0
    assert factory["ci_fix_rounds_per_pr"]["value"] == 1.0
    assert factory["requested_changes"]["value"] == 1
    assert factory["first_time_right_rate"]["value"] == 0.0
    assert factory["followup_cost_usd"]["value"] == 0.2
    assert factory["factory_burden"]["comments_per_merged_pr"]["value"] == 2.0
    assert factory["factory_burden"]["waiting_hours_per_merged_pr"]["value"] is not None


def test_a_real_review_round_is_on_the_run_page_and_in_the_review(
    workspace: Workspace, tmp_path: Path
) -> None:
    """The round driver's own events: a requested change, `factory pr sync` runs the round,
    a person merges; the page and the review say one review round, one requested change."""
    replies = [*script.demo_replies(), *script.address_review(), *script.reviewer()]
    ran = workspace.cli(
        "run",
        str(workspace.ticket),
        "--replay",
        str(script.write_cassette(tmp_path / "c.jsonl", replies)),
        "--json",
    )
    assert ran.returncode in (0, 3), ran.stderr[-2000:]
    run_id = json.loads(ran.stdout)["run_id"]
    asked = workspace.cli(
        "pr", "review", "1", "--request-changes", "--body", f"Name the pairs {HOSTILE}"
    )
    assert asked.returncode == 0, asked.stderr
    synced = workspace.cli("pr", "sync", "--json")
    assert synced.returncode == 0, synced.stderr[-2000:]
    merged = workspace.cli("pr", "merge", "1")
    assert merged.returncode == 0, merged.stderr

    with workspace.store() as store:
        life = store.pull_request_life.of_run(run_id)
    (first,) = life.rounds
    assert (first.number, first.kind, first.outcome) == (1, "review", "pushed")
    assert life.requested_changes == 1 and life.merged_after_changes
    with dashboard(workspace.config(), None) as url:
        page = urllib.request.urlopen(f"{url}/runs/{run_id}", timeout=30).read().decode()
    assert '<tr data-round="1"><td class="num">1</td><td>review</td><td>pushed</td>' in page
    assert f"<code>{(first.head_sha or '')[:12]}</code>" in page
    assert "1 review round · 1 requested change · 0 CI fix rounds" in page
    since = (utcnow() - timedelta(days=1)).isoformat()
    review = json.loads(workspace.cli("review", "--since", since, "--json", "--no-verify").stdout)
    factory = review["pull_requests"][0]
    assert factory["review_rounds_per_pr"]["value"] == 1.0
    assert factory["first_time_right_rate"]["value"] == 0.0
    assert factory["followup_cost_usd"]["value"] == first.cost_usd
