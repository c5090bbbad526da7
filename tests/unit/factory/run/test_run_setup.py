"""Choosing a repository and refusing to start without a model, before anything happens."""

import subprocess
from pathlib import Path

import pytest

from factory.config import FactoryConfig, RepoConfig
from factory.forges.local import LocalForge
from factory.run.setup import (
    RunOptions,
    SetupError,
    check_model_configured,
    make_forge,
    resolve_repo,
)
from factory.store import Store


def config(**repos: RepoConfig) -> FactoryConfig:
    return FactoryConfig(repos=repos)


def test_the_only_configured_repo_is_chosen_by_default(tmp_path: Path) -> None:
    app = RepoConfig(path=tmp_path, test_command="pytest")
    assert resolve_repo(config(app=app), None) == ("app", app)


def test_a_repo_is_found_by_name_or_github_name(tmp_path: Path) -> None:
    app = RepoConfig(path=tmp_path, test_command="pytest")
    hub = RepoConfig(github="acme/hub", test_command="pytest")
    both = config(app=app, hub=hub)
    assert resolve_repo(both, "app")[0] == "app"
    assert resolve_repo(both, "acme/hub")[0] == "hub"
    with pytest.raises(SetupError, match="which repository"):
        resolve_repo(both, None)


def test_an_unconfigured_checkout_gets_a_detected_test_command(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_x.py").write_text("def test_x(): pass\n")
    name, repo = resolve_repo(config(), str(tmp_path))
    assert name == tmp_path.name
    assert repo.test_command == "python3 -m pytest -q"


def test_an_unconfigured_checkout_gets_a_local_forge_on_that_checkout(tmp_path: Path) -> None:
    checkout = tmp_path / "numerals"
    subprocess.run(["git", "init", "-q", str(checkout)], check=True)
    settings = FactoryConfig.model_validate({"factory": {"data_dir": str(tmp_path / "data")}})
    name, repo = resolve_repo(settings, str(checkout))
    with Store.open(settings) as store:
        forge = make_forge(settings, store, name, repo)
    assert isinstance(forge, LocalForge)
    assert forge.repo_path == checkout.resolve()


def test_an_unknown_repo_says_what_is_configured(tmp_path: Path) -> None:
    app = RepoConfig(path=tmp_path, test_command="pytest")
    with pytest.raises(SetupError, match=r"unknown repository 'nope'.*\(app\)"):
        resolve_repo(config(app=app), "nope")


def test_no_model_names_the_three_ways_to_configure_one(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(SetupError) as error:
        check_model_configured(FactoryConfig(), RunOptions())
    message = str(error.value)
    assert "ANTHROPIC_API_KEY" in message and "base_url" in message and "--replay" in message


def test_a_cassette_or_a_key_is_enough(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cassette = tmp_path / "c.jsonl"
    cassette.write_text('{"reply": {"text": "done"}}\n')
    check_model_configured(FactoryConfig(), RunOptions(replay=cassette))
    cassette.write_text("")
    with pytest.raises(SetupError, match="has no replies"):
        check_model_configured(FactoryConfig(), RunOptions(replay=cassette))
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    check_model_configured(FactoryConfig(), RunOptions())
    with pytest.raises(SetupError, match="no such cassette"):
        check_model_configured(FactoryConfig(), RunOptions(replay=tmp_path / "missing.jsonl"))
