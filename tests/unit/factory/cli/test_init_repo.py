"""`factory init [PATH]` on real git repositories: what it detects, writes and refuses."""

from pathlib import Path

import git
import pytest
from typer.testing import CliRunner

from factory.cli import app
from factory.cli.init_repo import NO_TEST_COMMAND, InitError, detect_repo, init_repo
from factory.config import load_config

ACTOR = git.Actor("User", "user@example.com")


def make_repo(path: Path, branch: str = "main", files: dict[str, str] | None = None) -> git.Repo:
    repo = git.Repo.init(path, initial_branch=branch)
    for name, text in (files or {"README.md": "hi\n"}).items():
        (path / name).write_text(text)
        repo.index.add([name])
    repo.index.commit("initial", author=ACTOR, committer=ACTOR)
    return repo


def invoke(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app, ["--config", str(config), "init", *args], env={"FACTORY_CONFIG": ""}
    )
    return result.exit_code, result.output


def test_base_branch_comes_from_origin_head_first(tmp_path: Path) -> None:
    upstream = make_repo(tmp_path / "upstream", branch="develop")
    upstream.create_head("release")
    clone = git.Repo.clone_from(str(tmp_path / "upstream"), str(tmp_path / "app"))
    clone.git.checkout("-b", "my-feature")
    found = detect_repo(tmp_path / "app")
    assert (found.base_branch, found.base_branch_source) == ("develop", "origin HEAD")


def test_base_branch_is_the_current_branch_without_origin_even_before_a_commit(
    tmp_path: Path,
) -> None:
    git.Repo.init(tmp_path / "fresh", initial_branch="trunk")
    found = detect_repo(tmp_path / "fresh")
    assert (found.base_branch, found.base_branch_source) == ("trunk", "current branch")


def test_base_branch_falls_back_to_main_on_a_detached_head(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "app", branch="work")
    repo.git.checkout("--detach")
    found = detect_repo(tmp_path / "app")
    assert (found.base_branch, found.base_branch_source) == ("main", "default")


@pytest.mark.parametrize(
    ("url", "github"),
    [
        ("git@github.com:acme/app.git", "acme/app"),
        ("https://github.com/acme/app.git", "acme/app"),
        ("https://github.com/acme/my.app", "acme/my.app"),
        ("ssh://git@github.com/acme/app.git", "acme/app"),
        ("https://gitlab.com/acme/app.git", None),
        ("/srv/git/app.git", None),
    ],
)
def test_github_name_is_read_from_a_github_origin_only(
    tmp_path: Path, url: str, github: str | None
) -> None:
    repo = make_repo(tmp_path / "app")
    repo.create_remote("origin", url)
    assert detect_repo(tmp_path / "app").github == github


def test_a_subdirectory_means_its_repository(tmp_path: Path) -> None:
    make_repo(tmp_path / "app", files={"go.mod": "module x\n"})
    (tmp_path / "app" / "cmd").mkdir()
    found = detect_repo(tmp_path / "app" / "cmd")
    assert found.path == (tmp_path / "app").resolve()
    assert (found.name, found.test_command) == ("app", "go test ./...")


def test_not_a_repository_is_refused_with_what_to_do(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    with pytest.raises(InitError, match="not inside a git repository; run `git init`"):
        detect_repo(tmp_path / "plain")


def test_written_section_loads_back_with_what_was_detected(tmp_path: Path) -> None:
    make_repo(tmp_path / "app", files={"pytest.ini": "[pytest]\n"})
    config = tmp_path / "factory.toml"
    config.write_text('[factory]\ndata_dir = ".factory"\n')
    code, out = invoke(config, str(tmp_path / "app"))
    assert code == 0, out
    loaded = load_config(config, environ={})
    repo = loaded.repos["app"]
    assert repo.path == (tmp_path / "app").resolve()
    assert (repo.base_branch, repo.test_command) == ("main", "python3 -m pytest -q")
    assert repo.github is None
    assert loaded.factory.data_dir == (tmp_path / ".factory").resolve()  # the rest is kept
    text = config.read_text()
    assert 'path = "app"' in text  # relative to the config file
    assert "# protected_paths" in text and "# Written by `factory init`" in text


def test_a_github_origin_writes_github_unless_local_is_asked(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "app", files={"Cargo.toml": "[package]\n"})
    repo.create_remote("origin", "git@github.com:acme/app.git")
    config = tmp_path / "factory.toml"
    assert invoke(config, str(tmp_path / "app"))[0] == 0
    assert invoke(config, str(tmp_path / "app"), "--repo", "app-local", "--local")[0] == 0
    loaded = load_config(config, environ={})
    assert (loaded.repos["app"].github, loaded.repos["app"].path) == ("acme/app", None)
    assert loaded.repos["app"].test_command == "cargo test"
    local = loaded.repos["app-local"]
    assert (local.github, local.path) == (None, (tmp_path / "app").resolve())


def test_an_existing_section_is_never_overwritten(tmp_path: Path) -> None:
    make_repo(tmp_path / "app")
    config = tmp_path / "factory.toml"
    config.write_text('[repos.app]\npath = "elsewhere"\ntest_command = "make check"\n')
    before = config.read_text()
    code, out = invoke(config, str(tmp_path / "app"))
    assert code == 2
    assert 'already has [repos."app"];' in out and "--repo NAME" in out
    assert "\\[" not in out  # printed as written, not escaped for Rich
    assert config.read_text() == before


def test_the_old_name_option_still_names_the_section(tmp_path: Path) -> None:
    make_repo(tmp_path / "app")
    config = tmp_path / "factory.toml"
    code, out = invoke(config, str(tmp_path / "app"), "--name", "legacy")
    assert code == 0, out
    assert '[repos."legacy"]' in out
    assert set(load_config(config, environ={}).repos) == {"legacy"}


def test_print_writes_nothing_and_the_printed_section_is_valid(tmp_path: Path) -> None:
    make_repo(tmp_path / "app")
    config = tmp_path / "factory.toml"
    code, out = invoke(config, str(tmp_path / "app"), "--print")
    assert code == 0, out
    assert not config.exists()
    config.write_text(out)
    repo = load_config(config, environ={}).repos["app"]
    assert repo.test_command == NO_TEST_COMMAND  # nothing detected: a loud placeholder
    assert "TODO: no test runner was detected" in out


def test_a_broken_config_file_is_left_alone(tmp_path: Path) -> None:
    make_repo(tmp_path / "app")
    config = tmp_path / "factory.toml"
    config.write_text("[factory\n")
    with pytest.raises(InitError, match="not valid TOML.*factory config check"):
        init_repo(tmp_path / "app", config)
    config.write_text('[sandbox]\ncpus = "many"\n')
    with pytest.raises(InitError, match="would leave .* invalid.*sandbox.cpus"):
        init_repo(tmp_path / "app", config)
    assert config.read_text() == '[sandbox]\ncpus = "many"\n'


def test_init_without_a_path_uses_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_repo(tmp_path / "here", files={"Makefile": "test:\n\ttrue\n"})
    monkeypatch.chdir(tmp_path / "here")
    result = CliRunner().invoke(app, ["init", "--json"], env={"FACTORY_CONFIG": ""})
    assert result.exit_code == 0, result.output
    written = tmp_path / "here" / "factory.toml"
    repo = load_config(written, environ={}).repos["here"]
    assert (repo.path, repo.test_command) == ((tmp_path / "here").resolve(), "make test")
