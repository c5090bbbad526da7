"""GitHub's CI through PyGithub: check runs and commit statuses of a commit, Actions job
logs, reruns, and branch protection's required status checks (`ChecksForge`).

A GitHub Actions check run is a job (same id): its log comes from the job's logs endpoint,
which answers with a redirect to a short-lived signed download; the download is fetched
without the token (it goes to another host). Rerunning an Actions job reruns the failed jobs
of its workflow run; another app's check is rerun by re-requesting its check suite. A commit
status cannot be rerun through the API.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import httpx
from github import GithubException
from github.CheckRun import CheckRun as GitHubCheckRun
from github.CommitStatus import CommitStatus

from factory.forges.base import ForgeError
from factory.forges.checks import CheckRun, CheckStatus

if TYPE_CHECKING:
    from github.Repository import Repository

T = TypeVar("T")

ACTIONS_APP = "github-actions"
MAX_LOG_BYTES = 4 << 20
"""A job log is read up to this size; the end of a log is where its failure is."""


class GitHubChecks:
    """The `ChecksForge` half of `GitHubForge` (it provides `_repo` and `_call`)."""

    _repo: Repository
    repo_name: str

    def _call(self, action: Callable[[], T], what: str) -> T:  # pragma: no cover - overridden
        raise NotImplementedError

    def checks(self, sha: str) -> list[CheckRun]:
        commit = self._repo.get_commit(sha)
        runs = self._call(lambda: list(commit.get_check_runs()), f"read the checks of {sha[:12]}")
        statuses = self._call(
            lambda: list(commit.get_combined_status().statuses),
            f"read the statuses of {sha[:12]}",
        )
        return [*(_from_check_run(run) for run in runs), *(_from_status(s) for s in statuses)]

    def check_log(self, check: CheckRun) -> str:
        if check.source != "check_run" or not check.id.isdigit():
            return check.details
        run = self._call(lambda: self._repo.get_check_run(int(check.id)), f"read {check.name}")
        if run.app.slug != ACTIONS_APP:
            output = run.output
            return "\n".join(part for part in (output.title, output.summary, output.text) if part)
        job = self._repo.get_workflow_job(int(check.id))
        where = self._call(job.logs_url, f"find the log of {check.name}")
        return _download(where, check.name)

    def rerun(self, check: CheckRun) -> bool:
        if check.source != "check_run" or not check.id.isdigit() or not check.rerunnable:
            return False
        run = self._call(lambda: self._repo.get_check_run(int(check.id)), f"read {check.name}")
        try:
            if run.app.slug == ACTIONS_APP:
                job = self._repo.get_workflow_job(int(check.id))
                return bool(self._repo.get_workflow_run(job.run_id).rerun_failed_jobs())
            return bool(self._repo.get_check_suite(run.check_suite_id).rerequest())
        except GithubException as error:
            if error.status in (403, 409, 422):  # already running, or not rerunnable
                return False
            raise ForgeError(
                f"could not rerun {check.name} in {self.repo_name} ({error.status})"
            ) from None

    def required_checks(self, branch: str) -> list[str]:
        try:
            protection = self._repo.get_branch(branch).get_required_status_checks()
        except GithubException as error:
            # 404: the branch is not protected. 403: the token may not read protection
            # (it needs admin); `[repos] required_checks` names them then.
            if error.status in (403, 404):
                return []
            raise ForgeError(
                f"could not read the branch protection of {branch} in {self.repo_name} "
                f"({error.status})"
            ) from None
        names = list(protection.contexts or [])
        names += [check.context for check in (protection.checks or [])]
        return sorted(set(names))


def _from_check_run(run: GitHubCheckRun) -> CheckRun:
    status: CheckStatus = "completed" if run.status == "completed" else _open_status(run.status)
    title = run.output.title if run.output is not None else None
    return CheckRun(
        name=run.name,
        status=status,
        conclusion=run.conclusion if status == "completed" else None,
        details=title or "",
        log_url=run.details_url or run.html_url,
        id=str(run.id),
        source="check_run",
        rerunnable=True,
    )


def _open_status(status: str | None) -> CheckStatus:
    return "in_progress" if status == "in_progress" else "queued"


def _from_status(status: CommitStatus) -> CheckRun:
    state = status.state
    return CheckRun(
        name=status.context,
        status="queued" if state == "pending" else "completed",
        conclusion=None if state == "pending" else state,
        details=status.description or "",
        log_url=status.target_url,
        id=status.context,
        source="status",
        rerunnable=False,
    )


def _download(url: str, name: str) -> str:
    """The plain-text log behind a signed URL; the token is not sent to that host."""
    try:
        with httpx.stream("GET", url, timeout=30, follow_redirects=True) as response:
            if response.status_code != 200:
                raise ForgeError(
                    f"the log of {name} could not be downloaded ({response.status_code})"
                )
            data = bytearray()
            for chunk in response.iter_bytes():
                data += chunk
                if len(data) > MAX_LOG_BYTES:
                    del data[: len(data) - MAX_LOG_BYTES]  # keep the end
    except httpx.HTTPError as error:
        raise ForgeError(f"the log of {name} could not be downloaded: {error}") from None
    return bytes(data).decode("utf-8", errors="replace")


__all__ = ["GitHubChecks"]
