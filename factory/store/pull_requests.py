"""`PullRequestRepository`: pull request records; the local forge persists its pull requests
through it, and the track record reads what was merged and closed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from factory.store.models import PullRequest, PullRequestStatus
from factory.store.pull_feedback import PullRequestCommentRepository
from factory.store.retrying import retry_on_conflict
from factory.store.sessions import SessionScopes
from factory.support.utc import utcnow

PR_FIELDS_FROZEN = frozenset({"id", "repo", "number", "created_at"})


class PullRequestRepository:
    """Pull requests numbered per repository: created, read, found by branch, updated, listed."""

    def __init__(self, scopes: SessionScopes) -> None:
        self._scopes = scopes
        self.comments = PullRequestCommentRepository(scopes)
        """The comments and reviews on the local forge's pull requests."""

    def create(self, **fields: Any) -> PullRequest:
        """Needs repo, title, head_branch, base_branch; `number` is the repo's next if omitted."""
        fields.setdefault("status", PullRequestStatus.DRAFT if fields.get("draft") else "open")
        fields["status"] = PullRequestStatus(fields["status"]).value
        numbered = "number" in fields

        def create() -> PullRequest:
            with self._scopes.write() as session:
                if not numbered:
                    top = session.scalar(
                        select(func.max(PullRequest.number)).where(
                            PullRequest.repo == fields["repo"]
                        )
                    )
                    fields["number"] = (top or 0) + 1
                pull = PullRequest(**fields)
                session.add(pull)
            return pull

        return retry_on_conflict(create)

    def get(self, repo: str, number: int) -> PullRequest | None:
        with self._scopes.read() as session:
            return session.scalar(
                select(PullRequest).where(PullRequest.repo == repo, PullRequest.number == number)
            )

    def of_branch(self, repo: str, head_branch: str) -> PullRequest | None:
        """The newest pull request from this branch (so delivering twice finds the first)."""
        with self._scopes.read() as session:
            return session.scalar(
                select(PullRequest)
                .where(PullRequest.repo == repo, PullRequest.head_branch == head_branch)
                .order_by(PullRequest.number.desc())
                .limit(1)
            )

    def update(self, repo: str, number: int, **fields: Any) -> PullRequest:
        frozen = PR_FIELDS_FROZEN.intersection(fields)
        if frozen:
            raise ValueError(f"pull request fields {sorted(frozen)} cannot be changed")
        if "status" in fields:
            fields["status"] = PullRequestStatus(fields["status"]).value
        with self._scopes.write() as session:
            pull = session.scalar(
                select(PullRequest).where(PullRequest.repo == repo, PullRequest.number == number)
            )
            if pull is None:
                raise KeyError(f"no pull request #{number} in {repo}")
            for name, value in fields.items():
                if not hasattr(PullRequest, name):
                    raise ValueError(f"pull requests have no field {name!r}")
                setattr(pull, name, value)
            pull.updated_at = utcnow()
        return pull

    def all(
        self, repo: str | None = None, status: PullRequestStatus | str | None = None
    ) -> list[PullRequest]:
        query = select(PullRequest).order_by(PullRequest.repo, PullRequest.number)
        if repo is not None:
            query = query.where(PullRequest.repo == repo)
        if status is not None:
            query = query.where(PullRequest.status == PullRequestStatus(status).value)
        with self._scopes.read() as session:
            return list(session.scalars(query))
