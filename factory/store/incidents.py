"""`IncidentRepository`: production incidents, opened by a person or read from a forge's
issues, resolved later, never deleted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from factory.store.models import Incident
from factory.store.sessions import SessionScopes
from factory.support.errors import FactoryError
from factory.support.utc import utcnow

SEVERITIES = ("sev1", "sev2", "sev3", "sev4")


class IncidentNotFoundError(FactoryError, KeyError):
    """No incident has this id."""

    code = "not_found"

    def __str__(self) -> str:
        return f"no incident {self.args[0]}; `factory incident list` shows them"


class IncidentRepository:
    """Incidents and the change each names as its root cause, when known."""

    def __init__(self, scopes: SessionScopes) -> None:
        self._scopes = scopes

    def open(
        self,
        repo: str,
        title: str,
        *,
        by: str,
        root_cause: str | None = None,
        severity: str | None = None,
        source: str = "factory",
        ref: str | None = None,
        opened_at: datetime | None = None,
    ) -> Incident:
        """Record an incident; `root_cause` is a commit sha, `#<pr>` or a run id, when known."""
        if not title.strip():
            raise ValueError("an incident needs a title: pass --title 'what broke'")
        if severity is not None and severity not in SEVERITIES:
            raise ValueError(f"unknown severity {severity!r}; use one of {', '.join(SEVERITIES)}")
        incident = Incident(
            repo=repo,
            title=title.strip(),
            severity=severity,
            root_cause=(root_cause or "").strip() or None,
            source=source,
            ref=ref,
            opened_by=by,
            opened_at=opened_at or utcnow(),
        )
        with self._scopes.write() as session:
            session.add(incident)
        return incident

    def record_from_forge(
        self,
        ref: str,
        repo: str,
        title: str,
        *,
        by: str,
        root_cause: str | None,
        opened_at: datetime,
        resolved_at: datetime | None,
        source: str = "github",
    ) -> tuple[Incident, bool]:
        """Insert or refresh the incident a forge issue (`ref`) records; (incident, created)."""
        with self._scopes.write() as session:
            incident = session.scalar(select(Incident).where(Incident.ref == ref))
            created = incident is None
            if incident is None:
                incident = Incident(ref=ref, repo=repo, source=source, opened_by=by)
                session.add(incident)
            incident.title, incident.root_cause = title.strip() or ref, root_cause
            incident.opened_at, incident.resolved_at = opened_at, resolved_at
            incident.resolved_by = by if resolved_at is not None else None
        return incident, created

    def resolve(self, incident_id: int, *, by: str, at: datetime | None = None) -> Incident:
        """Mark an incident resolved (again resolving a resolved one keeps the first time)."""
        with self._scopes.write() as session:
            incident = session.get(Incident, incident_id)
            if incident is None:
                raise IncidentNotFoundError(incident_id)
            if incident.resolved_at is None:
                incident.resolved_at, incident.resolved_by = at or utcnow(), by
        return incident

    def all(self, repo: str | None = None, *, open_only: bool = False) -> list[Incident]:
        """Oldest first."""
        query = select(Incident).order_by(Incident.opened_at, Incident.id)
        if repo is not None:
            query = query.where(Incident.repo == repo)
        if open_only:
            query = query.where(Incident.resolved_at.is_(None))
        with self._scopes.read() as session:
            return list(session.scalars(query))
