"""LocalForge, the embedded default: branches pushed into the repository itself (or its local
bare origin), pull requests recorded in the factory's store, merged with real git.

A person acts as reviewer with `factory pr list|show|merge|close`.
"""

from pathlib import Path
from typing import Any, Protocol

from factory.forges.base import (
    ForgeError,
    ForgeKind,
    PullRequestInfo,
    PullRequestNotFound,
    PullRequestRequest,
)
from factory.forges.feedback import FeedbackItem
from factory.forges.local_feedback import CommentStore, add_reply, comment_item
from factory.forges.local_merge import merge_locally
from factory.git import BotIdentity, GitError, factory_git, push_branch, run_git
from factory.store.models import PullRequest


class PullRequestStore(Protocol):
    """What this forge needs of the store: its pull requests (`Store.pull_requests`)."""

    def create(self, **fields: Any) -> PullRequest: ...
    def get(self, repo: str, number: int) -> PullRequest | None: ...
    def of_branch(self, repo: str, head_branch: str) -> PullRequest | None: ...
    def update(self, repo: str, number: int, **fields: Any) -> PullRequest: ...
    def all(self, repo: str | None = None) -> list[PullRequest]: ...

    @property
    def comments(self) -> CommentStore: ...


def push_target(repo_path: Path) -> Path:
    """Where local branches go: the repo's `origin` when that is a local bare repository."""
    runner = factory_git(repo_path)
    try:
        origin = run_git(runner, "remote", "get-url", "origin", action="read origin")
    except GitError:
        return repo_path
    if "://" in origin and not origin.startswith("file://"):
        return repo_path
    candidate = Path(origin.removeprefix("file://"))
    if not candidate.is_absolute():
        candidate = repo_path / candidate
    if candidate.is_dir() and (candidate / "HEAD").is_file() and (candidate / "objects").is_dir():
        return candidate.resolve()
    return repo_path


