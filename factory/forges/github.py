"""GitHubForge: pull requests through PyGithub, branches pushed by git with an askpass token.

The token reaches git only through the environment of the one push (see factory.git.askpass);
the remote URL, the clone's config and every error message stay free of it.
"""

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from github import GithubException
from github.PullRequest import PullRequest

from factory.forges.base import (
    ForgeError,
    ForgeKind,
    MergeBlocked,
    MergeConflict,
    PullRequestInfo,
    PullRequestNotFound,
    PullRequestRequest,
)
from factory.forges.feedback import FeedbackItem
from factory.forges.github_checks import GitHubChecks
from factory.forges.github_client import DEFAULT_API_URL, github_client
from factory.forges.github_feedback import pull_feedback, reply_on_pull
from factory.git import GitError, askpass_env, install_askpass_helper, push_branch, scrub

T = TypeVar("T")


class GitHubForge(GitHubChecks):
    """Pull requests in one GitHub repository (`owner/name`); its CI through `GitHubChecks`."""

    kind: ForgeKind = "github"

    def __init__(
        self,
        repo: str,
        token: str,
        *,
        helper_dir: Path,
        api_url: str = DEFAULT_API_URL,
        merge_method: str = "merge",
    ) -> None:
        if not token:
            raise ForgeError("the GitHub forge needs a token; set GITHUB_TOKEN")
        self.repo_name = repo
        self._token = token
        self._client = github_client(token, api_url)
        self._helper = install_askpass_helper(helper_dir)
        self._merge_method = merge_method
        self._repo = self._client.withLazy(True).get_repo(repo)
        self._login: str | None = None

    @property
    def clone_url(self) -> str:
        """The HTTPS URL git pushes to (from the API, so GitHub Enterprise works too)."""
        return str(self._call(lambda: self._client.get_repo(self.repo_name).clone_url, "read repo"))

    def clone_source(self) -> tuple[str, dict[str, str] | None]:
        return self.clone_url, self.git_env()

    def git_env(self) -> dict[str, str]:
        """Environment for one git call against this forge (askpass, token)."""
        return askpass_env(self._token, self._helper)

    def push_branch(self, repo: Path, branch: str, *, expected_sha: str | None = None) -> str:
        try:
            return push_branch(
                repo,
                self.clone_url,
                branch,
                env=self.git_env(),
                secret=self._token,
                expected_sha=expected_sha,
            )
        except GitError as error:
            raise ForgeError(scrub(str(error), self._token)) from None

    def find_pull_request(self, head_branch: str) -> PullRequestInfo | None:
        owner = self.repo_name.split("/")[0]
        pulls = self._call(
            lambda: list(self._repo.get_pulls(state="all", head=f"{owner}:{head_branch}")),
            f"look for a pull request from {head_branch}",
        )
        # Prefer an open one; a closed or merged one still means "do not open a duplicate".
        matching = [pull for pull in pulls if pull.head.ref == head_branch]
        matching.sort(key=lambda pull: (pull.state != "open", -pull.number))
        return self._info(matching[0]) if matching else None

    def open_pull_request(self, request: PullRequestRequest) -> PullRequestInfo:
        existing = self.find_pull_request(request.head_branch)
        if existing is not None:
            return existing
        pull = self._call(
            lambda: self._repo.create_pull(
                base=request.base_branch,
                head=request.head_branch,
                title=request.title,
                body=request.body,
                draft=request.draft,
            ),
            f"open a pull request from {request.head_branch}",
        )
        return self._info(pull)

    def get_pull_request(self, number: int) -> PullRequestInfo:
        """One pull request, with GitHub's `mergeable` and `mergeable_state` (only the single
        pull request's payload carries them; lists do not)."""
        pull = self._pull(number)
        info = self._info(pull)
        if info.status not in ("open", "draft"):
            return info
        return info.model_copy(
            update={"mergeable": pull.mergeable, "mergeable_state": pull.mergeable_state}
        )

    def update_body(self, number: int, body: str) -> PullRequestInfo:
        pull = self._pull(number)
        self._call(lambda: pull.edit(body=body), f"update pull request #{number}")
        return self._info(self._pull(number))

    def comment(self, number: int, text: str) -> None:
        self._call(
            lambda: self._repo.get_issue(number).create_comment(text), f"comment on #{number}"
        )

    def request_reviewers(self, number: int, reviewers: list[str]) -> None:
        users = [name for name in reviewers if "/" not in name]
        teams = [name.split("/", 1)[1] for name in reviewers if "/" in name]
        if not users and not teams:
            return
        pull = self._pull(number)
        self._call(
            lambda: pull.create_review_request(reviewers=users, team_reviewers=teams),
            f"request reviewers on #{number}",
        )

    def merge(self, number: int) -> str:
        pull = self._pull(number)
        if pull.merged:
            return str(pull.merge_commit_sha)
        try:
            status = pull.merge(merge_method=self._merge_method)
        except GithubException as error:
            reason = _message(error)
            if error.status == 405 and "draft" in reason.lower():
                raise MergeBlocked(
                    f"GitHub refused to merge #{number}: {reason}; mark it ready for review "
                    "first (`factory approve` does)"
                ) from None
            if error.status == 405 and "not mergeable" in reason.lower():
                raise MergeConflict(
                    f"GitHub refused to merge #{number}: {reason}; the branch conflicts with "
                    "its base (the next maintenance pass updates it)"
                ) from None
            if error.status == 405:
                raise MergeBlocked(
                    f"GitHub refused to merge #{number}: {reason}; a person must satisfy the "
                    "branch protection rules or merge it"
                ) from None
            if error.status == 409:
                raise MergeConflict(f"#{number} changed or conflicts: {reason}") from None
            raise ForgeError(f"merging #{number} failed ({error.status}): {reason}") from None
        if not status.merged:
            raise MergeBlocked(f"GitHub did not merge #{number}: {status.message}")
        return str(status.sha)

    def mark_ready(self, number: int) -> PullRequestInfo:
        """GitHub's `markPullRequestReadyForReview` GraphQL mutation, for a draft only."""
        pull = self._pull(number)
        if pull.draft and pull.state == "open":
            self._call(pull.mark_ready_for_review, f"mark #{number} ready for review")
        return self._info(self._pull(number))

    def close(self, number: int) -> PullRequestInfo:
        pull = self._pull(number)
        self._call(lambda: pull.edit(state="closed"), f"close #{number}")
        return self._info(self._pull(number))

    def open_pull_requests(self) -> list[PullRequestInfo]:
        pulls = self._call(
            lambda: list(self._repo.get_pulls(state="open", sort="created", direction="asc")),
            "list open pull requests",
        )
        return [self._info(pull) for pull in pulls]

    def feedback_login(self) -> str:
        """The token's user: the author of the factory's own comments."""
        if self._login is None:
            try:
                self._login = str(self._client.get_user().login)
            except GithubException:
                # A GitHub App's installation token may not read `/user`; its comments come
                # from `<app>[bot]`, which the guards ignore as a bot anyway.
                self._login = ""
        return self._login

    def feedback(self, number: int) -> list[FeedbackItem]:
        pull = self._pull(number)
        return self._call(lambda: pull_feedback(pull), f"read the reviews of #{number}")

    def reply(self, number: int, item: FeedbackItem, text: str) -> None:
        pull = self._pull(number)
        self._call(lambda: reply_on_pull(pull, item, text), f"reply on #{number}")

    def _pull(self, number: int) -> PullRequest:
        try:
            pull = self._repo.get_pull(number)
            _ = pull.state  # the repo handle is lazy: this fetches, so a 404 surfaces here
            return pull
        except GithubException as error:
            if error.status == 404:
                raise PullRequestNotFound(
                    f"no pull request #{number} in {self.repo_name}"
                ) from None
            raise ForgeError(
                f"reading #{number} failed ({error.status}): {_message(error)}"
            ) from None

    def _call(self, action: Callable[[], T], what: str) -> T:
        try:
            return action()
        except GithubException as error:
            if error.status == 401:
                raise ForgeError("GitHub rejected the token; set a valid GITHUB_TOKEN") from None
            raise ForgeError(
                f"could not {what} in {self.repo_name} ({error.status}): {_message(error)}"
            ) from None

    def _info(self, pull: PullRequest) -> PullRequestInfo:
        if pull.merged:
            status = "merged"
        elif pull.state == "closed":
            status = "closed"
        else:
            status = "draft" if pull.draft else "open"
        return PullRequestInfo(
            number=pull.number,
            title=pull.title,
            body=pull.body or "",
            head_branch=pull.head.ref,
            base_branch=pull.base.ref,
            head_sha=pull.head.sha,
            status=status,
            draft=bool(pull.draft),
            url=pull.html_url,
            forge="github",
            merged_sha=pull.merge_commit_sha if pull.merged else None,
            merged_at=pull.merged_at if pull.merged else None,
            merged_by=pull.merged_by.login if pull.merged and pull.merged_by else None,
        )


def _message(error: GithubException) -> str:
    data = error.data if isinstance(error.data, dict) else {}
    return str(data.get("message") or error.data or "no details")
