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
