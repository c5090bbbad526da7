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
    computing_mergeability: bool = False
    """As GitHub does: the first read of a pull request after its head or base moved says
    `mergeable: null` (`unknown`) while a background job computes it; later reads have it."""
    computed: dict[int, tuple[str | None, str | None]] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    graphql: list[dict[str, Any]] = field(default_factory=list)
    next_number: int = 100
    token: str = TOKEN
    checks: FakeChecks = field(default_factory=FakeChecks)
    """CI: check runs, commit statuses, job logs, branch protection (fake_github_checks.py)."""
    login: str = "factory-bot"
    """The token's user: the author of everything the factory posts."""
    issue_comments: list[dict[str, Any]] = field(default_factory=list)
    reviews: list[dict[str, Any]] = field(default_factory=list)
    review_comments: list[dict[str, Any]] = field(default_factory=list)
    next_id: int = 5000
    """GitHub's ids are global across comments and reviews; so are these."""

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

    def user_json(self, login: str, *, bot: bool = False) -> dict[str, Any]:
        return {
            "login": login,
            "id": 10_000 + sum(login.encode()),
            "type": "Bot" if bot else "User",
            "url": f"{self.api_url}/users/{login}",
            "html_url": f"{self.base}/{login}",
        }

    def _new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def add_issue_comment(
        self, number: int, login: str, body: str, *, association: str = "OWNER", bot: bool = False
    ) -> dict[str, Any]:
        """A comment on the issue or pull request `number` (GitHub's "issue comment")."""
        comment_id = self._new_id()
        stamp = github_time()
        comment = {
            "id": comment_id,
            "node_id": f"IC_{comment_id}",
            "number": number,
            "body": body,
            "user": self.user_json(login, bot=bot),
            "author_association": association,
            "created_at": stamp,
            "updated_at": stamp,
            "url": f"{self.api_url}/repos/{OWNER}/{NAME}/issues/comments/{comment_id}",
            "html_url": f"{self.base}/{OWNER}/{NAME}/pull/{number}#issuecomment-{comment_id}",
            "issue_url": f"{self.api_url}/repos/{OWNER}/{NAME}/issues/{number}",
        }
        self.issue_comments.append(comment)
        return comment

    def add_review(
        self,
        number: int,
        login: str,
        state: str,
        body: str = "",
        *,
        association: str = "OWNER",
        bot: bool = False,
    ) -> dict[str, Any]:
        """A submitted review: state APPROVED, CHANGES_REQUESTED or COMMENTED."""
        review_id = self._new_id()
        review = {
            "id": review_id,
            "node_id": f"PRR_{review_id}",
            "number": number,
            "user": self.user_json(login, bot=bot),
            "body": body,
            "state": state,
            "author_association": association,
            "submitted_at": github_time(),
            "commit_id": self.sha_of(self.pulls[number]["head"]),
            "html_url": f"{self.base}/{OWNER}/{NAME}/pull/{number}#pullrequestreview-{review_id}",
            "pull_request_url": f"{self.api_url}/repos/{OWNER}/{NAME}/pulls/{number}",
        }
        self.reviews.append(review)
        return review

    def add_review_comment(
        self,
        number: int,
        login: str,
        path: str,
        line: int,
        body: str,
        *,
        association: str = "OWNER",
        bot: bool = False,
        in_reply_to: int | None = None,
        diff_hunk: str | None = None,
    ) -> dict[str, Any]:
        """An inline comment on `path` at `line` of the head (right side), with the diff hunk
        GitHub cuts for it; 422 (ValueError) when the line is not in the diff, as GitHub."""
        pull = self.pulls[number]
        hunk = diff_hunk or _diff_hunk(self.bare, pull["base"], pull["head"], path, line)
        if hunk is None:
            raise ValueError("pull_request_review_thread.line must be part of the diff")
        comment_id = self._new_id()
        stamp = github_time()
        comment: dict[str, Any] = {
            "id": comment_id,
            "node_id": f"PRRC_{comment_id}",
            "number": number,
            "pull_request_review_id": None,
            "diff_hunk": hunk,
            "path": path,
            "line": line,
            "original_line": line,
            "side": "RIGHT",
            "start_line": None,
            "position": None,
            "commit_id": self.sha_of(pull["head"]),
            "original_commit_id": self.sha_of(pull["head"]),
            "user": self.user_json(login, bot=bot),
            "body": body,
            "author_association": association,
            "created_at": stamp,
            "updated_at": stamp,
            "url": f"{self.api_url}/repos/{OWNER}/{NAME}/pulls/comments/{comment_id}",
            "html_url": f"{self.base}/{OWNER}/{NAME}/pull/{number}#discussion_r{comment_id}",
            "pull_request_url": f"{self.api_url}/repos/{OWNER}/{NAME}/pulls/{number}",
        }
        if in_reply_to is not None:
            comment["in_reply_to_id"] = in_reply_to
        self.review_comments.append(comment)
        return comment

    def webhook_payload(self, event: str, number: int, record: dict[str, Any]) -> dict[str, Any]:
        """The body GitHub posts for `event` about `record` (a review, review comment or
        issue comment of pull request `number`), trimmed to the fields GitHub always sends."""
        payload: dict[str, Any] = {
            "repository": self.repo_json(),
            "sender": record["user"],
        }
        if event == "pull_request_review":
            return {
                **payload,
                "action": "submitted",
                "review": record,
                "pull_request": self.pull_json(number),
            }
        if event == "pull_request_review_comment":
            return {
                **payload,
                "action": "created",
                "comment": record,
                "pull_request": self.pull_json(number),
            }
        issue = dict(self.pull_json(number), labels=[], pull_request={"url": "x"})
        return {**payload, "action": "created", "comment": record, "issue": issue}

    def close_as_person(self, number: int) -> None:
        """A person closes the pull request without merging."""
        self.pulls[number].update(state="closed", closed_at=github_time())

    def delete_branch_as_person(self, number: int) -> None:
        """A person deletes the pull request's head branch: GitHub closes the pull request."""
        pull = self.pulls[number]
        # GitHub keeps the last head sha on a pull request whose branch is gone.
        pull["last_head_sha"] = self.sha_of(pull["head"])
        git.Repo(self.bare).git.update_ref("-d", f"refs/heads/{pull['head']}")
        self.close_as_person(number)

    def close_issue_as_person(self, number: int, login: str) -> None:
        """A person closes an issue (GitHub records who in `closed_by`)."""
        stamp = github_time()
        self.issues[number].update(
            state="closed",
            closed_at=stamp,
            closed_by={"login": login, "id": 12, "type": "User"},
        )

    def unlabel_issue(self, number: int, name: str) -> None:
        """A person removes a label from an issue."""
        issue = self.issues[number]
        issue["labels"] = [label for label in issue["labels"] if label["name"] != name]

    def mergeability(self, number: int) -> tuple[bool | None, str]:
        """GitHub's `mergeable` and `mergeable_state` of one pull request: computed from a
        real `git merge-tree` of base and head; null and `unknown` once it is closed."""
        pull = self.pulls[number]
        head, base = self.sha_of(pull["head"]), self.sha_of(pull["base"])
        if pull["state"] != "open" or head is None or base is None:
            return None, "unknown"
        if self.computing_mergeability and self.computed.get(number) != (base, head):
            self.computed[number] = (base, head)
            return None, "unknown"
        try:
            git.Repo(self.bare).git.merge_tree("--write-tree", "--name-only", base, head)
        except git.GitCommandError:
            return False, "dirty"
        if pull["draft"]:
            return True, "draft"
        return True, "blocked" if self.protected else "clean"

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
            "issue_url": f"{self.api_url}/repos/{OWNER}/{NAME}/issues/{number}",
            "comments_url": f"{self.api_url}/repos/{OWNER}/{NAME}/issues/{number}/comments",
            "review_comments_url": f"{url}/comments",
            "commits_url": f"{url}/commits",
            "head": {
                "ref": pull["head"],
                "sha": self.sha_of(pull["head"]) or pull.get("last_head_sha"),
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


def _diff_hunk(bare: Path, base: str, head: str, path: str, line: int) -> str | None:
    """GitHub's `diff_hunk`: the hunk's header and lines down to the commented one."""
    diff = git.Repo(bare).git.diff(f"{base}...{head}", "--", path)
    kept: list[str] = []
    new_line = 0
    for text in diff.splitlines():
        match = re.match(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@", text)
        if match:
            kept, new_line = [text], int(match.group(1)) - 1
            continue
        if not kept or text.startswith("\\"):
            continue
        kept.append(text)
        if not text.startswith("-"):
            new_line += 1
            if new_line == line:
                return "\n".join(kept)
    return None


def _by_number(records: list[dict[str, Any]], number: int) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k != "number"} for r in records if r["number"] == number]


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
            if path == "/user" and method == "GET":
                return self._send(200, hub.user_json(hub.login))
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
            if (match := re.fullmatch(r"/issues/(\d+)/comments", rest)) and method == "GET":
                number = int(match.group(1))
                if number not in hub.issues and number not in hub.pulls:
                    return self._send(404, {"message": "Not Found"})
                return self._send(200, _by_number(hub.issue_comments, number))
            if (match := re.fullmatch(r"/(pulls|issues)/comments/(\d+)", rest)) and method == "GET":
                kept = hub.review_comments if match.group(1) == "pulls" else hub.issue_comments
                wanted_id = int(match.group(2))
                record = next((c for c in kept if c["id"] == wanted_id), None)
                if record is None:
                    return self._send(404, {"message": "Not Found"})
                return self._send(200, {k: v for k, v in record.items() if k != "number"})
            if match := re.fullmatch(r"/pulls/(\d+)/(reviews|comments)", rest):
                number = int(match.group(1))
                if number not in hub.pulls:
                    return self._send(404, {"message": "Not Found"})
                if method == "GET":
                    kept = hub.reviews if match.group(2) == "reviews" else hub.review_comments
                    return self._send(200, _by_number(kept, number))
            if (
                match := re.fullmatch(r"/pulls/(\d+)/comments/(\d+)/replies", rest)
            ) and method == "POST":
                number, parent_id = int(match.group(1)), int(match.group(2))
                parent = next(
                    (
                        c
                        for c in hub.review_comments
                        if c["id"] == parent_id and c["number"] == number
                    ),
                    None,
                )
                if parent is None:
                    return self._send(404, {"message": "Not Found"})
                if not str(body.get("body") or "").strip():
                    return self._send(422, {"message": "Validation Failed"})
                reply = hub.add_review_comment(
                    number,
                    hub.login,
                    parent["path"],
                    parent["line"],
                    body["body"],
                    association="COLLABORATOR",
                    in_reply_to=parent.get("in_reply_to_id") or parent_id,
                    diff_hunk=parent["diff_hunk"],
                )
                return self._send(201, {k: v for k, v in reply.items() if k != "number"})
            if (match := re.fullmatch(r"/issues/(\d+)/comments", rest)) and method == "POST":
                number = int(match.group(1))
                if number not in hub.issues and number not in hub.pulls:
                    return self._send(404, {"message": "Not Found"})
                hub.comments.append((number, body["body"]))
                made = hub.add_issue_comment(
                    number, hub.login, body["body"], association="COLLABORATOR"
                )
                return self._send(201, {k: v for k, v in made.items() if k != "number"})
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
                    # Only the single pull request's payload carries mergeability, as on
                    # GitHub; lists leave it out.
                    mergeable, state = hub.mergeability(number)
                    detail = dict(hub.pull_json(number), mergeable=mergeable, mergeable_state=state)
                    return self._send(200, detail)
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
                    if hub.mergeability(number)[0] is False:
                        return self._send(
                            405,
                            {
                                "message": "Pull Request is not mergeable",
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
