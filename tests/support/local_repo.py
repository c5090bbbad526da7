"""A user's repository with one commit, and a factory.toml naming it as repo `demo`."""

from pathlib import Path

import git


def user_repo_with_config(tmp_path: Path) -> tuple[Path, Path, Path, git.Repo]:
    """(repository, data dir, factory.toml, GitPython repo) under `tmp_path`."""
    user = tmp_path / "user"
    repo = git.Repo.init(user, initial_branch="main")
    (user / "app.py").write_text("print('hello')\n")
    repo.index.add(["app.py"])
    actor = git.Actor("User", "user@example.com")
    repo.index.commit("initial", author=actor, committer=actor)
    data = tmp_path / "data"
    config = tmp_path / "factory.toml"
    config.write_text(
        f'[factory]\ndata_dir = "{data}"\n\n[repos.demo]\npath = "{user}"\n'
        'test_command = "python3 -m pytest -q"\n'
    )
    return user, data, config, repo
