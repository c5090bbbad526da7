"""`factory init`: a commented `[repos."<name>"]` section for a repository, detected from git.

The section is written so a newcomer can read what each key does and what to change; it is
validated (alone and together with the file it joins) before anything is written, and an
existing section of the same name is never overwritten.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import git
from pydantic import BaseModel, ConfigDict

from agents.test_report import detect_test_command
from factory.config import ConfigError, parse_config
from factory.git.base_branch import BaseBranchSource, detect_with
from factory.git.command import GitError, factory_git, run_git
from factory.support.errors import FactoryError

NO_TEST_COMMAND = "echo 'set test_command in factory.toml' >&2; exit 1"
"""Written when no test runner is detected: runs fail loudly until a person sets it."""

_GITHUB_ORIGIN = re.compile(
    r"^(?:https://(?:[^@/]+@)?github\.com/|git@github\.com:|ssh://git@github\.com/)"
    r"(?P<repo>[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+?)(?:\.git)?/?$"
)


class InitError(FactoryError, ValueError):
    """`factory init` cannot do what was asked; the message says what to do instead."""


class RepoDetection(BaseModel):
    """What `factory init` found out about a repository."""

    model_config = ConfigDict(frozen=True)

    name: str
    path: Path
    base_branch: str
    base_branch_source: BaseBranchSource
    test_command: str | None
    """None when no runner was recognised (the section then carries a placeholder)."""
    github: str | None
    """`owner/name` when origin is a github.com URL."""


class InitResult(BaseModel):
    """The section `factory init` produced and where it went (None when only printed)."""

    model_config = ConfigDict(frozen=True)

    detection: RepoDetection
    section: str
    written_to: Path | None


def detect_repo(path: Path, name: str | None = None) -> RepoDetection:
    """Base branch, test command and GitHub name of the git repository at (or above) `path`."""
    if not path.is_dir():
        raise InitError(f"{path} is not a directory; pass the path of a git checkout")
    runner = factory_git(path.resolve())
    try:
        top = Path(run_git(runner, "rev-parse", "--show-toplevel", action="find the repository"))
    except GitError:
        raise InitError(
            f"{path} is not inside a git repository; run `git init` there first "
            "or pass the path of a checkout"
        ) from None
    runner = factory_git(top)
    base, source = _base_branch(runner)
    return RepoDetection(
        name=name or top.name,
        path=top,
        base_branch=base,
        base_branch_source=source,
        test_command=detect_test_command(top),
        github=_github_name(runner),
    )


def _base_branch(runner: git.Git) -> tuple[str, BaseBranchSource]:
    """origin's HEAD, else the checked-out branch (even before its first commit), else main:
    the section is written out, so a detached checkout gets a value the user can see and edit."""
    return detect_with(runner) or ("main", "default")


def _github_name(runner: git.Git) -> str | None:
    url = _maybe(runner, "remote", "get-url", "origin")
    match = _GITHUB_ORIGIN.match(url.strip()) if url else None
    return match.group("repo") if match else None


def _maybe(runner: git.Git, *args: str) -> str | None:
    """git's answer, or None when git says there is none."""
    try:
        return run_git(runner, *args, action=f"run git {args[0]}")
    except GitError:
        return None


