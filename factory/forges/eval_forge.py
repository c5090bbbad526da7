"""The forge of an eval: a run's delivery lands here and goes nowhere else.

An eval runs the whole graph on a throwaway clone at a task's base commit. Delivery still
asks a forge to push, open a pull request, request reviewers and (at L2/L3) merge; this
forge records each request as what would have happened (`actions`), keeps the would-be pull
request in memory so the run's later steps find it, and touches no repository, no store
table and no server. Merging is refused out loud (`MergeBlocked`, with the reason), never
pretended: an eval reads what the gate decided from the run's `gate.decision` event instead.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from factory.forges.base import (
    ForgeKind,
    MergeBlocked,
    PullRequestInfo,
    PullRequestNotFound,
    PullRequestRequest,
)
from factory.git.command import factory_git, run_git


class EvalForge:
    """Would-be delivery for one eval run, cloned from the throwaway repository `source`."""

    kind: ForgeKind = "eval"

    def __init__(self, source: Path) -> None:
        self.source = source
        self.actions: list[dict[str, Any]] = []
        """Every delivery request, in order: `{"action": "push", ...}` and so on."""
        self._pulls: dict[int, PullRequestInfo] = {}
        self._lock = threading.Lock()

    def _record(self, action: str, **details: Any) -> None:
        with self._lock:
            self.actions.append({"action": action, **details})

    def clone_source(self) -> tuple[str, dict[str, str] | None]:
        return str(self.source), None

    def push_branch(self, repo: Path, branch: str, *, expected_sha: str | None = None) -> str:
        """Nothing is pushed: the sha the branch would have pushed is read and recorded."""
        sha = run_git(
            factory_git(repo), "rev-parse", f"refs/heads/{branch}", action="read the branch"
        )
        self._record("push", branch=branch, sha=sha)
        return sha

    def find_pull_request(self, head_branch: str) -> PullRequestInfo | None:
        return next((p for p in self._pulls.values() if p.head_branch == head_branch), None)

    def open_pull_request(self, request: PullRequestRequest) -> PullRequestInfo:
        existing = self.find_pull_request(request.head_branch)
        if existing is not None:
            return existing
        number = len(self._pulls) + 1
        pull = PullRequestInfo(
            number=number,
            title=request.title,
            body=request.body,
            head_branch=request.head_branch,
            base_branch=request.base_branch,
            head_sha=None,
            status="draft" if request.draft else "open",
            draft=request.draft,
            url=None,
            forge="eval",
            run_id=request.run_id,
        )
        self._pulls[number] = pull
        self._record("open_pull_request", number=number, draft=request.draft)
        return pull

    def get_pull_request(self, number: int) -> PullRequestInfo:
        try:
            return self._pulls[number]
        except KeyError:
            raise PullRequestNotFound(f"the eval forge has no pull request #{number}") from None

    def update_body(self, number: int, body: str) -> PullRequestInfo:
        pull = self.get_pull_request(number).model_copy(update={"body": body})
        self._pulls[number] = pull
        self._record("update_body", number=number)
        return pull

    def comment(self, number: int, text: str) -> None:
        self._record("comment", number=number, chars=len(text))

    def request_reviewers(self, number: int, reviewers: list[str]) -> None:
        self._record("request_reviewers", number=number, reviewers=list(reviewers))

    def merge(self, number: int) -> str:
        self.get_pull_request(number)
        self._record("merge_refused", number=number)
        raise MergeBlocked("an eval never merges: the gate's decision is recorded instead")

    def close(self, number: int) -> PullRequestInfo:
        pull = self.get_pull_request(number).model_copy(update={"status": "closed"})
        self._pulls[number] = pull
        self._record("close", number=number)
        return pull

    def mark_ready(self, number: int) -> PullRequestInfo:
        pull = self.get_pull_request(number)
        if pull.draft:
            pull = pull.model_copy(update={"draft": False, "status": "open"})
            self._pulls[number] = pull
            self._record("mark_ready", number=number)
        return pull

    def open_pull_requests(self) -> list[PullRequestInfo]:
        return [p for p in self._pulls.values() if p.status in ("open", "draft")]
