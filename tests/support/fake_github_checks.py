"""The fake GitHub's CI: check runs, commit statuses, Actions job logs, reruns, and branch
protection's required status checks, answered in GitHub's shapes.

GitHub Actions is modelled as GitHub runs it: a push triggers a workflow run whose jobs are
check runs of the head commit (the job id is the check run id); "re-run failed jobs" makes a
new attempt of each failed job, a new check run with the same name; the job log endpoint
answers 302 with a signed download URL on another host (here: an unauthenticated path of
the same server), where the log is plain text, every line prefixed by its timestamp.

A test scripts CI with `FakeChecks.workflow`: called with (sha, attempt), it returns the jobs
that attempt produces (`FakeJob(name, conclusion, log)`); it runs the first time a client
reads the checks of a commit, like a workflow that already finished on push.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.support.fake_github import FakeGitHub

LOG_PATH = "/_blob/job-logs/"


@dataclass(frozen=True)
class FakeJob:
    """What one job of a workflow attempt ends as: `conclusion` None means still running."""

    name: str
    conclusion: str | None = "success"
    log: str = ""
    title: str = ""


@dataclass
class FakeCheckRun:
    id: int
    sha: str
    name: str
    run_id: int
    suite_id: int
    attempt: int
    conclusion: str | None
    log: str
    title: str = ""
    app: str = "github-actions"

    @property
    def status(self) -> str:
        return "completed" if self.conclusion is not None else "in_progress"


Workflow = Callable[[str, int], list[FakeJob]]


@dataclass
class FakeChecks:
    workflow: Workflow | None = None
    """The repository's CI: jobs per (head sha, attempt); None means no Actions workflow."""
    runs: dict[int, FakeCheckRun] = field(default_factory=dict)
    statuses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    required: dict[str, list[str]] = field(default_factory=dict)
    """Branch -> required status check contexts (branch protection)."""
    reruns: list[int] = field(default_factory=list)
    """Workflow run ids whose failed jobs a client asked to re-run."""
    log_downloads: list[dict[str, str]] = field(default_factory=list)
    """Headers of each log download (a client must not send its token to the blob host)."""
    started: set[str] = field(default_factory=set)
    next_id: int = 7000
    signature: str = field(default_factory=lambda: secrets.token_hex(8))

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id

    def trigger(self, sha: str) -> None:
        """The workflow's first attempt on `sha` (once, like a push event)."""
        if self.workflow is None or sha in self.started:
            return
        self.started.add(sha)
        run_id, suite_id = self._id(), self._id()
        for job in self.workflow(sha, 1):
            self._add(sha, job, run_id=run_id, suite_id=suite_id, attempt=1)

    def add_run(self, sha: str, job: FakeJob, *, app: str = "github-actions") -> FakeCheckRun:
        """One more check run on `sha`, outside any workflow (another app's check)."""
        return self._add(sha, job, run_id=self._id(), suite_id=self._id(), attempt=1, app=app)

    def _add(
        self,
        sha: str,
        job: FakeJob,
        *,
        run_id: int,
        suite_id: int,
        attempt: int,
        app: str = "github-actions",
    ) -> FakeCheckRun:
        run = FakeCheckRun(
            id=self._id(),
            sha=sha,
            name=job.name,
            run_id=run_id,
            suite_id=suite_id,
            attempt=attempt,
            conclusion=job.conclusion,
            log=job.log,
            title=job.title,
            app=app,
        )
        self.runs[run.id] = run
        return run

    def add_status(self, sha: str, context: str, state: str, description: str = "") -> None:
        """A commit status (`POST /statuses/{sha}` by some CI service)."""
        self.statuses.setdefault(sha, []).append(
            {"context": context, "state": state, "description": description}
        )

    def protect(self, branch: str, contexts: list[str]) -> None:
        """Branch protection requiring these status checks."""
        self.required[branch] = list(contexts)

    def latest(self, sha: str) -> list[FakeCheckRun]:
        """GitHub's `filter=latest`: the newest attempt of each check name."""
        newest: dict[str, FakeCheckRun] = {}
        for run in sorted(self.runs.values(), key=lambda r: r.id):
            if run.sha == sha:
                newest[run.name] = run
        return list(newest.values())

    def merge_refusal(self, base: str, sha: str | None) -> str | None:
        """GitHub's 405 message when branch protection's required checks are not all green
        on the head (a required check that never reported is "expected")."""
        runs = {run.name: run.conclusion for run in self.latest(sha or "")}
        states = {status["context"]: status["state"] for status in self.statuses.get(sha or "", [])}
        for name in self.required.get(base, []):
            outcome = runs.get(name, states.get(name))
            if outcome in (None, "pending"):
                return f'Required status check "{name}" is expected.'
            if outcome not in _PASSING:
                return f'Required status check "{name}" is failing.'
        return None

    def rerun_failed(self, run_id: int) -> bool:
        """`POST /actions/runs/{id}/rerun-failed-jobs`: False while the run is in progress."""
        jobs = [run for run in self.runs.values() if run.run_id == run_id]
        if not jobs:
            return False
        newest: dict[str, FakeCheckRun] = {}
        for run in sorted(jobs, key=lambda r: r.id):
            newest[run.name] = run
        if any(run.conclusion is None for run in newest.values()):
            return False
        self.reruns.append(run_id)
        sha = jobs[0].sha
        attempt = max(run.attempt for run in jobs) + 1
        failed = {name for name, run in newest.items() if run.conclusion not in _PASSING}
        produced = {job.name: job for job in (self.workflow(sha, attempt) if self.workflow else [])}
        for name in sorted(failed):
            before = newest[name]
            job = produced.get(name) or FakeJob(name, before.conclusion, before.log, before.title)
            self._add(sha, job, run_id=run_id, suite_id=before.suite_id, attempt=attempt)
        return True


