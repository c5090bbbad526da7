"""Spend as people see it: the `[limits]` banner on every dashboard page and in the morning
report, and a running run's spend so far in the runs list (dashboard and `factory runs list`),
on a real SQLite store."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from factory.cli import app as cli_app
from factory.config import FactoryConfig, parse_config
from factory.config.limits import SpendLimits
from factory.store import LeaseOwner, RunStatus, Store
from factory.sweep.outcome import SweepRequest, SweepResult
from factory.sweep.report import build_report, spend_alert_lines, to_markdown
from factory.web.app import create_app


@pytest.fixture
def config(tmp_path: Path) -> FactoryConfig:
    data = {
        "factory": {"database_url": f"sqlite:///{tmp_path / 'factory.db'}"},
        "repos": {"svc": {"github": "acme/svc", "test_command": "pytest"}},
        "limits": {"daily_usd": 10.0, "repos": {"svc": {"monthly_tokens": 1_000_000}}},
    }
    return parse_config(data, source="test", base_dir=tmp_path, environ={})


@pytest.fixture
def store(config: FactoryConfig) -> Iterator[Store]:
    with Store.open(config) as opened:
        yield opened


def spend(store: Store, config: FactoryConfig, usd: float | None, tokens: int) -> None:
    store.spend.record(
        run_id="r-1", repo="svc", usd=usd, tokens=tokens, limits=config.limits.scopes_of("svc")
    )


def test_every_page_carries_the_limits_reached_today_highest_first(
    config: FactoryConfig, store: Store
) -> None:
    web = TestClient(create_app(config, store, None))
    assert "Spend limit" not in web.get("/runs").text
    spend(store, config, 8.5, 850_000)
    page = web.get("/sweeps").text
    banners = re.findall(r'<div class="banner spend-alert">Spend limit: (.*?)</div>', page)
    assert len(banners) == 2
    assert "the factory has spent 80% of its daily dollar limit: $8.50 of $10.00" in banners[0]
    assert "repository svc has spent 80% of its monthly token limit: 850,000 tokens" in banners[1]
    spend(store, config, 2.0, 10)
    page = web.get("/runs").text
    assert "the factory has spent 100% of its daily dollar limit: $10.50 of $10.00" in page
    assert "halted until a person lifts the halt" in page
    assert 'id="halt-all"' in page  # the halt by `limits` is a halt like any other


def test_a_running_runs_spend_so_far_shows_in_both_lists(
    config: FactoryConfig, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    running = store.runs.create("acme/svc#1", "svc", status=RunStatus.RUNNING)
    store.leases.acquire(running.id, LeaseOwner.this_process(), ttl_s=600)  # a live driver
    store.runs.add_usage(running.id, cost_usd=0.25, tokens_in=1000, tokens_out=100)
    unpriced = store.runs.create("acme/svc#2", "svc", status=RunStatus.FAILED)
    store.runs.add_usage(unpriced.id, cost_usd=None, tokens_in=500, tokens_out=50)
    page = TestClient(create_app(config, store, None)).get("/runs")
    assert '<td class="num spend">$0.25 so far</td>' in page.text
    assert "550 tokens (cost unknown: 1 unpriced calls)" in page.text
    assert '<meta http-equiv="refresh"' in page.text  # the list follows the live run
    config_file = tmp_path / "factory.toml"
    config_file.write_text(f'[factory]\ndatabase_url = "{config.database_url}"\n')
    listed = CliRunner().invoke(cli_app, ["--config", str(config_file), "runs", "list"])
    assert listed.exit_code == 0, listed.output
    assert "$0.25 so far" in listed.output
    records = CliRunner().invoke(cli_app, ["--config", str(config_file), "runs", "list", "--json"])
    by_id = {record["id"]: record for record in json.loads(records.stdout)}
    assert by_id[running.id]["cost_usd"] == 0.25 and by_id[unpriced.id]["cost_usd"] is None


def test_the_morning_report_has_a_section_for_the_limits(
    config: FactoryConfig, store: Store
) -> None:
    started = datetime.now(UTC)
    spend(store, config, 9.2, 100)
    result = SweepResult(
        sweep_id="s-1",
        dry_run=False,
        request=SweepRequest(),
        started_at=started,
        finished_at=datetime.now(UTC),
        considered=0,
        spend_alerts=spend_alert_lines(store, started),
    )
    markdown = to_markdown(build_report(result))
    section = markdown.split("## Spend limits\n\n", 1)[1].split("\n\n")[0]
    assert section.splitlines() == [
        "- the factory has spent 90% of its daily dollar limit: $9.20 of $10.00 "
        f"({started:%Y-%m-%d}, UTC)",
        "- the factory has spent 80% of its daily dollar limit: $9.20 of $10.00 "
        f"({started:%Y-%m-%d}, UTC)",
    ]
    quiet = result.model_copy(update={"spend_alerts": []})
    assert "Spend limits" not in to_markdown(build_report(quiet))


def test_scopes_a_run_spends_against_are_the_factorys_then_its_repositorys(
    config: FactoryConfig,
) -> None:
    assert [scope for scope, _ in config.limits.scopes_of("svc")] == ["all", "svc"]
    assert [scope for scope, _ in config.limits.scopes_of("other")] == ["all"]
    assert SpendLimits().any is False
