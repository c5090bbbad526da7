"""`[git]` in factory.toml: the bot identity the factory commits as."""

from pathlib import Path

import pytest

from factory.config import ConfigError, load_config
from factory.git.commits import BotIdentity


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "factory.toml"
    path.write_text(text)
    return path


def test_without_a_git_table_the_default_bot_identity_applies(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "[factory]\n"), environ={})
    assert config.git == BotIdentity(name="agent-factory", email="agent-factory@localhost")


def test_the_git_table_and_its_environment_override_set_the_identity(tmp_path: Path) -> None:
    path = write(tmp_path, '[git]\nname = "acme-bot"\nemail = "bot@acme.example"\n')
    assert load_config(path, environ={}).git == BotIdentity(
        name="acme-bot", email="bot@acme.example"
    )
    overridden = load_config(path, environ={"FACTORY_GIT__NAME": "night-bot"})
    assert overridden.git == BotIdentity(name="night-bot", email="bot@acme.example")


@pytest.mark.parametrize(
    ("table", "named"),
    [
        ('[git]\nemail = "not an email"\n', "git.email"),
        ('[git]\nname = ""\n', "git.name"),
        ('[git]\nusername = "bot"\n', "git.username"),
    ],
)
def test_a_bad_git_table_names_the_key(tmp_path: Path, table: str, named: str) -> None:
    with pytest.raises(ConfigError, match=named.replace(".", r"\.")):
        load_config(write(tmp_path, table), environ={})