def render_section(detection: RepoDetection, config_dir: Path, *, local: bool = False) -> str:
    """The commented TOML section; `path` is relative to the config file when it can be."""
    name = _quote(detection.name)
    use_github = detection.github is not None and not local
    try:  # inside the config's folder: relative, so the pair can move together
        path = detection.path.relative_to(config_dir.resolve()).as_posix() or "."
    except ValueError:
        path = str(detection.path)
    path_line = f"path = {_quote(path)}"
    test_command = detection.test_command or NO_TEST_COMMAND
    lines = [
        f"# Written by `factory init` for {detection.path}.",
        f"[repos.{name}]",
    ]
    if use_github:
        lines += [
            "# Pull requests go to GitHub (the token comes from GITHUB_TOKEN, never this file).",
            f"github = {_quote(detection.github or '')}",
            "# Or keep pull requests in the factory's local forge (`factory pr ...`) instead:",
            f"# {path_line}",
        ]
    else:
        lines += [
            "# The repository on disk; pull requests stay in the factory (`factory pr ...`).",
            path_line,
        ]
        if detection.github is not None:
            lines += [
                "# Or open pull requests on GitHub (needs GITHUB_TOKEN) instead of `path`:",
                f"# github = {_quote(detection.github)}",
            ]
    lines += [
        f"# Branches start from here (detected from {detection.base_branch_source}).",
        f"base_branch = {_quote(detection.base_branch)}",
    ]
    if detection.test_command is None:
        lines.append("# TODO: no test runner was detected; put the command that runs your tests.")
    else:
        lines.append("# Runs in the sandbox; decides whether a change is green (detected).")
    lines += [
        f"test_command = {_quote(test_command)}",
        "# Commands run once, with network, before the agents start (then the network is cut):",
        '# setup = ["pip install -e .[dev]"]',
        "# How far the factory may go: L0 plan only, L1 pull request always, L2 merge low-risk",
        "# changes, L3 merge what passes every gate. It starts at min, earns its way to max.",
        'autonomy = { min = "L1", max = "L1" }',
        "# Files agents may never change without a human:",
        '# protected_paths = [".github/**", "factory.toml"]',
        "# Code -> test -> review rounds before the run stops and asks a person:",
        "# max_iterations = 3",
    ]
    return "\n".join(lines) + "\n"


def _quote(value: str) -> str:
    """A TOML basic string (JSON's escapes are a subset TOML accepts)."""
    return json.dumps(value, ensure_ascii=False)


def init_repo(
    path: Path,
    config_path: Path,
    *,
    name: str | None = None,
    local: bool = False,
    write: bool = True,
) -> InitResult:
    """Detect the repository at `path` and append its section to `config_path` (unless not
    `write`). Refuses when the file already configures a repository of that name."""
    detection = detect_repo(path, name)
    section = render_section(detection, config_path.parent, local=local)
    existing = _existing_text(config_path)
    _check_new_name(existing, detection.name, config_path)
    combined = f"{existing.rstrip()}\n\n{section}" if existing.strip() else section
    _validate(section, detection.name, config_path)
    _validate(combined, detection.name, config_path)
    if write:
        config_path.parent.mkdir(parents=True, exist_ok=True)
        config_path.write_text(combined, encoding="utf-8")
    return InitResult(
        detection=detection, section=section, written_to=config_path if write else None
    )


def _existing_text(config_path: Path) -> str:
    if not config_path.exists():
        return ""
    if not config_path.is_file():
        raise InitError(f"{config_path} is not a file; pass --config with a file path")
    try:
        return config_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InitError(f"{config_path}: cannot read ({error})") from error


def _check_new_name(existing: str, name: str, config_path: Path) -> None:
    try:
        repos = tomllib.loads(existing).get("repos", {})
    except tomllib.TOMLDecodeError as error:
        raise InitError(
            f"{config_path} is not valid TOML ({error}); fix it (`factory config check`) "
            "before adding a repository"
        ) from None
    if isinstance(repos, dict) and name in repos:
        raise InitError(
            f'{config_path} already has [repos."{name}"]; edit that section, or add this '
            "repository under another name with `factory init --repo NAME`"
        )


def _validate(text: str, name: str, config_path: Path) -> None:
    """The text must load as a configuration, without environment overrides."""
    try:
        data = tomllib.loads(text)
        config = parse_config(
            data, source=str(config_path), base_dir=config_path.parent, environ={}
        )
    except (tomllib.TOMLDecodeError, ConfigError) as error:
        raise InitError(
            f'adding [repos."{name}"] would leave {config_path} invalid: {error}; '
            "fix the file (`factory config check`) and run `factory init` again"
        ) from None
    if name not in config.repos:
        raise InitError(f"the section for {name!r} did not load; report this as a bug")