_PASSING = {"success", "neutral", "skipped"}


def _time(_run: FakeCheckRun) -> str:
    return "2026-01-01T00:00:00Z"


def check_run_json(hub: FakeGitHub, run: FakeCheckRun) -> dict[str, Any]:
    repo = f"{hub.api_url}/repos/{hub_owner(hub)}"
    return {
        "id": run.id,
        "node_id": f"CR_{run.id}",
        "head_sha": run.sha,
        "external_id": str(run.id),
        "url": f"{repo}/check-runs/{run.id}",
        "html_url": f"{hub.base}/{hub_owner(hub)}/runs/{run.id}",
        "details_url": f"{hub.base}/{hub_owner(hub)}/actions/runs/{run.run_id}/job/{run.id}",
        "status": run.status,
        "conclusion": run.conclusion,
        "started_at": _time(run),
        "completed_at": _time(run) if run.conclusion is not None else None,
        "output": {
            "title": run.title or None,
            "summary": None,
            "text": None,
            "annotations_count": 0,
            "annotations_url": f"{repo}/check-runs/{run.id}/annotations",
        },
        "name": run.name,
        "check_suite": {"id": run.suite_id},
        "app": {
            "id": 15368 if run.app == "github-actions" else 99,
            "slug": run.app,
            "name": "GitHub Actions" if run.app == "github-actions" else run.app,
            "owner": {"login": "github", "id": 9919, "type": "Organization"},
        },
        "pull_requests": pulls_of(hub, run.sha),
    }


def pulls_of(hub: FakeGitHub, sha: str) -> list[dict[str, Any]]:
    """The open pull requests whose head is `sha`, in a check run's minimal shape."""
    found = []
    for number, pull in sorted(hub.pulls.items()):
        if pull["state"] == "open" and hub.sha_of(pull["head"]) == sha:
            repo = {"id": 1, "url": f"{hub.api_url}/repos/{hub_owner(hub)}", "name": "app"}
            found.append(
                {
                    "id": 1000 + number,
                    "number": number,
                    "url": f"{hub.api_url}/repos/{hub_owner(hub)}/pulls/{number}",
                    "head": {"ref": pull["head"], "sha": sha, "repo": repo},
                    "base": {"ref": pull["base"], "sha": hub.sha_of(pull["base"]), "repo": repo},
                }
            )
    return found


