"""The `Forge` protocol: where branches are pushed and pull requests live.

Every operation is safe to repeat: opening a pull request for a branch that already has one
returns that one, merging a merged pull request returns its merge commit.
"""

from datetime import datetime
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from factory.support.errors import FAILED, FactoryError

PullRequestState = Literal["open", "draft", "merged", "closed"]
ForgeKind = Literal["local", "github", "eval"]


class PullRequestRequest(BaseModel):
    """What a run asks the forge to open."""

    model_config = ConfigDict(extra="forbid")

    head_branch: str = Field(min_length=1)
    base_branch: str = Field(min_length=1)
    title: str = Field(min_length=1, max_length=256)
    body: str = ""
    draft: bool = False
    run_id: str | None = None


class PullRequestInfo(BaseModel):
    """A pull request as the forge reports it."""

    model_config = ConfigDict(frozen=True)

    number: int
    title: str
    body: str
    head_branch: str
    base_branch: str
    head_sha: str | None
    status: PullRequestState
    draft: bool
    url: str | None
    forge: ForgeKind
    merged_sha: str | None = None
    run_id: str | None = None
    base_sha: str | None = None
    """Where the head left its base when the pull request was opened (when recorded): the
    change is `base_sha..head_sha`, also after a merge moved the base branch."""
    merged_at: datetime | None = None
    """When the forge merged it (GitHub's `merged_at`); None when unmerged or not reported."""
    merged_by: str | None = None
    """Who pressed the button (a GitHub login), when the forge says."""
    mergeable: bool | None = None
    """Whether the head merges into the base without conflict (GitHub's `mergeable`); None
    while the forge is still computing it, for a closed pull request, or when not read."""
    mergeable_state: str | None = None
    """GitHub's `mergeable_state` (`clean`, `dirty`, `behind`, `blocked`, `draft`,
    `unknown`...); the local forge says `clean`, `dirty` or `draft`."""


class ForgeError(FactoryError, RuntimeError):
    """A forge operation failed; the message says what to do."""

    code = "forge"
    exit_code = FAILED


class MergeBlocked(ForgeError):
    """The forge refused the merge (branch protection, required reviews or checks).

    The run turns this into `needs_human`: a person must satisfy the rule or merge by hand.
    """


class MergeConflict(ForgeError):
    """The branch does not merge cleanly into its base (or the head moved under us)."""


class PullRequestNotFound(ForgeError):
    """No pull request with that number exists in this repository."""


@runtime_checkable
class Forge(Protocol):
    """A place pull requests live: the embedded local forge or GitHub."""

    kind: ForgeKind

    def clone_source(self) -> tuple[str, dict[str, str] | None]:
        """Where the factory clones the repository from, and the environment git needs there."""
        ...

    def push_branch(self, repo: Path, branch: str, *, expected_sha: str | None = None) -> str:
        """Push `branch` from `repo` (worktree or clone); never forced. Returns the pushed sha.

        `expected_sha` (a rebase of the factory's own commits only, `forges/branches.py`):
        replace the remote branch, but only while it still points there (force-with-lease)."""
        ...

    def find_pull_request(self, head_branch: str) -> PullRequestInfo | None:
        """The pull request (any state) whose head is `head_branch`, if one exists."""
        ...

    def open_pull_request(self, request: PullRequestRequest) -> PullRequestInfo:
        """Open a pull request, or return the one already open for the branch."""
        ...

    def get_pull_request(self, number: int) -> PullRequestInfo: ...

    def update_body(self, number: int, body: str) -> PullRequestInfo: ...

    def comment(self, number: int, text: str) -> None:
        """Comment on a pull request or (GitHub) an issue with that number."""
        ...

    def request_reviewers(self, number: int, reviewers: list[str]) -> None:
        """Ask people (`user`) or teams (`org/team`) to review."""
        ...

    def merge(self, number: int) -> str:
        """Merge into the base branch; returns the merge commit. MergeBlocked if refused."""
        ...

    def close(self, number: int) -> PullRequestInfo: ...

    def mark_ready(self, number: int) -> PullRequestInfo:
        """Turn a draft into a pull request ready for review (no-op when it is not a draft)."""
        ...

    def open_pull_requests(self) -> list[PullRequestInfo]:
        """Every pull request still open (drafts included), oldest first."""
        ...
