"""One way to build a PyGithub client, shared by the GitHub ticket source and forge."""

import os
from collections.abc import Mapping

from github import Auth, Github

DEFAULT_API_URL = "https://api.github.com"
GITHUB_API_ENV = "GITHUB_API_URL"
"""Points at GitHub Enterprise (`https://HOST/api/v3`) instead of github.com."""


def github_api_url(environ: Mapping[str, str] | None = None) -> str:
    """The API URL in use: `GITHUB_API_URL` when set, else github.com's."""
    env = os.environ if environ is None else environ
    return env.get(GITHUB_API_ENV, "").strip() or DEFAULT_API_URL


def github_client(token: str | None, api_url: str = DEFAULT_API_URL) -> Github:
    """A client for `api_url` (GitHub Enterprise: `https://HOST/api/v3`), retries off.

    Retries are left to the caller: a refused merge must surface at once, not after backoff.
    """
    auth = Auth.Token(token) if token else None
    return Github(auth=auth, base_url=api_url.rstrip("/"), retry=None, timeout=30)
