"""Preflight of each repository: its path, commits and base branch (detected when omitted),
its policies with their parameters, and the files on its base branch that will govern runs
(its own factory.toml, `.factory/policies/*.py`, CODEOWNERS)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from factory.checks.findings import CheckFinding
from factory.config.errors import ConfigError, key_path
from factory.config.settings import RepoConfig, Secrets

if TYPE_CHECKING:
    import git


def repository_findings(name: str, repo: RepoConfig, *, offline: bool) -> list[CheckFinding]:
    """What is wrong with repository `name`; an omitted base branch is detected on the way."""
    findings: list[CheckFinding] = []
    if repo.path is not None:
        findings += _local_repository(name, repo)
    elif repo.github is not None:
        findings += _github_repository(name, repo, offline=offline)
    findings += _policies(name, repo)
    if any(finding.severity == "error" for finding in findings):
        return findings  # the base branch's files can only be read from a usable repository
    if repo.path is not None and repo.base_branch is not None:
        findings += _base_branch_files(name, repo)
    return findings


def _local_repository(name: str, repo: RepoConfig) -> list[CheckFinding]:
    from factory.git.base_branch import detect_base_branch
    from factory.git.command import GitError, factory_git, run_git

    assert repo.path is not None
    key = key_path(("repos", name, "path"))
    path = repo.path
    if not path.exists():
        return [CheckFinding(key=key, detail=f'"{path}" does not exist', fix="fix the path")]
    if not path.is_dir():
        return [CheckFinding(key=key, detail=f'"{path}" is not a directory', fix="fix the path")]
    runner = factory_git(path)
    try:
        top = run_git(runner, "rev-parse", "--show-toplevel", action="find the repository")
    except GitError:
        return [
            CheckFinding(
                key=key,
                detail=f'"{path}" is not a git repository',
                fix="run `git init` there and commit, or fix the path",
            )
        ]
    if Path(top).resolve() != path.resolve():
        return [
            CheckFinding(
                key=key,
                detail=f'"{path}" is inside the git repository {top}, not its top',
                fix=f'use path = "{top}"',
            )
        ]
    try:
        has_commit = bool(run_git(runner, "rev-list", "-n", "1", "--all", action="find commits"))
    except GitError:
        has_commit = False
    if not has_commit:
        return [
            CheckFinding(
                key=key,
                detail=f'"{path}" has no commit yet',
                fix="commit something first: branches start from the base branch's last commit",
            )
        ]
    branch_key = key_path(("repos", name, "base_branch"))
    findings: list[CheckFinding] = []
    if repo.base_branch is None:
        detected = detect_base_branch(path)
        if detected is None:
            return [
                CheckFinding(
                    key=branch_key,
                    detail="not set, and it cannot be detected (no origin HEAD, HEAD detached)",
                    fix="set base_branch to the branch pull requests should target",
                )
            ]
        repo.base_branch = detected[0]
        findings.append(
            CheckFinding(
                key=branch_key,
                detail=f'not set; detected "{detected[0]}" (from {detected[1]})',
                fix="set base_branch to choose another",
                severity="note",
            )
        )
    branches = _local_branches(runner)
    if repo.base_branch not in branches:
        known = ", ".join(sorted(branches)[:10]) or "none"
        findings.append(
            CheckFinding(
                key=branch_key,
                detail=f'"{repo.base_branch}" is not a branch of {path} (branches: {known})',
                fix="set base_branch to an existing branch",
            )
        )
    return findings


def _local_branches(runner: git.Git) -> set[str]:
    from factory.git.command import GitError, run_git

    try:
        listing = run_git(
            runner,
            "for-each-ref",
            "--format=%(refname:short)",
            "refs/heads/",
            action="list branches",
        )
    except GitError:
        return set()
    return {line.strip() for line in listing.splitlines() if line.strip()}


def _github_repository(name: str, repo: RepoConfig, *, offline: bool) -> list[CheckFinding]:
    key = key_path(("repos", name, "github"))
    if Secrets.from_env().github_token is None:
        return [
            CheckFinding(
                key=key,
                detail=f'"{repo.github}" is on GitHub, but GITHUB_TOKEN is not set',
                fix="export GITHUB_TOKEN with access to it (or use `path` for a local repository)",
            )
        ]
    if repo.base_branch is not None:
        return []
    branch_key = key_path(("repos", name, "base_branch"))
    if offline:
        return [
            CheckFinding(
                key=branch_key,
                detail="not set; detected from GitHub's default branch when a run starts",
                fix="set base_branch to fix it now",
                severity="note",
            )
        ]
    default, problem = _github_default_branch(repo.github or "")
    if default is None:
        return [
            CheckFinding(
                key=branch_key,
                detail=f"not set, and GitHub's default branch could not be read ({problem})",
                fix="set base_branch, or check GITHUB_TOKEN and the repository name",
                kind="environment",
            )
        ]
    repo.base_branch = default
    return [
        CheckFinding(
            key=branch_key,
            detail=f'not set; detected "{default}" (GitHub\'s default branch)',
            fix="set base_branch to choose another",
            severity="note",
        )
    ]


def _github_default_branch(full_name: str) -> tuple[str | None, str]:
    from github import GithubException

    from factory.forges.github_client import github_api_url, github_client

    token = Secrets.from_env().github_token
    api_url = github_api_url(os.environ)
    try:
        client = github_client(token.get_secret_value() if token else None, api_url)
        return client.get_repo(full_name).default_branch, ""
    except GithubException as exc:
        return None, f"GitHub answered {exc.status}"
    except Exception as exc:  # network errors of every kind: the message is what matters
        return None, f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"


def _policies(name: str, repo: RepoConfig) -> list[CheckFinding]:
    """Every policy name known and its parameters valid for that policy's own model."""
    from policies.builtin import build_builtin
    from policies.errors import PolicyConfigError
    from policies.evaluation import effective_specs
    from policies.loader import is_import_reference, is_repo_policy_path, split_policy_path

    findings: list[CheckFinding] = []
    listed = {id(spec): index for index, spec in enumerate(repo.policies)}
    for spec in effective_specs(repo.policies, repo.protected_paths):
        index = listed.get(id(spec))
        key = key_path(
            ("repos", name, "policies", index) if index is not None else ("repos", name, "policies")
        )
        try:
            if is_repo_policy_path(spec.name):
                split_policy_path(spec.name)
            elif is_import_reference(spec.name):
                findings += _imported_policy(key, spec.name)
            elif "/" in spec.name or spec.name.endswith(".py"):
                raise PolicyConfigError(
                    f"policy {spec.name!r}: a repository's own policy files must live under "
                    ".factory/policies/ (e.g. '.factory/policies/no_friday.py')"
                )
            else:
                build_builtin(spec.name, spec.params)
        except PolicyConfigError as exc:
            findings.append(CheckFinding(key=key, detail=str(exc)))
    return findings


