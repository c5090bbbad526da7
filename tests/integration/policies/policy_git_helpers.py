"""Git helpers for the policy integration tests (conftest puts this folder on sys.path)."""

import subprocess
from pathlib import Path

GIT_IDENTITY = [
    "-c",
    "user.name=Factory Test",
    "-c",
    "user.email=test@example.invalid",
    "-c",
    "commit.gpgsign=false",
    "-c",
    "init.defaultBranch=main",
]


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *GIT_IDENTITY, *args], cwd=repo, check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


def commit_file(repo: Path, path: str, text: str, message: str) -> str:
    target = repo / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    git(repo, "add", path)
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def diff_between(repo: Path, base: str, head: str) -> str:
    """The unified diff a branch `head` made since it left `base`, as a run's gate reads it."""
    text = git(repo, "diff", "--no-color", "--no-ext-diff", "-M", f"{base}...{head}")
    return text + "\n" if text else ""
