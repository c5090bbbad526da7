"""`factory doctor --repo NAME`: the repository's test command, run once on its base commit.

A run compares the suite on the change with the suite on the base commit; a command that
cannot run at all (`python: not found`, a typo, a missing file) makes every run fail. This
runs it the way a run does (a detached checkout of the base commit, the repository's setup
image, the hardened sandbox) and says whether it ran, before any model is paid for.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from agents.test_report import TestReport, run_test_suite
from factory.config import FactoryConfig, RepoConfig
from factory.forges.base import ForgeError
from factory.forges.build import MissingForgeToken, repo_forge
from factory.git import ensure_clone
from factory.git.base_branch import base_branch_of
from factory.git.command import GitError, factory_git, run_git
from factory.git.worktree import base_ref, detached_checkout
from factory.store import Store
from factory.store.database import installation_id
from factory.support.errors import FAILED, FactoryError
from sandboxes.docker_sandbox import DockerSandbox
from sandboxes.setup_cache import prepare_setup_image


class TestCommandCheckError(FactoryError, RuntimeError):
    """The check could not be made (no token, no clone, no base branch); says what to fix."""

    code = "failed"
    exit_code = FAILED


class TestCommandResult(BaseModel):
    """What the test command did on the base commit."""

    __test__ = False  # not a pytest test class despite the name
    model_config = ConfigDict(frozen=True)

    repo: str
    command: str
    base_branch: str
    base_sha: str
    report: TestReport

    @property
    def ran(self) -> bool:
        """Exit 0, or tests that ran and failed on their own: the command itself works."""
        return self.report.exit_code == 0 or bool(self.report.failing_ids)


def check_test_command(config: FactoryConfig, name: str) -> TestCommandResult:
    """Run `[repos.<name>] test_command` once on the base branch's head, in a sandbox."""
    repo = config.repo(name)
    data = config.factory.data_dir
    clone = _clone(config, name, repo)
    base = base_branch_of(repo)
    try:
        base_sha = run_git(
            factory_git(clone),
            "rev-parse",
            "--verify",
            f"{base_ref(base)}^{{commit}}",
            action=f"find {base}",
        )
    except GitError as error:
        raise TestCommandCheckError(
            f'{name} has no branch {base!r}: check base_branch in [repos."{name}"] ({error})'
        ) from None
    check_id = f"doctor-{uuid.uuid4().hex[:10]}"
    with detached_checkout(clone, base_sha, data / "doctor-checkouts" / check_id) as path:
        installation = installation_id(config.database_url)
        image = prepare_setup_image(
            config.sandbox, path, repo.setup, run_id=check_id, installation=installation
        ).image
        with DockerSandbox(
            config.sandbox,
            worktree=path,
            run_id=check_id,
            role="baseline",
            image=image,
            installation=installation,
        ) as sandbox:
            report = run_test_suite(
                sandbox, path, repo.test_command, timeout=config.sandbox.command_timeout_s
            )
    return TestCommandResult(
        repo=name,
        command=repo.test_command,
        base_branch=base,
        base_sha=base_sha,
        report=report,
    )


def _clone(config: FactoryConfig, name: str, repo: RepoConfig) -> Path:
    """The cached clone a run would use, fetched from the repository's forge."""
    try:
        with Store(config.database_url) as store:
            forge = repo_forge(config, store.pull_requests, name)
            source, env = forge.clone_source()
        return ensure_clone(source, config.factory.data_dir / "clones", env=env)
    except (MissingForgeToken, ForgeError) as error:
        raise TestCommandCheckError(str(error)) from None
    except GitError as error:
        raise TestCommandCheckError(f"cannot clone {name}: {error}") from None
