"""How the factory invokes git: one place that decides the config every call runs with.

The sandbox writes worktree files as a non-root uid, so git's ownership check would refuse
the factory's own clones and worktrees; `safe.directory` is set for exactly those paths.
Worktree content is written by agents and therefore untrusted: hooks are disabled and no
credential helper may store anything a push used.
"""

from collections.abc import Iterable, Mapping
from pathlib import Path

import git

from factory.support.errors import FAILED, FactoryError


class GitError(FactoryError, RuntimeError):
    """A git operation the factory needed failed; the message says what to do."""

    code = "git"
    exit_code = FAILED


def git_config_env(
    trusted: Iterable[Path], extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Environment that hands git 'command line' config (honoured even for safe.directory)."""
    pairs: list[tuple[str, str]] = [(key, value) for key, value in (extra or {}).items()]
    pairs += [("safe.directory", str(Path(path).resolve())) for path in trusted]
    # Agent-written content must never make the host run code: no hooks from any path.
    pairs.append(("core.hooksPath", "/dev/null"))
    # Nor may a worktree-supplied fsmonitor command run when git scans the tree.
    pairs.append(("core.fsmonitor", "false"))
    pairs.append(("commit.gpgSign", "false"))
    # An empty value resets the helper list, so no token ever lands in a credential store.
    pairs.append(("credential.helper", ""))
    # Remote helpers that run commands (`ext::`) are never a transport the factory needs.
    pairs.append(("protocol.ext.allow", "never"))
    env = {"GIT_CONFIG_COUNT": str(len(pairs)), "GIT_TERMINAL_PROMPT": "0"}
    for index, (key, value) in enumerate(pairs):
        env[f"GIT_CONFIG_KEY_{index}"] = key
        env[f"GIT_CONFIG_VALUE_{index}"] = value
    return env


def factory_git(
    cwd: Path, *, trusted: Iterable[Path] = (), env: Mapping[str, str] | None = None
) -> git.Git:
    """A GitPython command runner in `cwd` that trusts `cwd` plus `trusted`."""
    runner = git.Git(str(cwd))
    runner.update_environment(**{**git_config_env([cwd, *trusted]), **(env or {})})
    return runner


def run_git(runner: git.Git, *args: str, action: str, strip: bool = True) -> str:
    """Run one git command; failures become a GitError naming the action and git's reason."""
    try:
        return str(runner.execute(["git", *args], strip_newline_in_stdout=strip))
    except git.GitCommandError as error:
        reason = (error.stderr or str(error)).strip().removeprefix("stderr:").strip().strip("'")
        raise GitError(f"could not {action}: {reason}") from error