def job_json(hub: FakeGitHub, run: FakeCheckRun) -> dict[str, Any]:
    repo = f"{hub.api_url}/repos/{hub_owner(hub)}"
    return {
        "id": run.id,
        "run_id": run.run_id,
        "run_url": f"{repo}/actions/runs/{run.run_id}",
        "run_attempt": run.attempt,
        "node_id": f"CR_{run.id}",
        "head_sha": run.sha,
        "url": f"{repo}/actions/jobs/{run.id}",
        "html_url": f"{hub.base}/{hub_owner(hub)}/actions/runs/{run.run_id}/job/{run.id}",
        "status": run.status,
        "conclusion": run.conclusion,
        "created_at": _time(run),
        "started_at": _time(run),
        "completed_at": _time(run) if run.conclusion is not None else None,
        "name": run.name,
        "steps": [],
        "check_run_url": f"{repo}/check-runs/{run.id}",
        "labels": ["ubuntu-latest"],
        "runner_id": 1,
        "runner_name": "GitHub Actions 1",
        "runner_group_id": 1,
        "runner_group_name": "GitHub Actions",
        "workflow_name": "CI",
    }


def hub_owner(hub: FakeGitHub) -> str:
    return str(hub.repo_json()["full_name"])


def log_text(run: FakeCheckRun) -> str:
    """The log as GitHub serves it: each line prefixed with its timestamp."""
    lines = run.log.splitlines() or [""]
    return "".join(f"2026-01-01T00:00:0{i % 10}.0000000Z {line}\n" for i, line in enumerate(lines))