def _imported_policy(key: str, name: str) -> list[CheckFinding]:
    import importlib

    module_name, _, attribute = name.partition(":")
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        return [
            CheckFinding(
                key=key,
                detail=f'policy "{name}": module {module_name!r} cannot be imported '
                f"({type(exc).__name__}: {exc})",
                fix="install the package that provides it, or fix the name",
            )
        ]
    if not callable(getattr(module, attribute, None)):
        return [
            CheckFinding(
                key=key,
                detail=f'policy "{name}": {module_name} has no callable {attribute!r}',
                fix="name a function that takes the gate context",
            )
        ]
    return []


def _base_branch_files(name: str, repo: RepoConfig) -> list[CheckFinding]:
    """The repository's own factory.toml, policy files and CODEOWNERS, as the base branch has
    them (what will govern the run)."""
    from factory.config.repo_settings import governing_repo_config
    from factory.gate.owners import CODEOWNERS_PATHS, codeowners_problems
    from factory.git import read_from_base
    from factory.git.command import GitError
    from policies.evaluation import repo_policy_paths

    assert repo.path is not None and repo.base_branch is not None
    findings: list[CheckFinding] = []
    where = f'{repo.path}, branch "{repo.base_branch}"'
    try:
        own = read_from_base(repo.path, repo.base_branch, "factory.toml")
        governing = governing_repo_config(repo, own, name)
        for policy_path in repo_policy_paths(governing.policies):
            source = read_from_base(repo.path, repo.base_branch, policy_path)
            key = key_path(("repos", name, "policies"))
            if source is None:
                findings.append(
                    CheckFinding(
                        key=key,
                        detail=f"policy file {policy_path} is not on the base branch ({where})",
                        fix="commit it to the base branch, or remove it from the list",
                    )
                )
                continue
            try:
                compile(source, policy_path, "exec")
            except SyntaxError as exc:
                findings.append(
                    CheckFinding(
                        key=key,
                        detail=f"policy file {policy_path}:{exc.lineno}: syntax error: {exc.msg}",
                        fix="fix the file on the base branch",
                    )
                )
        findings += _policies(name, governing)
        for owners_path in CODEOWNERS_PATHS:
            text = read_from_base(repo.path, repo.base_branch, owners_path)
            if text is None:
                continue
            findings += [
                CheckFinding(
                    key=key_path(("repos", name)),
                    detail=f"{owners_path} on the base branch: {problem}",
                    fix="fix that line of the file",
                )
                for problem in codeowners_problems(text)
            ]
            break
    except ConfigError as exc:
        findings.append(CheckFinding(key=key_path(("repos", name)), detail=str(exc)))
    except GitError as exc:
        findings.append(
            CheckFinding(
                key=key_path(("repos", name, "base_branch")), detail=str(exc), kind="config"
            )
        )
    return _unique(findings)


def _unique(findings: Iterable[CheckFinding]) -> list[CheckFinding]:
    return list(dict.fromkeys(findings))
