"""The local forge's CI: the repository's test command, and `[repos] ci_command` as a second
suite, run in the hardened sandbox on a throwaway checkout of the pull request's head.

Each suite is a check (`test`, `ci`), required for a merge, run once per (commit, command):
its result is kept under the data directory, so a maintenance pass that reads the checks of
an unchanged head runs nothing. `rerun` forgets a result, so the next read runs it again.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from factory.config import FactoryConfig, RepoConfig
from factory.forges.base import ForgeError
from factory.forges.checks import CheckRun
from factory.git import GitError, ensure_clone
from factory.git.worktree import detached_checkout
from factory.store.database import installation_id
from sandboxes.docker_sandbox import DockerSandbox
from sandboxes.errors import SandboxError
from sandboxes.setup_cache import prepare_setup_image

LOG_CHARS = 20_000
"""The end of a suite's output kept as its log."""


class LocalChecks:
    """`ChecksForge` for a repository on the local forge (`source`: where its branches are)."""

    def __init__(self, config: FactoryConfig, name: str, repo: RepoConfig, source: Path) -> None:
        self._config = config
        self._name = name
        self._repo = repo
        self._source = source
        self._results = config.factory.data_dir / "local-ci" / name

    def suites(self) -> dict[str, str]:
        """Check name -> command: the test command, and the second suite when configured."""
        suites = {"test": self._repo.test_command}
        if self._repo.ci_command:
            suites["ci"] = self._repo.ci_command
        return suites

    def required_checks(self, branch: str) -> list[str]:
        return sorted(self.suites())

    def checks(self, sha: str) -> list[CheckRun]:
        missing = {
            name: command
            for name, command in self.suites().items()
            if not self._result_path(sha, command).is_file()
        }
        if missing:
            self._run(sha, missing)
        return [self._read(sha, name, command) for name, command in self.suites().items()]

    def check_log(self, check: CheckRun) -> str:
        sha, _, name = check.id.partition(":")
        command = self.suites().get(name)
        if command is None or not self._result_path(sha, command).is_file():
            return ""
        return str(json.loads(self._result_path(sha, command).read_text())["log"])

    def rerun(self, check: CheckRun) -> bool:
        sha, _, name = check.id.partition(":")
        command = self.suites().get(name)
        if command is None:
            return False
        self._result_path(sha, command).unlink(missing_ok=True)
        return True

    def record(self, sha: str, name: str, conclusion: str, log: str) -> None:
        """A suite's result on `sha` known already (a run's own sandbox suite on its head)."""
        command = self.suites().get(name)
        if command is not None:
            self._save(sha, name, command, conclusion, 0 if conclusion == "success" else 1, log)

    def _result_path(self, sha: str, command: str) -> Path:
        digest = hashlib.sha256(command.encode()).hexdigest()[:16]
        return self._results / f"{sha}-{digest}.json"

    def _read(self, sha: str, name: str, command: str) -> CheckRun:
        result = json.loads(self._result_path(sha, command).read_text())
        return CheckRun(
            name=name,
            status="completed",
            conclusion=result["conclusion"],
            details=f"`{command}` exited {result['exit_code']}",
            id=f"{sha}:{name}",
            source="local",
        )

    def _run(self, sha: str, suites: dict[str, str]) -> None:
        data = self._config.factory.data_dir
        check_id = f"ci-{sha[:12]}"
        installation = installation_id(self._config.database_url)
        try:
            clone = ensure_clone(str(self._source), data / "clones")
            with detached_checkout(clone, sha, data / "ci-checkouts" / check_id) as path:
                image = prepare_setup_image(
                    self._config.sandbox,
                    path,
                    self._repo.setup,
                    run_id=check_id,
                    installation=installation,
                ).image
                with DockerSandbox(
                    self._config.sandbox,
                    worktree=path,
                    run_id=check_id,
                    role="baseline",
                    image=image,
                    installation=installation,
                ) as sandbox:
                    for name, command in suites.items():
                        result = sandbox.exec(
                            ["sh", "-c", command], timeout=self._config.sandbox.command_timeout_s
                        )
                        if result.timed_out:
                            conclusion = "timed_out"
                        else:
                            conclusion = "success" if result.ok else "failure"
                        log = (result.stdout + result.stderr)[-LOG_CHARS:]
                        self._save(sha, name, command, conclusion, result.exit_code, log)
        except (GitError, SandboxError) as error:
            raise ForgeError(
                f"the local CI of {self._name} could not run on {sha[:12]}: {error}"
            ) from None

    def _save(
        self, sha: str, name: str, command: str, conclusion: str, exit_code: int, log: str
    ) -> None:
        path = self._result_path(sha, command)
        path.parent.mkdir(parents=True, exist_ok=True)
        record = {"name": name, "conclusion": conclusion, "exit_code": exit_code, "log": log}
        partial = path.with_suffix(".partial")
        partial.write_text(json.dumps(record))
        partial.replace(path)
