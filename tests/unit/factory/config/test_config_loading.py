"""Discovery, environment overrides, secrets and path anchoring of factory.toml."""

from pathlib import Path

import pytest

from factory.config import ConfigError, Secrets, discover_config_path, load_config

REPO = '[repos.demo]\npath = "src/demo"\ntest_command = "pytest -q"\n'


def write(tmp_path: Path, text: str, name: str = "factory.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_defaults_apply_when_no_file_exists(tmp_path: Path) -> None:
    config = load_config(environ={}, cwd=tmp_path)
    assert config.source == "built-in defaults"
    assert config.database_url == f"sqlite:///{tmp_path / '.factory/data/factory.db'}"
    assert config.repos == {}


def test_local_factory_toml_is_found_in_the_working_directory(tmp_path: Path) -> None:
    path = write(tmp_path, REPO)
    assert discover_config_path(environ={}, cwd=tmp_path) == path
    assert load_config(environ={}, cwd=tmp_path).source == str(path)


def test_explicit_path_beats_env_which_beats_local_file(tmp_path: Path) -> None:
    write(tmp_path, REPO)
    from_env = write(tmp_path, REPO, "env.toml")
    explicit = write(tmp_path, REPO, "explicit.toml")
    env = {"FACTORY_CONFIG": str(from_env)}
    assert discover_config_path(None, env, tmp_path) == from_env
    assert discover_config_path(explicit, env, tmp_path) == explicit


@pytest.mark.parametrize(
    ("explicit", "env", "message"),
    [
        (Path("nope.toml"), {}, "config file nope.toml (from --config) not found; check the path"),
        (
            None,
            {"FACTORY_CONFIG": "gone.toml"},
            "config file gone.toml (from FACTORY_CONFIG) not found; check the path",
        ),
    ],
)
def test_a_named_config_that_is_missing_is_an_error_not_a_silent_default(
    tmp_path: Path, explicit: Path | None, env: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(explicit, environ=env, cwd=tmp_path)
    assert str(caught.value) == message


def test_relative_paths_start_at_the_config_file_not_the_cwd(tmp_path: Path) -> None:
    path = write(tmp_path, REPO + '[factory]\ndata_dir = "state"\n')
    config = load_config(path, environ={}, cwd=Path("/"))
    assert config.repos["demo"].path == tmp_path / "src/demo"
    assert config.factory.data_dir == tmp_path / "state"


def test_env_overrides_top_level_and_nested_keys(tmp_path: Path) -> None:
    path = write(tmp_path, REPO + '[sandbox]\nmemory = "1g"\n')
    env = {
        "FACTORY_DATABASE_URL": "sqlite:////tmp/other.db",
        "FACTORY_LOG_FORMAT": "json",
        "FACTORY_SANDBOX__MEMORY": "4g",
        "FACTORY_BUDGETS__MAX_USD": "2.5",
        "FACTORY_REPOS__DEMO__MAX_ITERATIONS": "5",
        "FACTORY_REPOS__DEMO__SETUP": '["pip install -e ."]',
    }
    config = load_config(path, environ=env)
    assert config.database_url == "sqlite:////tmp/other.db"
    assert config.factory.log_format == "json"
    assert config.sandbox.memory == "4g"
    assert config.budgets.max_usd == 2.5
    assert config.repos["demo"].max_iterations == 5
    assert config.repos["demo"].setup == ["pip install -e ."]


def test_a_bad_env_override_names_the_key_like_a_file_error(tmp_path: Path) -> None:
    path = write(tmp_path, REPO)
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={"FACTORY_LOG_FORMAT": "xml"})
    assert str(caught.value) == (
        f"{path}: factory.log_format = \"xml\": should be 'auto', 'json' or 'console'"
    )


def test_secrets_come_from_the_environment_and_show_only_as_presence(tmp_path: Path) -> None:
    secrets = Secrets.from_env({"ANTHROPIC_API_KEY": "sk-ant-123", "GITHUB_TOKEN": ""})
    assert secrets.anthropic_api_key is not None
    assert secrets.anthropic_api_key.get_secret_value() == "sk-ant-123"
    assert secrets.github_token is None
    assert secrets.presence() == {
        "ANTHROPIC_API_KEY": "set (redacted)",
        "OPENAI_API_KEY": "not set",
        "GITHUB_TOKEN": "not set",
    }
    assert "sk-ant-123" not in repr(secrets)


def test_repo_budget_overrides_global_budget(tmp_path: Path) -> None:
    path = write(tmp_path, REPO + "[repos.demo.budget]\nmax_usd = 1.0\n[budgets]\nmax_usd = 9\n")
    config = load_config(path, environ={})
    assert config.budget_for("demo").max_usd == 1.0
    assert config.budget_for("other").max_usd == 9


def test_unknown_repo_lookup_lists_known_repos(tmp_path: Path) -> None:
    path = write(tmp_path, REPO)
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={}).repo("web")
    assert str(caught.value) == (
        f"unknown repository 'web' (known: demo); add [repos.\"web\"] to {path}"
    )


def test_the_projects_own_factory_toml_is_valid() -> None:
    root = Path(__file__).resolve().parents[4]
    config = load_config(root / "factory.toml", environ={})
    assert "agent-factory" in config.repos
    assert config.repos["agent-factory"].path == root


def test_an_unknown_factory_variable_is_named_as_an_unknown_key(tmp_path: Path) -> None:
    path = write(tmp_path, REPO)
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={"FACTORY_DATABSE_URL": "sqlite://"})
    assert str(caught.value).startswith(f"{path}: factory.databse_url: unknown key; allowed here:")


def test_variables_that_are_not_config_keys_are_left_alone(tmp_path: Path) -> None:
    path = write(tmp_path, REPO)
    env = {
        "FACTORY_FAILPOINTS": "deliver",
        "FACTORY_GIT_TOKEN": "t",
        "FACTORY_CONFIG": str(path),
        "FACTORY_TEST_POSTGRES_URL": "postgresql+psycopg://x@127.0.0.1/y",
        "FACTORY_TEST_RESTART_ENGINE": "1",  # any FACTORY_TEST_* is the tests' own setting
    }
    assert load_config(None, environ=env).source == str(path)
