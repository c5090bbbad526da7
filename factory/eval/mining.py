"""Mining: past changes of the base branch turned into validated eval tasks.

Candidates are the commits of the base branch's first-parent history (a merge commit stands
for the whole pull request it merged) that touch both code and tests (`test_files.py`
decides which is which). Each one's parent is the task's `base_commit`; its diff splits into
`patch` (code) and `test_patch` (tests). Its problem statement is the linked pull request or
issue on GitHub, read through the forge client and the GitHub ticket source; otherwise the
commit message, and the task says so (`evidence = commit_message`: weaker evidence, since
whoever wrote it already had the fix). `validation.py` then runs the tests in the sandbox.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from factory.config import FactoryConfig, RepoConfig
from factory.config.forges import GITHUB_TOKEN_ENV
from factory.config.settings import Secrets
from factory.eval.tasks import EvalTask, Evidence
from factory.eval.test_files import is_test_file
from factory.eval.validation import ValidationResult, validate_candidate
from factory.forges.base import Forge, ForgeError
from factory.forges.build import MissingForgeToken, repo_forge
from factory.git import ensure_clone
from factory.git.base_branch import base_branch_of
from factory.git.base_reader import resolve_base
from factory.git.command import GitError, factory_git, run_git
from factory.run.setup import SetupError
from factory.store import Store
from factory.support.errors import FactoryError
from factory.tickets.github import GitHubIssueSource
from factory.tickets.model import TicketError

_MERGED_PR = re.compile(r"^Merge pull request #(\d+)\b|\(#(\d+)\)\s*$", re.MULTILINE)
_CLOSES = re.compile(r"\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\s+#(\d+)\b", re.IGNORECASE)
Progress = Callable[[str], None]


class MiningError(FactoryError, ValueError):
    """Mining cannot start as asked; the message says what to change."""

    code = "bad_input"


class Candidate(BaseModel):
    """A commit of the base branch that changed both code and tests."""

    model_config = ConfigDict(frozen=True)

    sha: str
    parent: str
    message: str
    committed_at: datetime
    code_files: list[str]
    test_files: list[str]


class MinedCandidate(BaseModel):
    """What mining made of one candidate: a task, or the reason it was dropped."""

    instance_id: str
    sha: str
    task: EvalTask | None = None
    dropped: str | None = None
    test_runs: int = 0
    seconds: float = 0.0


class MiningReport(BaseModel):
    repo: str
    commits_walked: int = 0
    candidates: list[MinedCandidate] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    """What limited the mining (no GitHub token: problem statements from commit messages...)."""
    seconds: float = 0.0

    @property
    def tasks(self) -> list[EvalTask]:
        return [c.task for c in self.candidates if c.task is not None]

    @property
    def dropped(self) -> list[MinedCandidate]:
        return [c for c in self.candidates if c.task is None]


def instance_id_for(repo: str, sha: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", repo).strip("-") or "repo"
    return f"{safe}__{sha[:12]}"


def find_candidates(
    clone: Path, base_ref: str, *, since: datetime | None, limit: int | None
) -> tuple[list[Candidate], int]:
    """Newest first: first-parent commits of `base_ref` touching code and tests, and how many
    commits were walked to find them."""
    runner = factory_git(clone)
    args = ["log", "--first-parent", "--format=%H%x00%P%x00%cI%x00%B%x1e"]
    if since is not None:
        args.append(f"--since={since.isoformat()}")
    log = run_git(runner, *args, base_ref, action="read the base branch's history", strip=False)
    candidates: list[Candidate] = []
    walked = 0
    for entry in log.split("\x1e"):
        fields = entry.strip("\n").split("\0")
        if len(fields) < 4 or not fields[0]:
            continue
        walked += 1
        sha, parents, stamp, message = fields[0], fields[1].split(), fields[2], fields[3]
        if not parents:
            continue  # the root commit has no base to start from
        names = run_git(
            runner,
            "diff",
            "--name-only",
            "--no-renames",
            parents[0],
            sha,
            action="list the change's files",
        ).splitlines()
        tests = [name for name in names if is_test_file(name)]
        code = [name for name in names if name not in set(tests)]
        if not tests or not code:
            continue
        candidates.append(
            Candidate(
                sha=sha,
                parent=parents[0],
                message=message.strip(),
                committed_at=datetime.fromisoformat(stamp),
                code_files=code,
                test_files=tests,
            )
        )
        if limit is not None and len(candidates) >= limit:
            break
    return candidates, walked


def split_change(clone: Path, candidate: Candidate) -> tuple[str, str]:
    """(patch, test_patch): the candidate's diff against its parent, code and tests apart."""
    runner = factory_git(clone)

    def diff(paths: list[str]) -> str:
        return run_git(
            runner,
            "diff",
            "--binary",
            "--no-renames",
            "--full-index",
            candidate.parent,
            candidate.sha,
            "--",
            *paths,
            action="diff the change",
            strip=False,
        )

    return diff(candidate.code_files), diff(candidate.test_files)


