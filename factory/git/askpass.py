"""Hand a token to git through GIT_ASKPASS, so it never appears in a URL, config or log.

The helper script holds no secret: it echoes an environment variable that only the git
process being run receives. Nothing here is ever given to a sandbox.
"""

import stat
from pathlib import Path

_TOKEN_VARIABLE = "FACTORY_GIT_TOKEN"
_HELPER = """#!/bin/sh
# agent-factory: answers git's credential prompts from the environment of this one call.
case "$1" in
  Username*) printf '%s\\n' "${FACTORY_GIT_USERNAME:-x-access-token}" ;;
  *) printf '%s\\n' "$FACTORY_GIT_TOKEN" ;;
esac
"""


def install_askpass_helper(directory: Path) -> Path:
    """Write the helper script (idempotent) and return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    helper = directory / "git-askpass.sh"
    if not helper.exists() or helper.read_text() != _HELPER:
        helper.write_text(_HELPER)
    helper.chmod(stat.S_IRWXU)
    return helper


def askpass_env(token: str, helper: Path, username: str = "x-access-token") -> dict[str, str]:
    """Environment for one git call that authenticates over HTTPS with `token`."""
    if not token:
        raise ValueError("an empty token cannot authenticate; set GITHUB_TOKEN")
    return {
        "GIT_ASKPASS": str(helper),
        "SSH_ASKPASS": str(helper),
        _TOKEN_VARIABLE: token,
        "FACTORY_GIT_USERNAME": username,
        "GIT_TERMINAL_PROMPT": "0",
    }


def scrub(text: str, token: str) -> str:
    """Remove a token from text bound for a log or an error message."""
    return text.replace(token, "***") if token else text
