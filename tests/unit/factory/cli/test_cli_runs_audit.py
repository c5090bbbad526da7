"""`factory runs` and `factory audit` against a real SQLite database."""

import json
from pathlib import Path

from factory.store import NewEvent, Store

from .conftest import Invoke


def seed(db_url: str) -> tuple[str, str]:
    with Store(db_url) as store:
        first = store.runs.create("acme/app#1", "app", branch="factory/1")
        store.events.append_many(
            first.id,
            [NewEvent("plan.created", "planner", {"steps": 2}), NewEvent("pr.opened", "system")],
        )
        store.runs.update(first.id, status="pr_open", outcome="PR #1 opened")
        second = store.runs.create("acme/web#2", "web")
        store.events.append(second.id, "run.started", "system")
    return first.id, second.id


def test_runs_list_json_filters_by_status_and_repo(invoke: Invoke, db_url: str) -> None:
    first, second = seed(db_url)
    everything = json.loads(invoke("runs", "list", "--json").stdout)
    assert {run["id"] for run in everything} == {first, second}
    only_open = json.loads(invoke("runs", "list", "--status", "pr_open", "--json").stdout)
    assert [run["id"] for run in only_open] == [first]
    only_web = json.loads(invoke("runs", "list", "--repo", "web", "--json").stdout)
    assert [run["id"] for run in only_web] == [second]


def test_runs_list_table_for_people(invoke: Invoke, db_url: str) -> None:
    first, _ = seed(db_url)
    result = invoke("runs", "list")
    assert result.exit_code == 0 and first in result.stdout and "pr_open" in result.stdout


def test_an_empty_listing_says_nothing_matched_and_names_the_filter(
    invoke: Invoke, db_url: str
) -> None:
    assert invoke("runs", "list").stdout.startswith("no runs yet: `factory run TICKET`")
    seed(db_url)
    failed = invoke("runs", "list", "--status", "failed")
    assert failed.exit_code == 0 and failed.stdout.strip() == "no runs match --status failed"
    nosuch = invoke("runs", "list", "--repo", "nosuch", "--status", "pr_open").stdout.strip()
    assert nosuch == (
        "no runs match --status pr_open --repo nosuch "
        "(factory.toml names no repository 'nosuch'; configured: none)"
    )
    prs = invoke("pr", "list", "--status", "merged").stdout.strip()
    assert prs == "no pull requests match --status merged"
    assert "yet" not in invoke("incident", "list", "--open").stdout


