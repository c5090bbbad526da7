"""What people say on a pull request, as the factory reads it: `FeedbackItem`, and the
`FeedbackForge` protocol a forge speaks to list feedback and to reply to it.

An item's `body` is untrusted text, kept verbatim: whoever hands it to a model fences it
(`factory.run.rounds`), whoever posts it escapes it. Ids are unique per pull request and
stable across reads (`review:12`, `review_comment:34`, `issue_comment:56`, `ci:<sig>`), so
the store can remember which items were acted on.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict

FeedbackKind = Literal["review", "review_comment", "issue_comment", "ci_failure", "conflict"]
ReviewState = Literal["CHANGES_REQUESTED", "APPROVED", "COMMENTED"]
WRITE_ACCESS = frozenset({"OWNER", "MEMBER", "COLLABORATOR"})
"""GitHub's `author_association` values of people who may push to the repository."""


class FeedbackItem(BaseModel):
    """One review, inline comment, PR comment (or CI failure, conflict) on a pull request."""

    model_config = ConfigDict(frozen=True)

    id: str
    """Unique per pull request: `review:12`, `review_comment:34`, `issue_comment:56`..."""
    kind: FeedbackKind
    author: str
    author_association: str = "NONE"
    """GitHub's OWNER, MEMBER, COLLABORATOR, CONTRIBUTOR, NONE...; the operator on the local
    forge is OWNER."""
    author_is_bot: bool = False
    body: str
    """Untrusted, verbatim."""
    path: str | None = None
    line: int | None = None
    diff_hunk: str | None = None
    """The diff the inline comment points at, ending at its line (as GitHub sends it)."""
    review_state: ReviewState | None = None
    created_at: datetime | None = None
    in_reply_to: str | None = None
    """The id of the inline comment this one answers (a thread), if any."""


def feedback_item_id(kind: str, number: int | str) -> str:
    """The id a forge gives its item `number` of `kind`."""
    return f"{kind}:{number}"


@runtime_checkable
class FeedbackForge(Protocol):
    """A forge whose pull requests carry reviews and comments the factory can act on."""

    def feedback_login(self) -> str:
        """Who the factory is on this forge: its own comments carry this author."""
        ...

    def feedback(self, number: int) -> list[FeedbackItem]:
        """Every review, inline comment and PR comment on the pull request, oldest first."""
        ...

    def reply(self, number: int, item: FeedbackItem, text: str) -> None:
        """Answer `item`: in its thread for an inline comment, on the pull request otherwise."""
        ...


def feedback_forge(forge: object) -> FeedbackForge | None:
    """`forge` as a FeedbackForge, or None when it has no feedback to read (the eval forge)."""
    return forge if isinstance(forge, FeedbackForge) else None
