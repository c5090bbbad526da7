"""A local stand-in for GitHub: REST JSON for the endpoints the factory uses, plus smart-HTTP git.

It listens on 127.0.0.1 only. The REST side answers in GitHub's format so the real PyGithub
client runs unchanged; the git side is the real `git http-backend` behind HTTP basic auth, so
a push only succeeds when the askpass helper really handed git the token.

Shared by the forge integration tests and the end-to-end GitHub run: `serve_fake_github` starts
one on a bare repository cloned from a seed checkout.
"""

import base64
import json
import re
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import git

from tests.support.fake_github_checks import LOG_PATH, FakeChecks, route_checks, serve_log

TOKEN = "ghp_fakeTokenForTests0123456789abcdefXYZ"
OWNER, NAME = "acme", "app"


@dataclass
class FakeGitHub:
    root: Path
    port: int = 0
    issues: dict[int, dict[str, Any]] = field(default_factory=dict)
    pulls: dict[int, dict[str, Any]] = field(default_factory=dict)
    comments: list[tuple[int, str]] = field(default_factory=list)
    requested: dict[int, dict[str, list[str]]] = field(default_factory=dict)
    protected: bool = False
    requests: list[tuple[str, str]] = field(default_factory=list)
    graphql: list[dict[str, Any]] = field(default_factory=list)
    next_number: int = 100
    token: str = TOKEN
    checks: FakeChecks = field(default_factory=FakeChecks)
    """CI: check runs, commit statuses, job logs, branch protection (fake_github_checks.py)."""

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/v3"

    @property
    def bare(self) -> Path:
        return self.root / OWNER / f"{NAME}.git"

    def repo_json(self) -> dict[str, Any]:
        return {
            "id": 1,
            "name": NAME,
            "full_name": f"{OWNER}/{NAME}",
            "owner": {"login": OWNER, "id": 1, "type": "Organization"},
            "private": True,
            "default_branch": "main",
            "url": f"{self.api_url}/repos/{OWNER}/{NAME}",
            "html_url": f"{self.base}/{OWNER}/{NAME}",
            "clone_url": f"{self.base}/git/{OWNER}/{NAME}.git",
        }

    def add_issue(
        self,
        number: int,
        title: str,
        body: str,
        labels: list[str],
        *,
        created_at: str = "2026-01-01T00:00:00Z",
        closed_at: str | None = None,
    ) -> None:
        self.issues[number] = {
            "id": number,
            "number": number,
            "title": title,
            "body": body,
            "state": "closed" if closed_at else "open",
            "created_at": created_at,
            "closed_at": closed_at,
            "labels": [{"id": i, "name": name} for i, name in enumerate(labels)],
            "url": f"{self.api_url}/repos/{OWNER}/{NAME}/issues/{number}",
            "html_url": f"{self.base}/{OWNER}/{NAME}/issues/{number}",
            "user": {"login": "reporter", "id": 7},
        }
        self.next_number = max(self.next_number, number + 1)

    def sha_of(self, ref: str) -> str | None:
        try:
            return git.Repo(self.bare).git.rev_parse("--verify", "--quiet", f"refs/heads/{ref}")
        except git.GitCommandError:
            return None

    def resolve(self, ref: str) -> str | None:
        """The commit a sha, branch or tag names, as GitHub resolves `{ref}` in a URL."""
        try:
            return str(
                git.Repo(self.bare).git.rev_parse("--verify", "--quiet", f"{ref}^{{commit}}")
            )
        except git.GitCommandError:
            return None

    def merge_as_person(self, number: int, login: str, at: datetime | None = None) -> str:
        """A person presses the merge button (at `at`, default now): GitHub's merge commit,
        message and timestamps."""
        pull = self.pulls[number]
        message = f"Merge pull request #{number} from {OWNER}/{pull['head']}\n\n{pull['title']}"
        sha = _merge_in_bare(self.bare, pull["base"], pull["head"], message, at)
        stamp = github_time(at)
        pull.update(
            merged=True,
            state="closed",
            merge_commit_sha=sha,
            merged_at=stamp,
            closed_at=stamp,
            merged_by=login,
        )
        return sha

    def close_as_person(self, number: int) -> None:
        """A person closes the pull request without merging."""
        self.pulls[number].update(state="closed", closed_at=github_time())

    def pull_json(self, number: int) -> dict[str, Any]:
        pull = self.pulls[number]
        url = f"{self.api_url}/repos/{OWNER}/{NAME}/pulls/{number}"
        merger = pull.get("merged_by")
        return {
            "id": 1000 + number,
            "node_id": pull_node_id(number),
            "number": number,
            "title": pull["title"],
            "body": pull["body"],
            "state": pull["state"],
            "draft": pull["draft"],
            "merged": pull["merged"],
            "merge_commit_sha": pull.get("merge_commit_sha"),
            "created_at": pull.get("created_at", "2026-01-01T00:00:00Z"),
            "updated_at": pull.get("closed_at") or pull.get("created_at", "2026-01-01T00:00:00Z"),
            "closed_at": pull.get("closed_at"),
            "merged_at": pull.get("merged_at"),
            "merged_by": {"login": merger, "id": 11, "type": "User"} if merger else None,
            "url": url,
            "html_url": f"{self.base}/{OWNER}/{NAME}/pull/{number}",
            "head": {
                "ref": pull["head"],
                "sha": self.sha_of(pull["head"]),
                "label": f"{OWNER}:{pull['head']}",
                "repo": self.repo_json(),
            },
            "base": {
                "ref": pull["base"],
                "sha": self.sha_of(pull["base"]),
                "label": f"{OWNER}:{pull['base']}",
                "repo": self.repo_json(),
            },
            "user": {"login": "factory-bot", "id": 9},
        }