def test_runs_list_fits_80_columns_with_whole_ids_and_ticket_names(
    invoke: Invoke, db_url: str, tmp_path: Path
) -> None:
    ids = []
    with Store(db_url) as store:
        for ref, repo, status in (
            (str(tmp_path / "factory-demo-x1y2z3" / "ticket.md"), "numerals", None),
            ("acme/payments-service#1234", "payments-service", "waiting_approval"),
            ("-", "numerals", "pr_open"),
        ):
            run = store.runs.create(ref, repo)
            if status is not None:
                store.runs.update(run.id, status=status)
            ids.append(run.id)
    result = invoke("runs", "list", env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80, result.stdout
    for run_id in ids:
        assert sum(run_id in line for line in lines) == 1  # whole, on one line
    assert "ticket.md" in result.stdout and "factory-demo" not in result.stdout
    assert "waiting_approval" in result.stdout and "acme/paym" in result.stdout  # cut, not lost
    assert "stdin" in result.stdout


def test_runs_list_rejects_an_unknown_status_with_the_allowed_ones(invoke: Invoke) -> None:
    result = invoke("runs", "list", "--status", "finished")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: unknown status 'finished'; use one of: queued, running")


def test_runs_show_with_events(invoke: Invoke, db_url: str) -> None:
    first, _ = seed(db_url)
    shown = json.loads(invoke("runs", "show", first, "--events", "--json").stdout)
    assert shown["status"] == "pr_open" and shown["outcome"] == "PR #1 opened"
    assert [(e["seq"], e["kind"], e["actor"]) for e in shown["event_log"]] == [
        (1, "plan.created", "planner"),
        (2, "pr.opened", "system"),
    ]
    people = invoke("runs", "show", first, "--events")
    assert people.exit_code == 0 and "plan.created" in people.stdout


def test_runs_show_unknown_run_exits_2(invoke: Invoke) -> None:
    result = invoke("runs", "show", "r-nope")
    assert result.exit_code == 2
    assert "no run 'r-nope'; `factory runs list` shows the runs there are" in result.stderr


def test_audit_verify_reports_counts(invoke: Invoke, db_url: str) -> None:
    seed(db_url)
    result = invoke("audit", "verify")
    assert result.exit_code == 0
    assert result.stdout.strip() == "3 events in 2 runs, chain intact"


def test_audit_verify_says_when_it_counts_a_sweeps_chain(invoke: Invoke, db_url: str) -> None:
    seed(db_url)
    with Store(db_url) as store:
        sweep = store.sweeps.create({"dry_run": False})
        store.sweeps.record_event(sweep.id, "sweep.started", {"considered": 0})
    result = invoke("audit", "verify")
    assert result.exit_code == 0
    assert result.stdout.strip() == (
        "4 events in 2 runs and 1 sweep (a sweep's events are a chain too), chain intact"
    )
    assert invoke("runs", "list", "--json").stdout.count('"id"') == 2  # a sweep is no run


def test_audit_digest_json_round_trips_into_verify_against(
    invoke: Invoke, db_url: str, tmp_path: Path
) -> None:
    seed(db_url)
    digest = invoke("audit", "digest", "--json")
    saved = json.loads(digest.stdout)
    assert (saved["events"], saved["runs"], len(saved["hash"])) == (3, 2, 64)
    (tmp_path / "head.json").write_text(digest.stdout)
    assert invoke("audit", "verify", "--against", str(tmp_path / "head.json")).exit_code == 0


def test_audit_verify_against_a_file_that_is_not_a_digest_exits_2(
    invoke: Invoke, tmp_path: Path
) -> None:
    (tmp_path / "x.json").write_text('{"hello": 1}')
    result = invoke("audit", "verify", "--against", str(tmp_path / "x.json"))
    assert result.exit_code == 2
    assert "is not a digest saved by `factory audit digest --json`" in result.stderr
    missing = invoke("audit", "verify", "--against", str(tmp_path / "none.json"))
    assert missing.exit_code == 2 and "cannot read digest file" in missing.stderr


def test_audit_export_streams_jsonl_with_hashes(invoke: Invoke, db_url: str) -> None:
    first, second = seed(db_url)
    result = invoke("audit", "export", "--format", "jsonl")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(line["run_id"], line["seq"]) for line in lines] == [
        (first, 1),
        (first, 2),
        (second, 1),
    ]
    assert lines[0]["payload"] == {"steps": 2} and len(lines[0]["hash"]) == 64
    one = invoke("audit", "export", "--run", second).stdout.splitlines()
    assert len(one) == 1
    later = invoke("audit", "export", "--since", "2100-01-01")
    assert later.exit_code == 0 and later.stdout == ""
    recent = invoke("audit", "export", "--since", "1h")  # the grammar every time option takes
    assert recent.exit_code == 0 and len(recent.stdout.splitlines()) == 3


def test_audit_export_to_a_file(invoke: Invoke, db_url: str, tmp_path: Path) -> None:
    seed(db_url)
    result = invoke("audit", "export", "-o", str(tmp_path / "out.jsonl"))
    assert result.exit_code == 0
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == 3


def test_audit_export_bad_input_exits_2(invoke: Invoke) -> None:
    assert invoke("audit", "export", "--format", "csv").exit_code == 2
    bad_time = invoke("audit", "export", "--since", "yesterday")
    assert bad_time.exit_code == 2 and "2026-11-01T09:00" in bad_time.stderr
