"""Owners come from CODEOWNERS and catalog-info.yaml on the base branch, never the agent's."""

from pathlib import Path

import pytest
from policy_git_helpers import commit_file, diff_between, git

from factory.gate.diff import parse_unified_diff
from factory.gate.owners import read_owners
from factory.git import GitError
from factory.git.base_reader import BaseSnapshot

pytestmark = pytest.mark.integration


def test_owners_ignore_the_agents_edits_to_codeowners(repo: Path) -> None:
    commit_file(repo, ".github/CODEOWNERS", "* @acme/all\n/auth/ @acme/security\n", "owners")
    commit_file(repo, "auth/catalog-info.yaml", "spec:\n  owner: group:identity\n", "catalog")
    git(repo, "checkout", "-q", "-b", "agent")
    commit_file(repo, ".github/CODEOWNERS", "* @agent-friend\n", "agent picks its reviewers")
    commit_file(repo, "auth/login.py", "ok = True\n", "agent edits auth")

    owners = read_owners(BaseSnapshot(repo, "main"), ["auth/login.py", "README.md"])
    assert owners == {
        "auth/login.py": ["@acme/security", "group:identity"],
        "README.md": ["@acme/all"],
    }


def test_diff_between_commits_feeds_the_parser(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "work")
    commit_file(repo, "src/new.py", "a = 1\nb = 2\n", "add")
    git(repo, "mv", "README.md", "README.txt")
    git(repo, "commit", "-q", "-m", "rename")
    summary = parse_unified_diff(diff_between(repo, "main", "work"))
    by_path = {f.path: f for f in summary.files}
    assert by_path["src/new.py"].added == 2
    assert by_path["README.txt"].old_path == "README.md"


def test_missing_base_branch_is_a_clear_error(repo: Path) -> None:
    with pytest.raises(GitError, match="base branch 'trunk' not found"):
        read_owners(BaseSnapshot(repo, "trunk"), ["README.md"])
