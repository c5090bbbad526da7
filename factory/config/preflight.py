"""The preflight: everything that can be checked before work starts, checked.

`factory config check` prints these findings; `factory run` and `factory resume` (and the
sweep) call the same `preflight()` before any run row, branch, container or model call exists,
and refuse to start while it finds an error. A mistake in `factory.toml` is then caught in the
afternoon, not by a crashed run at 3 a.m. after its budget is spent.

Each finding names the key path, the bad value and the fix. `offline` skips what needs the
Docker engine or the network (the sandbox image, a GitHub repository's default branch).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from factory.config.errors import ConfigError, key_path
from factory.config.settings import FactoryConfig, RepoConfig, Secrets

MIN_FREE_BYTES = 64 * 1024 * 1024
"""Free space the data directory needs: checkpoints, clones, worktrees and logs grow there."""

DRIVER_EXTRAS = {"postgresql": "postgres", "postgres": "postgres"}
"""Database URL schemes whose driver ships in an agent-factory extra."""

FindingKind = Literal["config", "environment"]


class Finding(BaseModel):
    """One thing the preflight found: where (a key path), what is wrong, and what to do."""

    model_config = ConfigDict(frozen=True)

    key: str
    problem: str
    fix: str = ""
    kind: FindingKind = "config"
    """`config`: the user's input is wrong (exit 2); `environment`: the machine is (exit 1)."""
    severity: Literal["error", "note"] = "error"
    """A `note` says what the factory decided for you (a detected base branch); not an error."""

    @property
    def line(self) -> str:
        return f"{self.key}: {self.problem}" + (f"; {self.fix}" if self.fix else "")


class PreflightFailed(ConfigError):
    """The preflight found errors; the message lists them, one per line."""

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = [f for f in findings if f.severity == "error"]
        super().__init__("\n".join(finding.line for finding in self.findings))

    @property
    def environment_only(self) -> bool:
        """True when nothing the user typed is wrong, only the machine (exit 1, not 2)."""
        return all(finding.kind == "environment" for finding in self.findings)


def preflight(
    config: FactoryConfig,
    *,
    repos: Mapping[str, RepoConfig] | None = None,
    replay: Path | None = None,
    offline: bool = False,
) -> list[Finding]:
    """Everything wrong with `config` for running on `repos` (default: every configured one).

    `replay` is a cassette given on the command line (`--replay`), which replaces the models.
    Omitted base branches are detected on the way and written into the repositories' config
    (a `note` finding says what was chosen), so the run that follows uses the same answer.
    """
    chosen = dict(config.repos if repos is None else repos)
    findings: list[Finding] = []
    findings += _data_dir(config.factory.data_dir)
    findings += _database(config)
    for name, repo in chosen.items():
        findings += _repository(name, repo, offline=offline)
    findings += model_findings(config, replay)
    if not offline:
        findings += _sandbox(config)
    return findings


def require_preflight(
    config: FactoryConfig,
    repos: Mapping[str, RepoConfig],
    *,
    replay: Path | None = None,
) -> list[Finding]:
    """`preflight` for a run about to start; raises `PreflightFailed` on any error."""
    findings = preflight(config, repos=repos, replay=replay)
    if any(finding.severity == "error" for finding in findings):
        raise PreflightFailed(findings)
    return findings


# -- the data directory and the database ----------------------------------------------------


def _data_dir(data_dir: Path) -> list[Finding]:
    key = "factory.data_dir"
    existing = data_dir
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return [Finding(key=key, problem=f'"{data_dir}" is not a directory', fix="point it at one")]
    if not os.access(existing, os.W_OK | os.X_OK):
        return [
            Finding(
                key=key,
                problem=f'"{data_dir}" is not writable by this user',
                fix="fix its permissions or choose another data_dir",
                kind="environment",
            )
        ]
    free = shutil.disk_usage(existing).free
    if free < MIN_FREE_BYTES:
        return [
            Finding(
                key=key,
                problem=f'"{data_dir}" has {free // 1024} KiB free; runs need at least '
                f"{MIN_FREE_BYTES // (1024 * 1024)} MiB (clones, worktrees, checkpoints)",
                fix="free disk space there or move data_dir",
                kind="environment",
            )
        ]
    return []


