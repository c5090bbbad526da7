"""Reviews, inline review comments and PR comments of a GitHub pull request, as
`FeedbackItem`s, and the factory's replies (inline in the comment's thread, else a PR comment).

Read through PyGithub's public API: `get_reviews`, `get_review_comments` (with `diff_hunk`,
`path`, `line`, `in_reply_to_id`), `get_issue_comments`; every author's `author_association`
and whether GitHub says it is a bot (`user.type == "Bot"`, or a `[bot]` login).
"""

from __future__ import annotations

from typing import Any, cast

from github.PullRequest import PullRequest

from factory.forges.feedback import FeedbackItem, ReviewState, feedback_item_id

_STATES = ("CHANGES_REQUESTED", "APPROVED", "COMMENTED")


def pull_feedback(pull: PullRequest) -> list[FeedbackItem]:
    """Every review, inline comment and PR comment, oldest first."""
    items: list[FeedbackItem] = []
    for review in pull.get_reviews():
        if review.state not in _STATES:
            continue  # PENDING (a draft only its author sees) or DISMISSED
        items.append(
            FeedbackItem(
                id=feedback_item_id("review", review.id),
                kind="review",
                **_author(review),
                body=review.body or "",
                review_state=cast(ReviewState, review.state),
                created_at=review.submitted_at,
            )
        )
    for comment in pull.get_review_comments():
        parent = comment.in_reply_to_id
        items.append(
            FeedbackItem(
                id=feedback_item_id("review_comment", comment.id),
                kind="review_comment",
                **_author(comment),
                body=comment.body or "",
                path=comment.path,
                line=comment.line,
                diff_hunk=comment.diff_hunk,
                created_at=comment.created_at,
                in_reply_to=feedback_item_id("review_comment", parent) if parent else None,
            )
        )
    for note in pull.get_issue_comments():
        items.append(
            FeedbackItem(
                id=feedback_item_id("issue_comment", note.id),
                kind="issue_comment",
                **_author(note),
                body=note.body or "",
                created_at=note.created_at,
            )
        )
    items.sort(key=lambda item: (item.created_at is None, item.created_at))
    return items


def reply_on_pull(pull: PullRequest, item: FeedbackItem, text: str) -> None:
    """In the thread of an inline comment (its first comment: GitHub takes no reply to a
    reply), else as a comment on the pull request."""
    if item.kind == "review_comment":
        thread = item.in_reply_to or item.id
        pull.create_review_comment_reply(int(thread.split(":", 1)[1]), text)
        return
    pull.create_issue_comment(text)


def _author(record: Any) -> dict[str, Any]:
    user = record.user
    login = str(user.login) if user is not None else "ghost"
    kind = str(user.type) if user is not None else "User"
    return {
        "author": login,
        "author_association": str(record.author_association or "NONE"),
        "author_is_bot": kind == "Bot" or login.endswith("[bot]"),
    }
