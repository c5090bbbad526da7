"""A factory home with a git repository and a backlog of three Markdown tickets, and the CLI
run in-process against it: what the sweep-on-workers tests share (`postgres` is in conftest)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from typer.testing import CliRunner

from factory.cli import app

CONFIG = """
[factory]
data_dir = "data"

[models.default]
provider = "replay"
model = "demo-script"
cassette = "cassette.jsonl"

[repos.app]
path = "app"
test_command = "true"
backlog_dir = "backlog"
"""
TICKETS = ("one", "two", "three")


def make_home(tmp_path: Path, extra_config: str = "") -> Path:
    """`app` (one commit), `backlog/` with TICKETS, an empty cassette, factory.toml."""
    repo = tmp_path / "app"
    repo.mkdir()
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
    (repo / "README.md").write_text("app\n")
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "start"], check=True)
    backlog = tmp_path / "backlog"
    backlog.mkdir()
    for name in TICKETS:
        (backlog / f"{name}.md").write_text(f"---\ntitle: Fix {name}\n---\nIt is broken.\n")
    (tmp_path / "cassette.jsonl").write_text("")
    (tmp_path / "factory.toml").write_text(CONFIG + extra_config)
    return tmp_path


def factory(home: Path, url: str, *args: str) -> tuple[int, str]:
    """`factory --config HOME/factory.toml ARGS` on the store at `url`: (exit code, output)."""
    result = CliRunner().invoke(
        app,
        ["--config", str(home / "factory.toml"), *args],
        env={"FACTORY_DATABASE_URL": url, "FACTORY_CONFIG": ""},
    )
    return result.exit_code, result.output