class StatementFinder:
    """The linked pull request or issue on GitHub, else the commit message."""

    def __init__(self, repo: RepoConfig, forge: Forge | None, issues: GitHubIssueSource | None):
        self.repo = repo
        self.forge = forge
        self.issues = issues

    def find(self, candidate: Candidate) -> tuple[str, Evidence]:
        text = candidate.message
        if self.forge is not None and self.repo.github is not None:
            pr_match = _MERGED_PR.search(candidate.message)
            if pr_match is not None:
                number = int(pr_match.group(1) or pr_match.group(2))
                try:
                    pull = self.forge.get_pull_request(number)
                except ForgeError:
                    pull = None
                if pull is not None:
                    issue = self._linked_issue(f"{pull.title}\n{pull.body}")
                    if issue is not None:
                        return issue, "issue"
                    return f"{pull.title}\n\n{pull.body}".strip(), "pull_request"
            issue = self._linked_issue(text)
            if issue is not None:
                return issue, "issue"
        return text, "commit_message"

    def _linked_issue(self, text: str) -> str | None:
        if self.issues is None or self.repo.github is None:
            return None
        for match in _CLOSES.finditer(text):
            try:
                ticket = self.issues.fetch(f"{self.repo.github}#{match.group(1)}")
            except TicketError:
                continue
            return f"{ticket.title}\n\n{ticket.body}".strip()
        return None


def mine_repo(
    config: FactoryConfig,
    store: Store,
    name: str,
    *,
    since: datetime | None = None,
    limit: int | None = None,
    repeats: int = 2,
    progress: Progress = lambda _line: None,
) -> MiningReport:
    """Find, split and validate candidates of repository `name`; store tasks and drops."""
    if name not in config.repos:
        known = ", ".join(sorted(config.repos)) or "none configured"
        raise MiningError(f"unknown repository {name!r}: name one from factory.toml ({known})")
    repo = config.repos[name]
    started = time.perf_counter()
    report = MiningReport(repo=name)
    try:
        forge = repo_forge(config, store.pull_requests, name)
    except MissingForgeToken as missing:
        raise SetupError(str(missing)) from missing
    source, env = forge.clone_source()
    try:
        clone = ensure_clone(source, config.factory.data_dir / "clones", env=env)
        base_ref = resolve_base(factory_git(clone), clone, base_branch_of(repo))
        candidates, report.commits_walked = find_candidates(
            clone, base_ref, since=since, limit=limit
        )
    except GitError as error:
        raise MiningError(f"{name}: {error}") from error
    finder = StatementFinder(repo, forge if repo.github else None, _issue_source(repo, report))
    progress(f"{len(candidates)} candidates in {report.commits_walked} commits of {name}")
    for candidate in candidates:
        mined = _mine_one(config, repo, name, clone, candidate, finder, repeats)
        report.candidates.append(mined)
        if mined.task is not None:
            task = mined.task
            store.evals.save_task(
                name,
                task.instance_id,
                base_commit=task.base_commit,
                source_commit=candidate.sha,
                patch=task.patch,
                test_patch=task.test_patch,
                problem_statement=task.problem_statement,
                evidence=task.evidence,
                fail_to_pass=_json(task.FAIL_TO_PASS),
                pass_to_pass=_json(task.PASS_TO_PASS),
                status="valid",
                drop_reason=None,
            )
            progress(f"{mined.instance_id}: task ({len(task.FAIL_TO_PASS)} fail-to-pass)")
        else:
            patch, test_patch = split_change(clone, candidate)
            store.evals.save_task(
                name,
                mined.instance_id,
                base_commit=candidate.parent,
                source_commit=candidate.sha,
                patch=patch,
                test_patch=test_patch,
                problem_statement=candidate.message,
                evidence="commit_message",
                fail_to_pass="[]",
                pass_to_pass="[]",
                status="dropped",
                drop_reason=mined.dropped,
            )
            progress(f"{mined.instance_id}: dropped ({mined.dropped})")
    report.seconds = time.perf_counter() - started
    return report


def _mine_one(
    config: FactoryConfig,
    repo: RepoConfig,
    name: str,
    clone: Path,
    candidate: Candidate,
    finder: StatementFinder,
    repeats: int,
) -> MinedCandidate:
    began = time.perf_counter()
    instance_id = instance_id_for(name, candidate.sha)
    patch, test_patch = split_change(clone, candidate)
    statement, evidence = finder.find(candidate)
    result: ValidationResult = validate_candidate(
        config,
        repo,
        clone,
        base_commit=candidate.parent,
        patch=patch,
        test_patch=test_patch,
        repeats=repeats,
        label=instance_id,
    )
    mined = MinedCandidate(
        instance_id=instance_id,
        sha=candidate.sha,
        test_runs=result.test_runs,
        seconds=time.perf_counter() - began,
    )
    if result.dropped is not None:
        return mined.model_copy(update={"dropped": result.dropped})
    if not statement.strip():
        return mined.model_copy(update={"dropped": "no problem statement: empty commit message"})
    task = EvalTask(
        instance_id=instance_id,
        repo=name,
        base_commit=candidate.parent,
        patch=patch,
        test_patch=test_patch,
        problem_statement=statement,
        FAIL_TO_PASS=result.fail_to_pass,
        PASS_TO_PASS=result.pass_to_pass,
        evidence=evidence,
    )
    return mined.model_copy(update={"task": task})


def _issue_source(repo: RepoConfig, report: MiningReport) -> GitHubIssueSource | None:
    if repo.github is None:
        return None
    token = Secrets.from_env().github_token
    if token is None:
        report.notes.append(
            f"{GITHUB_TOKEN_ENV} is not set: linked issues are not read, so problem "
            "statements come from pull requests or commit messages"
        )
        return None
    from factory.forges.github_client import github_api_url

    return GitHubIssueSource(token.get_secret_value(), api_url=github_api_url())


def _json(items: list[str]) -> str:
    return json.dumps(items)