def route_checks(
    hub: FakeGitHub, method: str, rest: str, query: dict[str, list[str]]
) -> tuple[int, Any, dict[str, str]] | None:
    """(status, JSON payload, headers) for a CI endpoint under `/repos/o/r`, else None."""
    checks = hub.checks
    if (match := re.fullmatch(r"/commits/([^/]+)", rest)) and method == "GET":
        sha = hub.resolve(match.group(1))
        if sha is None:
            return 422, {"message": f"No commit found for SHA: {match.group(1)}"}, {}
        return 200, {"sha": sha, "url": f"{hub.api_url}/repos/{hub_owner(hub)}/commits/{sha}"}, {}
    if (match := re.fullmatch(r"/commits/([^/]+)/check-runs", rest)) and method == "GET":
        sha = hub.resolve(match.group(1))
        if sha is None:
            return 422, {"message": f"No commit found for SHA: {match.group(1)}"}, {}
        checks.trigger(sha)
        every = query.get("filter", ["latest"])[0] == "all"
        runs = [r for r in checks.runs.values() if r.sha == sha] if every else checks.latest(sha)
        listed = [check_run_json(hub, run) for run in sorted(runs, key=lambda r: r.id)]
        return 200, {"total_count": len(listed), "check_runs": listed}, {}
    if (match := re.fullmatch(r"/commits/([^/]+)/status", rest)) and method == "GET":
        sha = hub.resolve(match.group(1))
        if sha is None:
            return 422, {"message": f"No commit found for SHA: {match.group(1)}"}, {}
        latest: dict[str, dict[str, Any]] = {}
        for number, status in enumerate(checks.statuses.get(sha, []), start=1):
            latest[status["context"]] = {
                "id": number,
                "url": f"{hub.api_url}/repos/{hub_owner(hub)}/statuses/{sha}",
                "state": status["state"],
                "description": status["description"] or None,
                "target_url": f"{hub.base}/ci/{status['context']}",
                "context": status["context"],
                "created_at": "2026-01-01T00:00:00Z",
                "updated_at": "2026-01-01T00:00:00Z",
            }
        states = [s["state"] for s in latest.values()]
        combined = (
            "failure"
            if {"failure", "error"} & set(states)
            else "pending"
            if "pending" in states or not states
            else "success"
        )
        return (
            200,
            {
                "state": combined,
                "statuses": list(latest.values()),
                "sha": sha,
                "total_count": len(latest),
                "repository": hub.repo_json(),
                "commit_url": f"{hub.api_url}/repos/{hub_owner(hub)}/commits/{sha}",
                "url": f"{hub.api_url}/repos/{hub_owner(hub)}/commits/{sha}/status",
            },
            {},
        )
    if (match := re.fullmatch(r"/check-runs/(\d+)", rest)) and method == "GET":
        run = checks.runs.get(int(match.group(1)))
        if run is None:
            return 404, {"message": "Not Found"}, {}
        return 200, check_run_json(hub, run), {}
    if (match := re.fullmatch(r"/actions/jobs/(\d+)", rest)) and method == "GET":
        run = checks.runs.get(int(match.group(1)))
        if run is None or run.app != "github-actions":
            return 404, {"message": "Not Found"}, {}
        return 200, job_json(hub, run), {}
    if (match := re.fullmatch(r"/actions/jobs/(\d+)/logs", rest)) and method == "GET":
        run = checks.runs.get(int(match.group(1)))
        if run is None or run.app != "github-actions":
            return 404, {"message": "Not Found"}, {}
        where = f"{hub.base}{LOG_PATH}{run.id}?sig={checks.signature}"
        return 302, None, {"Location": where}
    if (match := re.fullmatch(r"/actions/runs/(\d+)", rest)) and method == "GET":
        run_id = int(match.group(1))
        jobs = [r for r in checks.runs.values() if r.run_id == run_id]
        if not jobs:
            return 404, {"message": "Not Found"}, {}
        return (
            200,
            {
                "id": run_id,
                "head_sha": jobs[0].sha,
                "status": "completed" if all(j.conclusion for j in jobs) else "in_progress",
                "url": f"{hub.api_url}/repos/{hub_owner(hub)}/actions/runs/{run_id}",
                "run_attempt": max(j.attempt for j in jobs),
            },
            {},
        )
    if (match := re.fullmatch(r"/actions/runs/(\d+)/rerun-failed-jobs", rest)) and method == "POST":
        run_id = int(match.group(1))
        if not any(r.run_id == run_id for r in checks.runs.values()):
            return 404, {"message": "Not Found"}, {}
        if not checks.rerun_failed(run_id):
            return 403, {"message": "This workflow is already running"}, {}
        return 201, {}, {}
    if (match := re.fullmatch(r"/check-suites/(\d+)/rerequest", rest)) and method == "POST":
        suite = int(match.group(1))
        runs = [r for r in checks.runs.values() if r.suite_id == suite]
        if not runs:
            return 404, {"message": "Not Found"}, {}
        checks.rerun_failed(runs[0].run_id)
        return 201, {}, {}
    if (match := re.fullmatch(r"/branches/([^/]+)", rest)) and method == "GET":
        branch = match.group(1)
        sha = hub.sha_of(branch)
        if sha is None:
            return 404, {"message": "Branch not found"}, {}
        base = f"{hub.api_url}/repos/{hub_owner(hub)}/branches/{branch}"
        return (
            200,
            {
                "name": branch,
                "commit": {
                    "sha": sha,
                    "url": f"{hub.api_url}/repos/{hub_owner(hub)}/commits/{sha}",
                },
                "protected": branch in checks.required,
                "protection_url": f"{base}/protection",
            },
            {},
        )
    if (
        match := re.fullmatch(r"/branches/([^/]+)/protection/required_status_checks", rest)
    ) and method == "GET":
        branch = match.group(1)
        if branch not in checks.required:
            return 404, {"message": "Branch not protected"}, {}
        base = f"{hub.api_url}/repos/{hub_owner(hub)}/branches/{branch}/protection"
        contexts = checks.required[branch]
        return (
            200,
            {
                "url": f"{base}/required_status_checks",
                "strict": False,
                "contexts": contexts,
                "contexts_url": f"{base}/required_status_checks/contexts",
                "checks": [{"context": name, "app_id": None} for name in contexts],
            },
            {},
        )
    return None


def serve_log(hub: FakeGitHub, path: str, query: dict[str, list[str]]) -> tuple[int, bytes]:
    """The signed download a job log's 302 points at: plain text, no API token needed."""
    run = hub.checks.runs.get(int(path.removeprefix(LOG_PATH) or 0))
    if run is None or query.get("sig", [""])[0] != hub.checks.signature:
        return 403, b"AuthenticationFailed"
    return 200, log_text(run).encode()
