"""`[queue]` and `[factory] checkpoint_retention`: defaults, overrides, and clear refusals."""

from pathlib import Path

import pytest

from factory.config import ConfigError, load_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "factory.toml"
    path.write_text(text)
    return path


def test_queue_and_retention_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, ""), environ={})
    assert config.factory.checkpoint_retention == "latest"
    assert (config.queue.stalled_after_seconds, config.queue.recover_every_seconds) == (60, 15)


def test_queue_settings_come_from_the_file_and_the_environment(tmp_path: Path) -> None:
    path = write(tmp_path, "[factory]\nlease_ttl_s = 5\n[queue]\nstalled_after_seconds = 5\n")
    config = load_config(path, environ={"FACTORY_QUEUE__MAX_ATTEMPTS": "2"})
    assert (config.queue.stalled_after_seconds, config.queue.max_attempts) == (5, 2)


def test_a_job_is_not_found_stalled_before_its_run_lease_expires(tmp_path: Path) -> None:
    path = write(tmp_path, "[queue]\nstalled_after_seconds = 30\n")  # lease_ttl_s is 60
    with pytest.raises(ConfigError, match=r"stalled_after_seconds \(30\) must be at least"):
        load_config(path, environ={})


def test_long_leases_need_no_queue_settings_where_no_worker_can_run(tmp_path: Path) -> None:
    # SQLite, no [queue]: one process drives its runs; no job can be found stalled.
    config = load_config(write(tmp_path, "[factory]\nlease_ttl_s = 3600\n"), environ={})
    assert config.factory.lease_ttl_s == 3600
    on_postgres = '[factory]\nlease_ttl_s = 3600\ndatabase_url = "postgresql+psycopg://db/f"\n'
    with pytest.raises(ConfigError, match="stalled_after_seconds"):
        load_config(write(tmp_path, on_postgres), environ={})


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ('[factory]\ncheckpoint_retention = "forever"\n', "checkpoint_retention"),
        ("[queue]\nrecover_every_seconds = 0\n", "recover_every_seconds"),
        ("[queue]\nlanes = 3\n", "lanes"),
    ],
)
def test_bad_scale_settings_are_named(tmp_path: Path, text: str, named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        load_config(write(tmp_path, text), environ={})


def test_the_test_servers_variable_is_not_a_config_key(tmp_path: Path) -> None:
    url = "postgresql+psycopg://postgres@127.0.0.1:1/postgres"
    config = load_config(write(tmp_path, ""), environ={"FACTORY_TEST_POSTGRES_URL": url})
    assert config.factory.database_url is None


def test_a_schedule_takes_a_cron_expression(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, '[schedule]\nsweep = "0  2 * * 1-5"\n'), environ={})
    assert config.schedule.sweep == "0 2 * * 1-5"
    assert load_config(write(tmp_path, ""), environ={}).schedule.sweep is None


@pytest.mark.parametrize("cron", ["0 25 * * *", "nightly", "0 2 * *", "0 2 * * * *"])
def test_a_bad_cron_expression_is_refused_in_one_line(tmp_path: Path, cron: str) -> None:
    path = write(tmp_path, f'[schedule]\nsweep = "{cron}"\n')
    with pytest.raises(ConfigError, match=r"schedule\.sweep: .* is not a cron expression") as bad:
        load_config(path, environ={})
    assert "\n" not in str(bad.value)


def test_a_schedule_names_configured_repositories_only(tmp_path: Path) -> None:
    path = write(tmp_path, '[schedule]\nsweep = "0 2 * * *"\nsweep_repos = ["nope"]\n')
    with pytest.raises(ConfigError, match=r"sweep_repos names unknown repositories nope"):
        load_config(path, environ={})