def _database(config: FactoryConfig) -> list[Finding]:
    """The URL's scheme is known, its driver installed, and the database opens."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

    key = "factory.database_url"
    url = config.database_url
    try:
        parsed = make_url(url)
    except ArgumentError:
        return [
            Finding(
                key=key,
                problem=f'"{url}" is not a database URL',
                fix="use sqlite:///PATH or postgresql+psycopg://USER@HOST/DB",
            )
        ]
    shown = parsed.render_as_string(hide_password=True)
    scheme = parsed.get_backend_name()
    try:
        dialect = parsed.get_dialect()
    except NoSuchModuleError:
        return [
            Finding(
                key=key,
                problem=f'"{shown}": unknown database scheme {parsed.drivername!r}',
                fix="use sqlite:///PATH or postgresql+psycopg://USER@HOST/DB",
            )
        ]
    try:
        dialect.import_dbapi()
    except ImportError as exc:
        extra = DRIVER_EXTRAS.get(scheme)
        how = (
            f"pip install 'agent-factory[{extra}]'"
            if extra
            else f"install the Python driver {parsed.get_driver_name()!r}"
        )
        return [
            Finding(
                key=key,
                problem=f'"{shown}": the {parsed.get_driver_name()} driver is not installed '
                f"({exc.name or exc})",
                fix=how,
                kind="environment",
            )
        ]
    if scheme == "sqlite":
        return _sqlite_file(key, parsed.database)
    try:
        engine = create_engine(url, pool_pre_ping=True)
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        finally:
            engine.dispose()
    except SQLAlchemyError as exc:
        first = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:300]
        return [
            Finding(
                key=key,
                problem=f'"{shown}" cannot be opened: {first}',
                fix="check the URL and that the database server is up",
                kind="environment",
            )
        ]
    return []


def _sqlite_file(key: str, database: str | None) -> list[Finding]:
    if not database or database == ":memory:":
        return []
    path = Path(database)
    if path.is_dir():
        return [Finding(key=key, problem=f'"{path}" is a directory', fix="name a file inside it")]
    if path.exists():
        if not os.access(path, os.R_OK | os.W_OK):
            return [
                Finding(
                    key=key,
                    problem=f'"{path}" is not readable and writable by this user',
                    fix="fix its permissions",
                    kind="environment",
                )
            ]
        return []
    try:  # the store creates the folder on first use; trying is the only honest check
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return [
            Finding(
                key=key,
                problem=f'"{path}" cannot be created: {exc.strerror or exc} ({exc.filename})',
                fix="point the URL (or data_dir) at a writable place",
                kind="environment",
            )
        ]
    if not os.access(path.parent, os.W_OK | os.X_OK):
        return [
            Finding(
                key=key,
                problem=f'"{path}" cannot be created: {path.parent} is not writable',
                fix="point the URL (or data_dir) at a writable place",
                kind="environment",
            )
        ]
    return []


# -- repositories ---------------------------------------------------------------------------


def _repository(name: str, repo: RepoConfig, *, offline: bool) -> list[Finding]:
    where = ("repos", name)
    findings: list[Finding] = []
    if repo.path is not None:
        findings += _local_repository(name, repo)
    elif repo.github is not None:
        findings += _github_repository(name, repo, offline=offline)
    findings += _policies(name, repo)
    if any(f.severity == "error" and f.key.startswith(key_path(where)) for f in findings):
        return findings
    if repo.path is not None and repo.base_branch is not None:
        findings += _base_branch_files(name, repo)
    return findings


def _local_repository(name: str, repo: RepoConfig) -> list[Finding]:
    from factory.git.base_branch import detect_base_branch
    from factory.git.command import GitError, factory_git, run_git

    assert repo.path is not None
    key = key_path(("repos", name, "path"))
    path = repo.path
    if not path.exists():
        return [Finding(key=key, problem=f'"{path}" does not exist', fix="fix the path")]
    if not path.is_dir():
        return [Finding(key=key, problem=f'"{path}" is not a directory', fix="fix the path")]
    runner = factory_git(path)
    try:
        top = run_git(runner, "rev-parse", "--show-toplevel", action="find the repository")
    except GitError:
        return [
            Finding(
                key=key,
                problem=f'"{path}" is not a git repository',
                fix="run `git init` there and commit, or fix the path",
            )
        ]
    if Path(top).resolve() != path.resolve():
        return [
            Finding(
                key=key,
                problem=f'"{path}" is inside the git repository {top}, not its top',
                fix=f'use path = "{top}"',
            )
        ]
    try:
        has_commit = bool(run_git(runner, "rev-list", "-n", "1", "--all", action="find commits"))
    except GitError:
        has_commit = False
    if not has_commit:
        return [
            Finding(
                key=key,
                problem=f'"{path}" has no commit yet',
                fix="commit something first: branches start from the base branch's last commit",
            )
        ]
    branch_key = key_path(("repos", name, "base_branch"))
    findings: list[Finding] = []
    if repo.base_branch is None:
        detected = detect_base_branch(path)
        if detected is None:
            return [
                Finding(
                    key=branch_key,
                    problem="not set, and it cannot be detected (no origin HEAD, HEAD detached)",
                    fix="set base_branch to the branch pull requests should target",
                )
            ]
        repo.base_branch = detected[0]
        findings.append(
            Finding(
                key=branch_key,
                problem=f'not set; detected "{detected[0]}" (from {detected[1]})',
                fix="set base_branch to choose another",
                severity="note",
            )
        )
    branches = _local_branches(runner)
    if repo.base_branch not in branches:
        known = ", ".join(sorted(branches)[:10]) or "none"
        findings.append(
            Finding(
                key=branch_key,
                problem=f'"{repo.base_branch}" is not a branch of {path} (branches: {known})',
                fix="set base_branch to an existing branch",
            )
        )
    return findings


def _local_branches(runner: object) -> set[str]:
    from factory.git.command import GitError, run_git

    try:
        listing = run_git(
            runner,  # type: ignore[arg-type]
            "for-each-ref",
            "--format=%(refname:short)",
            "refs/heads/",
            action="list branches",
        )
    except GitError:
        return set()
    return {line.strip() for line in listing.splitlines() if line.strip()}


def _github_repository(name: str, repo: RepoConfig, *, offline: bool) -> list[Finding]:
    key = key_path(("repos", name, "github"))
    if Secrets.from_env().github_token is None:
        return [
            Finding(
                key=key,
                problem=f'"{repo.github}" is on GitHub, but GITHUB_TOKEN is not set',
                fix="export GITHUB_TOKEN with access to it (or use `path` for a local repository)",
            )
        ]
    if repo.base_branch is not None:
        return []
    branch_key = key_path(("repos", name, "base_branch"))
    if offline:
        return [
            Finding(
                key=branch_key,
                problem="not set; detected from GitHub's default branch when a run starts",
                fix="set base_branch to fix it now",
                severity="note",
            )
        ]
    default, problem = _github_default_branch(repo.github or "")
    if default is None:
        return [
            Finding(
                key=branch_key,
                problem=f"not set, and GitHub's default branch could not be read ({problem})",
                fix="set base_branch, or check GITHUB_TOKEN and the repository name",
                kind="environment",
            )
        ]
    repo.base_branch = default
    return [
        Finding(
            key=branch_key,
            problem=f'not set; detected "{default}" (GitHub\'s default branch)',
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


def _policies(name: str, repo: RepoConfig) -> list[Finding]:
    """Every policy name known and its parameters valid for that policy's own model."""
    from policies.builtin import build_builtin
    from policies.errors import PolicyConfigError
    from policies.evaluation import effective_specs
    from policies.loader import is_import_reference, is_repo_policy_path, split_policy_path

    findings: list[Finding] = []
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
            findings.append(Finding(key=key, problem=str(exc)))
    return findings


