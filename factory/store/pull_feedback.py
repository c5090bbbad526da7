"""Pull request feedback in the store: the local forge's comments and reviews
(`PullRequestCommentRepository`), and the feedback items the factory has seen on any forge
(`FeedbackSeenRepository`), taken once each so a redelivered comment starts nothing twice."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from factory.store.models import PullRequestComment, PullRequestFeedbackSeen
from factory.store.retrying import retry_on_conflict
from factory.store.sessions import SessionScopes
from factory.support.utc import utcnow


class PullRequestCommentRepository:
    """`store.pull_request_comments`: what people (and the factory) wrote on a local PR."""

    def __init__(self, scopes: SessionScopes) -> None:
        self._scopes = scopes

    def add(self, **fields: Any) -> PullRequestComment:
        """Needs repo, number, kind, author, author_association, body; the id is the next."""
        fields.setdefault("created_at", utcnow())
        fields.setdefault("author_is_bot", False)

        def add() -> PullRequestComment:
            with self._scopes.write() as session:
                comment = PullRequestComment(**fields)
                session.add(comment)
            return comment

        return retry_on_conflict(add)

    def of_pull(self, repo: str, number: int) -> list[PullRequestComment]:
        """Every comment and review on the pull request, oldest first."""
        with self._scopes.read() as session:
            return list(
                session.scalars(
                    select(PullRequestComment)
                    .where(PullRequestComment.repo == repo, PullRequestComment.number == number)
                    .order_by(PullRequestComment.id)
                )
            )

    def get(self, comment_id: int) -> PullRequestComment | None:
        with self._scopes.read() as session:
            return session.get(PullRequestComment, comment_id)


class FeedbackSeenRepository:
    """`store.feedback_seen`: each feedback item's id, taken once per pull request."""

    def __init__(self, scopes: SessionScopes) -> None:
        self._scopes = scopes

    def seen(self, repo: str, number: int) -> dict[str, PullRequestFeedbackSeen]:
        """The items already taken on this pull request, by item id."""
        with self._scopes.read() as session:
            rows = session.scalars(
                select(PullRequestFeedbackSeen).where(
                    PullRequestFeedbackSeen.repo == repo, PullRequestFeedbackSeen.number == number
                )
            )
            return {row.item_id: row for row in rows}

    def take(
        self,
        repo: str,
        number: int,
        item_ids: Iterable[str],
        *,
        action: str,
        run_id: str | None = None,
        round: int | None = None,
    ) -> list[str]:
        """Record the items as seen with `action`; returns those this call took (an item another
        process or an earlier pass took already is left out: it must not act twice)."""
        taken: list[str] = []
        for item_id in dict.fromkeys(item_ids):
            try:
                with self._scopes.write() as session:
                    session.add(
                        PullRequestFeedbackSeen(
                            repo=repo,
                            number=number,
                            item_id=item_id[:200],
                            run_id=run_id,
                            round=round,
                            action=action[:200],
                            seen_at=utcnow(),
                        )
                    )
            except IntegrityError:
                continue
            taken.append(item_id)
        return taken

    def release(self, repo: str, number: int, item_ids: Iterable[str]) -> None:
        """Forget items taken for a round that never started, so a later pass takes them."""
        wanted = list(item_ids)
        if not wanted:
            return
        with self._scopes.write() as session:
            rows = session.scalars(
                select(PullRequestFeedbackSeen).where(
                    PullRequestFeedbackSeen.repo == repo,
                    PullRequestFeedbackSeen.number == number,
                    PullRequestFeedbackSeen.item_id.in_(wanted),
                )
            )
            for row in rows:
                session.delete(row)