class LocalForge:
    """Pull requests for one configured repository, kept in the store."""

    kind: ForgeKind = "local"

    def __init__(
        self,
        pull_requests: PullRequestStore,
        *,
        repo_name: str,
        repo_path: Path,
        clone_cache: Path,
        identity: BotIdentity | None = None,
    ) -> None:
        self._pull_requests = pull_requests
        self.repo_name = repo_name
        self.repo_path = repo_path
        self.target = push_target(repo_path)
        self._clone_cache = clone_cache
        self._identity = identity or BotIdentity()

    def clone_source(self) -> tuple[str, dict[str, str] | None]:
        return str(self.repo_path), None

    def push_branch(self, repo: Path, branch: str) -> str:
        try:
            sha = push_branch(repo, str(self.target), branch)
        except GitError as error:
            raise ForgeError(str(error)) from None
        # As on GitHub, a push moves the head of the branch's open pull request.
        row = self._pull_requests.of_branch(self.repo_name, branch)
        if row is not None and row.status in ("open", "draft") and row.head_sha != sha:
            self._pull_requests.update(self.repo_name, row.number, head_sha=sha)
        return sha

    def feedback_login(self) -> str:
        return self._identity.name

    def feedback(self, number: int) -> list[FeedbackItem]:
        self._row(number)
        return [
            comment_item(row)
            for row in self._pull_requests.comments.of_pull(self.repo_name, number)
        ]

    def reply(self, number: int, item: FeedbackItem, text: str) -> None:
        self._row(number)
        add_reply(
            self._pull_requests.comments,
            self.repo_name,
            number,
            item,
            author=self._identity.name,
            text=text,
        )

    def find_pull_request(self, head_branch: str) -> PullRequestInfo | None:
        row = self._pull_requests.of_branch(self.repo_name, head_branch)
        return _info(row) if row is not None else None

    def open_pull_request(self, request: PullRequestRequest) -> PullRequestInfo:
        existing = self.find_pull_request(request.head_branch)
        if existing is not None:
            return existing
        head_sha = self._branch_sha(request.head_branch)
        if head_sha is None:
            raise ForgeError(
                f"branch {request.head_branch} was not pushed to {self.target}; push it first"
            )
        row = self._pull_requests.create(
            base_sha=self._fork_point(request.base_branch, head_sha),
            run_id=request.run_id,
            repo=self.repo_name,
            title=request.title,
            body=request.body,
            head_branch=request.head_branch,
            base_branch=request.base_branch,
            head_sha=head_sha,
            draft=request.draft,
            status="draft" if request.draft else "open",
            url=f"{self.target}#{request.head_branch}",
            forge="local",
        )
        return _info(row)

    def get_pull_request(self, number: int) -> PullRequestInfo:
        return _info(self._row(number))

    def update_body(self, number: int, body: str) -> PullRequestInfo:
        self._row(number)
        return _info(self._pull_requests.update(self.repo_name, number, body=body))

    def comment(self, number: int, text: str) -> None:
        # The store keeps no comment thread; comments are appended to the body so
        # `factory pr show` displays them in order.
        row = self._row(number)
        body = f"{row.body.rstrip()}\n\n---\n**Comment**\n\n{text.strip()}\n"
        self._pull_requests.update(self.repo_name, number, body=body)

    def request_reviewers(self, number: int, reviewers: list[str]) -> None:
        if not reviewers:
            return
        row = self._row(number)
        names = ", ".join(f"@{name}" for name in reviewers)
        body = f"{row.body.rstrip()}\n\n**Review requested from:** {names}\n"
        self._pull_requests.update(self.repo_name, number, body=body)

    def merge(self, number: int) -> str:
        row = self._row(number)
        if row.status == "merged":
            return str(row.merged_sha)
        if row.status == "closed":
            raise ForgeError(
                f"pull request #{number} is closed; reopen it by running the ticket again"
            )
        current = self._branch_sha(row.head_branch)
        if current is None:
            raise ForgeError(f"branch {row.head_branch} no longer exists in {self.target}")
        sha = merge_locally(
            self.target,
            clone_cache=self._clone_cache,
            head_branch=row.head_branch,
            base_branch=row.base_branch,
            message=f"Merge pull request #{number} from {row.head_branch}\n\n{row.title}",
            identity=self._identity,
        )
        self._pull_requests.update(
            self.repo_name, number, status="merged", merged_sha=sha, head_sha=current, draft=False
        )
        return sha

    def close(self, number: int) -> PullRequestInfo:
        row = self._row(number)
        if row.status == "merged":
            raise ForgeError(f"pull request #{number} is already merged; it cannot be closed")
        return _info(self._pull_requests.update(self.repo_name, number, status="closed"))

    def mark_ready(self, number: int) -> PullRequestInfo:
        """Turn a draft into a pull request ready for review."""
        row = self._row(number)
        if row.status != "draft":
            return _info(row)
        return _info(self._pull_requests.update(self.repo_name, number, status="open", draft=False))

    def open_pull_requests(self) -> list[PullRequestInfo]:
        rows = self._pull_requests.all(repo=self.repo_name)
        return [_info(row) for row in rows if row.status in ("open", "draft")]

    def _row(self, number: int) -> Any:
        row = self._pull_requests.get(self.repo_name, number)
        if row is None:
            raise PullRequestNotFound(
                f"no pull request #{number} in {self.repo_name}; `factory pr list` shows them"
            )
        return row

    def _fork_point(self, base_branch: str, head_sha: str) -> str | None:
        """The commit where `head_sha` left `base_branch` (None when they share none)."""
        try:
            return run_git(
                factory_git(self.target),
                "merge-base",
                f"refs/heads/{base_branch}",
                head_sha,
                action="find where the branch left its base",
            )
        except GitError:
            return None

    def _branch_sha(self, branch: str) -> str | None:
        try:
            return run_git(
                factory_git(self.target),
                "rev-parse",
                "--verify",
                "--quiet",
                f"refs/heads/{branch}",
                action="find branch",
            )
        except GitError:
            return None


def _info(row: Any) -> PullRequestInfo:
    return PullRequestInfo(
        number=row.number,
        title=row.title,
        body=row.body or "",
        head_branch=row.head_branch,
        base_branch=row.base_branch,
        head_sha=row.head_sha,
        base_sha=row.base_sha,
        status=row.status,
        draft=bool(row.draft),
        url=row.url,
        forge="local",
        merged_sha=row.merged_sha,
        run_id=row.run_id,
    )
