"""GitHub webhooks: queue runs (an issue labelled for the factory, or `/factory run`), and
record what a person did to a factory pull request (merged or closed it on GitHub).

`github_webhook_router(config)` is a FastAPI router (POST `/webhooks/github`) for `factory
serve` to mount; `webhook_app(config)` serves it alone. Every delivery must carry GitHub's
`X-Hub-Signature-256`, the HMAC-SHA256 of the exact body under the secret in
`FACTORY_GITHUB_WEBHOOK_SECRET`; without the secret configured every delivery is refused, so
a misconfigured server never accepts unsigned input. The payload is untrusted even when
signed (it carries issue text): only the repository, issue number, label and the commenter's
association are read, and the ticket is read from GitHub by the worker that runs it.

Queued (202):
- `issues` / `labeled` with `[queue] webhook_label`, on a repository configured by `github =`;
- `issue_comment` / `created` whose body starts with `/factory run`, by an owner, member or
  collaborator of the repository (anyone may comment on a public issue).
Recorded (200):
- `pull_request` / `closed` on a configured repository: the pull request is read back from
  GitHub (the payload's word is not taken for it) and, when a run of this store opened it,
  its merge or close lands on that run (`run/pr_sync.py`), so the review counts the merge.
Everything else is acknowledged and ignored (200). A redelivered or replayed delivery queues
nothing new: the ticket's queueing lock returns the job it already has, and a pull request's
fate is recorded once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from factory.config import FactoryConfig

SECRET_ENV = "FACTORY_GITHUB_WEBHOOK_SECRET"
SIGNATURE_HEADER = "X-Hub-Signature-256"
COMMAND = "/factory run"
TRUSTED_ASSOCIATIONS = frozenset({"OWNER", "MEMBER", "COLLABORATOR"})


def signature_of(secret: str, body: bytes) -> str:
    """GitHub's `X-Hub-Signature-256` value for `body`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(secret: str | None, body: bytes, header: str | None) -> str | None:
    """None when the delivery is authentic; otherwise why it is refused."""
    if not secret:
        return f"webhooks are disabled: {SECRET_ENV} is not set on this server"
    if not header:
        return f"unsigned delivery: no {SIGNATURE_HEADER} header"
    if not hmac.compare_digest(signature_of(secret, body), header.strip()):
        return "signature does not match the body"
    return None


def wanted_issue(
    config: FactoryConfig, event: str, payload: dict[str, Any]
) -> tuple[str, int, str] | None:
    """(configured repository name, issue number, GitHub `owner/name`) if this queues a run."""
    full_name = str((payload.get("repository") or {}).get("full_name") or "")
    repo = next((name for name, r in config.repos.items() if r.github == full_name), None)
    issue = payload.get("issue") or {}
    number = issue.get("number")
    if repo is None or not isinstance(number, int) or issue.get("pull_request"):
        return None
    action = payload.get("action")
    if event == "issues" and action == "labeled":
        label = (payload.get("label") or {}).get("name")
        return (repo, number, full_name) if label == config.queue.webhook_label else None
    if event == "issue_comment" and action == "created":
        comment = payload.get("comment") or {}
        asked = str(comment.get("body") or "").strip().startswith(COMMAND)
        trusted = comment.get("author_association") in TRUSTED_ASSOCIATIONS
        return (repo, number, full_name) if asked and trusted else None
    return None


def closed_pull_request(
    config: FactoryConfig, event: str, payload: dict[str, Any]
) -> tuple[str, int] | None:
    """(configured repository name, pull request number) when a pull request was closed."""
    if event != "pull_request" or payload.get("action") != "closed":
        return None
    full_name = str((payload.get("repository") or {}).get("full_name") or "")
    repo = next((name for name, r in config.repos.items() if r.github == full_name), None)
    number = (payload.get("pull_request") or {}).get("number")
    if repo is None or not isinstance(number, int) or isinstance(number, bool):
        return None
    return repo, number


def github_webhook_router(config: FactoryConfig) -> APIRouter:
    """POST /webhooks/github: verify, then queue one run per ticket."""
    router = APIRouter()

    @router.post("/webhooks/github")
    async def github_webhook(request: Request) -> JSONResponse:
        body = await request.body()
        refused = verify_signature(
            os.environ.get(SECRET_ENV), body, request.headers.get(SIGNATURE_HEADER)
        )
        if refused is not None:
            status = 503 if refused.startswith("webhooks are disabled") else 401
            return JSONResponse({"error": refused}, status_code=status)
        event = request.headers.get("X-GitHub-Event", "")
        if event == "ping":
            return JSONResponse({"ok": True, "pong": True})
        try:
            payload = json.loads(body)
        except ValueError:
            return JSONResponse({"error": "body is not JSON"}, status_code=400)
        if not isinstance(payload, dict):
            return JSONResponse({"ok": True, "queued": False})
        closed = closed_pull_request(config, event, payload)
        if closed is not None:
            settled = await run_in_threadpool(_settle_pull, config, *closed)
            return JSONResponse({"ok": True, "queued": False, "recorded": settled})
        wanted = wanted_issue(config, event, payload)
        if wanted is None:
            return JSONResponse({"ok": True, "queued": False})
        repo, number, full_name = wanted
        queued = await run_in_threadpool(_queue_issue, config, repo, full_name, number)
        return JSONResponse({"ok": True, "queued": True, **queued}, status_code=202)

    return router


def _queue_issue(config: FactoryConfig, repo: str, full_name: str, number: int) -> dict[str, Any]:
    from factory.queue.enqueue import queue_ticket
    from factory.run.setup import RunOptions

    queued = queue_ticket(config, f"{full_name}#{number}", RunOptions(repo=repo))
    return queued.model_dump()


def _settle_pull(config: FactoryConfig, repo: str, number: int) -> dict[str, Any] | None:
    from factory.run.pr_sync import sync_pull_request
    from factory.store import Store

    with Store.open(config) as store:
        settled = sync_pull_request(config, store, repo, number)
    if settled is None:
        return None
    return {"run_id": settled.run_id, "pull_request": number, "decision": settled.decision}


def webhook_app(config: FactoryConfig) -> FastAPI:
    """The webhook endpoint alone, for a server that runs no dashboard."""
    app = FastAPI(title="agent-factory webhooks", docs_url=None, redoc_url=None)
    app.include_router(github_webhook_router(config))
    return app
