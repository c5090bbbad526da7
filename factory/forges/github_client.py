"""One way to build a PyGithub client, shared by the GitHub ticket source and forge."""

from github import Auth, Github

DEFAULT_API_URL = "https://api.github.com"


def github_client(token: str | None, api_url: str = DEFAULT_API_URL) -> Github:
    """A client for `api_url` (GitHub Enterprise: `https://HOST/api/v3`), retries off.

    Retries are left to the caller: a refused merge must surface at once, not after backoff.
    """
    auth = Auth.Token(token) if token else None
    return Github(auth=auth, base_url=api_url.rstrip("/"), retry=None, timeout=30)
