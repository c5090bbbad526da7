"""Incidents read from GitHub issues labelled `incident` (fourkeys' `root cause:` convention),
through the real PyGithub client against the fake GitHub's wire format."""

from __future__ import annotations

from pathlib import Path

import pytest

from factory.forges.github_client import github_client
from factory.review.github_incidents import sync_github_incidents
from factory.store import Store
from tests.support.fake_github import NAME, OWNER, TOKEN, FakeGitHub

pytestmark = pytest.mark.integration


def test_incident_issues_become_incidents_with_their_root_cause(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    fake_github.add_issue(
        11,
        "checkout 500s",
        "Paged at 9.\n\nroot cause: 3f9c2a1b7d\n",
        ["incident", "sev2"],
        created_at="2026-11-10T09:00:00Z",
        closed_at="2026-11-10T12:00:00Z",
    )
    fake_github.add_issue(12, "pager noise", "no idea yet", ["incident"])
    fake_github.add_issue(13, "a feature", "root cause: 3f9c2a1b7d", ["enhancement"])
    client = github_client(TOKEN, fake_github.api_url)
    with Store(f"sqlite:///{tmp_path / 'f.db'}") as store:
        first = sync_github_incidents(store, "app", f"{OWNER}/{NAME}", client)
        assert (len(first.created), first.updated) == (2, [])
        by_title = {i.title: i for i in store.incidents.all("app")}
        assert set(by_title) == {"checkout 500s", "pager noise"}
        named = by_title["checkout 500s"]
        assert named.root_cause == "3f9c2a1b7d" and named.source == "github"
        assert named.resolved_at is not None
        assert (named.resolved_at - named.opened_at).total_seconds() == 3 * 3600
        assert by_title["pager noise"].root_cause is None
        assert by_title["pager noise"].resolved_at is None
        again = sync_github_incidents(store, "app", f"{OWNER}/{NAME}", client)
        assert again.created == [] and sorted(again.updated) == sorted(first.created)
        assert len(store.incidents.all("app")) == 2
