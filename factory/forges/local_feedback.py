"""Reviews and comments on the local forge, kept as GitHub keeps them (`pull_request_comments`).

`factory pr comment` and `factory pr review` write them as the operator (association OWNER);
the factory reads them back as `FeedbackItem`s and replies as its git identity. An inline
comment must name a file of the pull request's diff or of its head tree, and a line that
file has; its diff hunk is cut when it is made, as GitHub does.
"""

from __future__ import annotations

from typing import Any, Protocol

from factory.forges.base import ForgeError, PullRequestInfo
from factory.forges.feedback import FeedbackItem, ReviewState, feedback_item_id
from factory.git import GitError, factory_git, run_git
from factory.git.hunks import context_excerpt, hunk_at_line
from factory.store.models import PullRequestComment

OPERATOR_ASSOCIATION = "OWNER"
"""Whoever can run `factory pr` on this machine can push to the repository."""


class CommentStore(Protocol):
    def add(self, **fields: Any) -> PullRequestComment: ...
    def of_pull(self, repo: str, number: int) -> list[PullRequestComment]: ...
    def get(self, comment_id: int) -> PullRequestComment | None: ...


class BadComment(ForgeError):
    """An inline comment names a file or line the pull request does not have."""

    code = "bad_input"
    exit_code = 2


def add_comment(
    comments: CommentStore,
    target: Any,
    repo: str,
    pull: PullRequestInfo,
    *,
    author: str,
    body: str,
    path: str | None = None,
    line: int | None = None,
) -> FeedbackItem:
    """A PR comment, or an inline one on `path` (at `line`) with its diff hunk."""
    fields: dict[str, Any] = {"kind": "issue_comment"}
    if path is not None and line is None:
        raise BadComment("--file needs --line: which line of the file is the comment on?")
    if path is not None and line is not None:
        hunk = _hunk(target, pull, path, line)
        fields = {"kind": "review_comment", "path": path, "line": line, "diff_hunk": hunk}
    elif line is not None:
        raise BadComment("--line needs --file: a line of which file?")
    row = comments.add(
        repo=repo,
        number=pull.number,
        author=author,
        author_association=OPERATOR_ASSOCIATION,
        body=body,
        commit_sha=pull.head_sha,
        **fields,
    )
    return comment_item(row)


def add_review(
    comments: CommentStore,
    repo: str,
    pull: PullRequestInfo,
    *,
    author: str,
    state: ReviewState,
    body: str,
) -> FeedbackItem:
    row = comments.add(
        repo=repo,
        number=pull.number,
        kind="review",
        author=author,
        author_association=OPERATOR_ASSOCIATION,
        body=body,
        review_state=state,
        commit_sha=pull.head_sha,
    )
    return comment_item(row)


def add_reply(
    comments: CommentStore, repo: str, number: int, item: FeedbackItem, *, author: str, text: str
) -> None:
    """The factory's answer: in the inline comment's thread, else a PR comment."""
    thread: dict[str, Any] = {"kind": "issue_comment"}
    if item.kind == "review_comment" and item.id.startswith("review_comment:"):
        parent = comments.get(int(item.id.split(":", 1)[1]))
        if parent is not None:
            thread = {
                "kind": "review_comment",
                "path": parent.path,
                "line": parent.line,
                "diff_hunk": parent.diff_hunk,
                "in_reply_to": parent.in_reply_to or parent.id,
            }
    comments.add(
        repo=repo,
        number=number,
        author=author,
        author_association="NONE",
        author_is_bot=True,
        body=text,
        **thread,
    )


def comment_item(row: PullRequestComment) -> FeedbackItem:
    state = row.review_state if row.review_state in _STATES else None
    return FeedbackItem(
        id=feedback_item_id(row.kind, row.id),
        kind=row.kind,
        author=row.author,
        author_association=row.author_association,
        author_is_bot=row.author_is_bot,
        body=row.body,
        path=row.path,
        line=row.line,
        diff_hunk=row.diff_hunk,
        review_state=state,
        created_at=row.created_at,
        in_reply_to=feedback_item_id("review_comment", row.in_reply_to)
        if row.in_reply_to
        else None,
    )


_STATES = ("CHANGES_REQUESTED", "APPROVED", "COMMENTED")


def _hunk(target: Any, pull: PullRequestInfo, path: str, line: int) -> str:
    """The diff hunk at `path:line` of the pull request; a file outside the diff but in the
    head tree gets an excerpt of its lines instead. BadComment for anything else."""
    runner = factory_git(target)
    head = pull.head_sha or pull.head_branch
    base = pull.base_sha or pull.base_branch
    try:
        diff = run_git(
            runner, "diff", f"{base}...{head}", "--", path, action="diff the file", strip=False
        )
    except GitError as error:
        raise ForgeError(f"cannot read the diff of #{pull.number}: {error}") from None
    if diff.strip():
        hunk = hunk_at_line(diff, line)
        if hunk is not None:
            return hunk
    try:
        content = run_git(runner, "show", f"{head}:{path}", action="read the file", strip=False)
    except GitError:
        raise BadComment(
            f"{path} is neither changed by #{pull.number} nor a file of its head; "
            f"`factory pr show {pull.number} --diff` lists its files"
        ) from None
    count = len(content.splitlines())
    if line > count:
        raise BadComment(f"{path} has {count} lines at the head of #{pull.number}; --line {line}")
    return context_excerpt(path, content, line)