def github_time(at: datetime | None = None) -> str:
    """`at` (default now) as GitHub writes times: UTC, whole seconds, a `Z`."""
    return (at or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def pull_node_id(number: int) -> str:
    """A GraphQL global id in GitHub's shape (`PR_` + an opaque base64 token)."""
    return "PR_" + base64.b64encode(f"fake-pull:{number}".encode()).decode().rstrip("=")


GRAPHQL_MUTATION = re.compile(r"mutation\s+\w*\s*\([^)]*\)\s*\{\s*(\w+)\s*\(")


def _merge_in_bare(
    bare: Path, base: str, head: str, message: str, at: datetime | None = None
) -> str:
    repo = git.Repo(bare)
    tree = repo.git.merge_tree("--write-tree", base, head)
    env = {
        "GIT_AUTHOR_NAME": "GitHub",
        "GIT_AUTHOR_EMAIL": "noreply@github.test",
        "GIT_COMMITTER_NAME": "GitHub",
        "GIT_COMMITTER_EMAIL": "noreply@github.test",
    }
    if at is not None:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = at.isoformat()
    sha = repo.git.commit_tree(tree, "-p", base, "-p", head, "-m", message, env=env)
    repo.git.update_ref(f"refs/heads/{base}", sha)
    return str(sha)


def make_handler(hub: FakeGitHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args: Any) -> None:
            return

        def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
            data = b"" if payload is None else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _authorized_api(self) -> bool:
            return self.headers.get("Authorization") in (f"token {TOKEN}", f"Bearer {TOKEN}")

        def _route(self, method: str) -> None:
            hub.requests.append((method, self.path))
            if self.path.startswith("/git/"):
                return self._git(method)
            if self.path.startswith(LOG_PATH) and method == "GET":
                return self._log()
            if not self._authorized_api():
                return self._send(401, {"message": "Bad credentials"})
            parts = urlsplit(self.path)
            if parts.path == "/api/graphql" and method == "POST":
                return self._graphql(json.loads(self._body() or b"{}"))
            path = parts.path.removeprefix("/api/v3")
            query = parse_qs(parts.query)
            body = json.loads(self._body() or b"{}") if method in ("POST", "PATCH", "PUT") else {}
            prefix = f"/repos/{OWNER}/{NAME}"
            if not path.startswith(prefix):
                return self._send(404, {"message": "Not Found"})
            rest = path[len(prefix) :]
            if rest == "" and method == "GET":
                return self._send(200, hub.repo_json())
            if rest == "/issues" and method == "GET":
                # GitHub lists pull requests among issues; a reader must skip them itself.
                wanted = {n for n in query.get("labels", [""])[0].split(",") if n}
                state = query.get("state", ["open"])[0]
                listed = [
                    issue
                    for _n, issue in sorted(hub.issues.items())
                    if wanted <= {label["name"] for label in issue["labels"]}
                    and state in ("all", issue["state"])
                ]
                listed += [
                    dict(hub.pull_json(n), labels=[], pull_request={"url": "x"})
                    for n in sorted(hub.pulls)
                    if not wanted
                ]
                return self._send(200, listed)
            if match := re.fullmatch(r"/issues/(\d+)", rest):
                number = int(match.group(1))
                if number in hub.issues:
                    return self._send(200, hub.issues[number])
                if number in hub.pulls:
                    issue = dict(hub.pull_json(number), labels=[], pull_request={"url": "x"})
                    return self._send(200, issue)
                return self._send(404, {"message": "Not Found"})
            if (match := re.fullmatch(r"/issues/(\d+)/comments", rest)) and method == "POST":
                number = int(match.group(1))
                if number not in hub.issues and number not in hub.pulls:
                    return self._send(404, {"message": "Not Found"})
                hub.comments.append((number, body["body"]))
                return self._send(
                    201,
                    {
                        "id": len(hub.comments),
                        "body": body["body"],
                        "user": {"login": "factory-bot", "id": 9},
                        "url": f"{hub.api_url}{prefix}/issues/comments/1",
                        "html_url": f"{hub.base}/c",
                        "created_at": "2026-01-01T00:00:00Z",
                    },
                )
            if rest == "/pulls" and method == "GET":
                head = query.get("head", [""])[0].split(":", 1)[-1]
                state = query.get("state", ["open"])[0]
                found = [
                    hub.pull_json(n)
                    for n, pull in sorted(hub.pulls.items())
                    if (not head or pull["head"] == head) and state in ("all", pull["state"])
                ]
                return self._send(200, found)
            if rest == "/pulls" and method == "POST":
                if hub.sha_of(body["head"]) is None:
                    return self._send(
                        422,
                        {
                            "message": "Validation Failed",
                            "errors": [{"field": "head", "code": "invalid"}],
                        },
                    )
                number = hub.next_number
                hub.next_number += 1
                hub.pulls[number] = {
                    "title": body["title"],
                    "body": body.get("body") or "",
                    "head": body["head"],
                    "base": body["base"],
                    "draft": bool(body.get("draft")),
                    "state": "open",
                    "merged": False,
                    "created_at": github_time(),
                }
                return self._send(201, hub.pull_json(number))
            if match := re.fullmatch(r"/pulls/(\d+)(/merge|/requested_reviewers)?", rest):
                number = int(match.group(1))
                if number not in hub.pulls:
                    return self._send(404, {"message": "Not Found"})
                pull = hub.pulls[number]
                action = match.group(2)
                if action is None and method == "GET":
                    return self._send(200, hub.pull_json(number))
                if action is None and method == "PATCH":
                    pull.update(
                        {key: body[key] for key in ("title", "body", "state") if key in body}
                    )
                    if body.get("state") == "closed" and not pull.get("closed_at"):
                        pull["closed_at"] = github_time()
                    return self._send(200, hub.pull_json(number))
                if action == "/requested_reviewers" and method == "POST":
                    hub.requested[number] = {
                        "users": body.get("reviewers", []),
                        "teams": body.get("team_reviewers", []),
                    }
                    return self._send(201, hub.pull_json(number))
                if action == "/merge" and method == "PUT":
                    if pull["draft"]:
                        return self._send(
                            405,
                            {
                                "message": "Pull Request is still a draft",
                                "documentation_url": "https://docs.github.com/rest/pulls/pulls#merge-a-pull-request",
                                "status": "405",
                            },
                        )
                    if hub.protected:
                        return self._send(
                            405,
                            {
                                "message": "At least 1 approving review is required by reviewers "
                                "with write access.",
                                "documentation_url": "https://docs.github.com/rest",
                            },
                        )
                    refusal = hub.checks.merge_refusal(pull["base"], hub.sha_of(pull["head"]))
                    if refusal is not None:
                        return self._send(
                            405,
                            {
                                "message": refusal,
                                "documentation_url": "https://docs.github.com/rest",
                            },
                        )
                    message = f"Merge pull request #{number} from {OWNER}/{pull['head']}"
                    sha = _merge_in_bare(
                        hub.bare, pull["base"], pull["head"], f"{message}\n\n{pull['title']}"
                    )
                    stamp = github_time()
                    pull.update(
                        merged=True,
                        state="closed",
                        merge_commit_sha=sha,
                        merged_at=stamp,
                        closed_at=stamp,
                        merged_by="factory-bot",  # the token's user
                    )
                    return self._send(
                        200,
                        {"sha": sha, "merged": True, "message": "Pull Request successfully merged"},
                    )
            answered = route_checks(hub, method, rest, query)
            if answered is not None:
                return self._send(*answered)
            return self._send(404, {"message": f"Not Found: {method} {path}"})

        def _log(self) -> None:
            """A job log's signed download URL (another host on GitHub): plain text."""
            hub.checks.log_downloads.append(dict(self.headers.items()))
            parts = urlsplit(self.path)
            status, data = serve_log(hub, parts.path, parse_qs(parts.query))
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _graphql(self, request: dict[str, Any]) -> None:
            """The one GraphQL mutation the factory sends, answered as GitHub answers it
            (errors come with status 200 and an `errors` list)."""
            hub.graphql.append(request)
            match = GRAPHQL_MUTATION.search(str(request.get("query", "")))
            name = match.group(1) if match else None
            if name != "markPullRequestReadyForReview":
                message = f"Field '{name}' doesn't exist on type 'Mutation'"
                return self._send(200, {"errors": [{"message": message}]})
            given = (request.get("variables") or {}).get("input") or {}
            node = given.get("pullRequestId")
            number = next((n for n in hub.pulls if pull_node_id(n) == node), None)
            if number is None:
                return self._send(
                    200,
                    {
                        "data": {name: None},
                        "errors": [
                            {
                                "type": "NOT_FOUND",
                                "path": [name],
                                "message": f"Could not resolve to a node with the global id of "
                                f"'{node}'",
                            }
                        ],
                    },
                )
            pull = hub.pulls[number]
            if pull["state"] != "open":
                message = "Pull request is closed and cannot be marked as ready for review"
                return self._send(200, {"data": {name: None}, "errors": [{"message": message}]})
            pull["draft"] = False
            payload = {
                "clientMutationId": given.get("clientMutationId"),
                "pullRequest": {"isDraft": False},
            }
            return self._send(200, {"data": {name: payload}})

        def _git(self, method: str) -> None:
            header = self.headers.get("Authorization", "")
            expected = "Basic " + base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()
            if header != expected:
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="fake-github"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            parts = urlsplit(self.path)
            env = {
                "GIT_PROJECT_ROOT": str(hub.root),
                "GIT_HTTP_EXPORT_ALL": "1",
                "PATH_INFO": parts.path.removeprefix("/git"),
                "QUERY_STRING": parts.query,
                "REQUEST_METHOD": method,
                "REMOTE_USER": "x-access-token",
                "REMOTE_ADDR": "127.0.0.1",
                "CONTENT_TYPE": self.headers.get("Content-Type", ""),
                "GIT_PROTOCOL": self.headers.get("Git-Protocol", ""),
                "HTTP_CONTENT_ENCODING": self.headers.get("Content-Encoding", ""),
                "PATH": "/usr/local/bin:/usr/bin:/bin",
            }
            data = self._body()
            env["CONTENT_LENGTH"] = str(len(data))
            result = subprocess.run(
                ["git", "http-backend"], input=data, env=env, capture_output=True, check=False
            )
            head, _, payload = result.stdout.partition(b"\r\n\r\n")
            status = 200
            headers: list[tuple[str, str]] = []
            for line in head.decode().split("\r\n"):
                key, _, value = line.partition(":")
                if key.lower() == "status":
                    status = int(value.strip().split()[0])
                elif key:
                    headers.append((key, value.strip()))
            self.send_response(status)
            for key, value in headers:
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self) -> None:
            self._route("GET")

        def do_POST(self) -> None:
            self._route("POST")

        def do_PATCH(self) -> None:
            self._route("PATCH")

        def do_PUT(self) -> None:
            self._route("PUT")

    return Handler


@contextmanager
def serve_fake_github(root: Path, seed: Path) -> Iterator[FakeGitHub]:
    """A fake GitHub under `root` whose `acme/app` repository is a bare clone of `seed`."""
    hub = FakeGitHub(root=root)
    hub.bare.parent.mkdir(parents=True)
    git.Repo.clone_from(str(seed), str(hub.bare), bare=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(hub))
    hub.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hub
    finally:
        server.shutdown()
        server.server_close()
