"""Incidents recorded on GitHub: issues labelled `incident`, whose body may say
`root cause: <sha>` (the convention of Google's fourkeys), copied into the store.

Re-running refreshes what changed (title, root cause, closing); closing the issue resolves the
incident. The root cause is read by the one parser of that convention,
`governance.track_record.incident_records`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from github import Github

from factory.governance.track_record import INCIDENT_LABEL, IncidentIssue, incident_records
from factory.store import Store
from factory.support.utc import as_utc, utcnow


@dataclass
class IncidentSync:
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)


def sync_github_incidents(
    store: Store, repo: str, github_name: str, client: Github
) -> IncidentSync:
    """Copy the `incident` issues of `github_name` into the store as incidents of `repo`."""
    result = IncidentSync()
    for issue in client.get_repo(github_name).get_issues(state="all", labels=[INCIDENT_LABEL]):
        if issue.pull_request is not None:
            continue
        opened = as_utc(issue.created_at) if issue.created_at else utcnow()
        causes = incident_records(
            [
                IncidentIssue(
                    ref=issue.html_url,
                    body=issue.body or "",
                    labels=[label.name for label in issue.labels],
                    created_at=opened,
                )
            ]
        )
        incident, created = store.incidents.record_from_forge(
            issue.html_url,
            repo,
            issue.title,
            by=f"github:{issue.user.login}" if issue.user else "github",
            root_cause=causes[0].root_cause_sha if causes else None,
            opened_at=opened,
            resolved_at=as_utc(issue.closed_at) if issue.closed_at else None,
        )
        (result.created if created else result.updated).append(incident.id)
    return result