def _imported_policy(key: str, name: str) -> list[Finding]:
    import importlib

    module_name, _, attribute = name.partition(":")
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        return [
            Finding(
                key=key,
                problem=f'policy "{name}": module {module_name!r} cannot be imported '
                f"({type(exc).__name__}: {exc})",
                fix="install the package that provides it, or fix the name",
            )
        ]
    if not callable(getattr(module, attribute, None)):
        return [
            Finding(
                key=key,
                problem=f'policy "{name}": {module_name} has no callable {attribute!r}',
                fix="name a function that takes the gate context",
            )
        ]
    return []


def _base_branch_files(name: str, repo: RepoConfig) -> list[Finding]:
    """The repository's own factory.toml, policy files and CODEOWNERS, as the base branch has
    them (what will govern the run)."""
    from factory.config.repo_settings import governing_repo_config
    from factory.gate.owners import CODEOWNERS_PATHS, codeowners_problems
    from factory.git import read_from_base
    from factory.git.command import GitError
    from policies.evaluation import repo_policy_paths

    assert repo.path is not None and repo.base_branch is not None
    findings: list[Finding] = []
    where = f'{repo.path}, branch "{repo.base_branch}"'
    try:
        own = read_from_base(repo.path, repo.base_branch, "factory.toml")
        governing = governing_repo_config(repo, own, name)
        for policy_path in repo_policy_paths(governing.policies):
            source = read_from_base(repo.path, repo.base_branch, policy_path)
            key = key_path(("repos", name, "policies"))
            if source is None:
                findings.append(
                    Finding(
                        key=key,
                        problem=f"policy file {policy_path} is not on the base branch ({where})",
                        fix="commit it to the base branch, or remove it from the list",
                    )
                )
                continue
            try:
                compile(source, policy_path, "exec")
            except SyntaxError as exc:
                findings.append(
                    Finding(
                        key=key,
                        problem=f"policy file {policy_path}:{exc.lineno}: syntax error: {exc.msg}",
                        fix="fix the file on the base branch",
                    )
                )
        findings += _policies(name, governing)
        for owners_path in CODEOWNERS_PATHS:
            text = read_from_base(repo.path, repo.base_branch, owners_path)
            if text is None:
                continue
            findings += [
                Finding(
                    key=key_path(("repos", name)),
                    problem=f"{owners_path} on the base branch: {problem}",
                    fix="fix that line of the file",
                )
                for problem in codeowners_problems(text)
            ]
            break
    except ConfigError as exc:
        findings.append(Finding(key=key_path(("repos", name)), problem=str(exc)))
    except GitError as exc:
        findings.append(
            Finding(key=key_path(("repos", name, "base_branch")), problem=str(exc), kind="config")
        )
    return _unique(findings)


def _unique(findings: Iterable[Finding]) -> list[Finding]:
    return list(dict.fromkeys(findings))


# -- models, cassettes and the sandbox ------------------------------------------------------


def model_findings(config: FactoryConfig, replay: Path | None) -> list[Finding]:
    """Each role's model has what its provider needs (`missing_requirement`: a key, a
    `base_url`, a cassette), and a replay cassette parses completely."""
    from harness.config import AgentRole, ReplayConfig

    if replay is not None:
        return _cassette("--replay", replay)
    roles: tuple[AgentRole, ...] = ("planner", "coder", "tester", "reviewer")
    findings: list[Finding] = []
    seen: set[str] = set()
    for role in roles:
        model = config.models.for_role(role)
        section = role if getattr(config.models, role) is not None else "default"
        key = key_path(("models", section))
        if key in seen:
            continue
        seen.add(key)
        missing = model.missing_requirement(os.environ)
        if isinstance(model, ReplayConfig):
            if missing is not None:
                findings.append(
                    Finding(
                        key=f"{key}.cassette",
                        problem=f'provider = "replay" needs a cassette: {missing}',
                        fix="set cassette to a JSONL file (see docs/harness.md)",
                    )
                )
            elif model.cassette is not None:
                findings += _cassette(f"{key}.cassette", Path(model.cassette))
            continue
        if missing is not None:
            findings.append(
                Finding(
                    key=f"{key}.provider",
                    problem=f'"{model.provider}" cannot be reached: {missing} (for the {role})',
                    fix='export ANTHROPIC_API_KEY (or OPENAI_API_KEY with provider = "openai"), '
                    f"point [{key}] base_url at an OpenAI-compatible server (Ollama, vLLM, "
                    "llama.cpp), or pass --replay CASSETTE",
                )
            )
    return findings


def _cassette(key: str, path: Path) -> list[Finding]:
    """The cassette parses completely; the first bad line is named with its column."""
    from harness.errors import CassetteError
    from harness.replay import load_cassette

    if path.is_dir():
        return [Finding(key=key, problem=f'"{path}" is a directory', fix="name a .jsonl file")]
    if not path.is_file():
        return [Finding(key=key, problem=f'"{path}": no such cassette file', fix="fix the path")]
    try:
        exchanges = load_cassette(path)
    except CassetteError as exc:
        return [Finding(key=key, problem=str(exc), fix="fix that line (see docs/harness.md)")]
    except UnicodeDecodeError as exc:
        return [
            Finding(
                key=key,
                problem=f'"{path}" is not UTF-8 text (byte {exc.start})',
                fix="a cassette is JSON lines in UTF-8",
            )
        ]
    if not exchanges:
        return [
            Finding(
                key=key,
                problem=f'"{path}" has no replies',
                fix="record one with --record, or write replies by hand (docs/harness.md)",
            )
        ]
    return []


def _sandbox(config: FactoryConfig) -> list[Finding]:
    """The Docker engine answers and has the sandbox image."""
    from sandboxes.docker_engine import BUILD_HINT, connect, require_image
    from sandboxes.errors import SandboxError

    try:
        client = connect(timeout=10)
    except SandboxError as exc:
        return [
            Finding(
                key="sandbox",
                problem=f"the Docker engine is unreachable: {exc}",
                fix="start Docker, or fix DOCKER_HOST; `factory doctor` checks it",
                kind="environment",
            )
        ]
    try:
        require_image(client, config.sandbox.image)
    except SandboxError as exc:
        return [
            Finding(
                key=key_path(("sandbox", "image")),
                problem=str(exc),
                fix=BUILD_HINT,
                kind="environment",
            )
        ]
    finally:
        client.close()
    return []
