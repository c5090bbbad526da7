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
  its merge or close lands on that run (`run/pr_sync.py`), so the review counts the merge;
  recorded once, however often GitHub tells it.
Queued (202), one maintenance job per pull request (`queue/pull_jobs.py`):
- `check_run` / `check_suite` completed and `status` settled on a configured repository:
  for the pull requests of that head commit (`queue/ci_webhooks.py`); the job reads the
  checks from GitHub, not from the payload;
- `pull_request_review` / `submitted`, `pull_request_review_comment` / `created`, and
  `issue_comment` / `created` on a pull request of a configured repository: the job reads the
  pull request's feedback from GitHub (never the payload's) and the guards decide whether it
  starts a follow-up round (`factory/pulls/`); a comment seen before starts nothing again.
Other events are acknowledged and ignored (200). Refused, with nothing queued: a body over
`MAX_BODY_BYTES` (413, never read whole), an unsigned or mis-signed one (401), one without a
delivery id, event or JSON object (400), `/factory run` from anyone else (403), and a replay
(409). Every delivery is remembered in the store (`webhook_deliveries`) by its delivery id and
by the digest of its signed body: the signature covers the body alone, so a captured body sent
again under a new delivery id is the same delivery, refused even after the job it queued was
cancelled or finished. A delivery whose queueing failed (503) may be redelivered.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
from typing import Any

import structlog
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from factory.config import FactoryConfig
from factory.queue.ci_webhooks import ci_pull_requests, queue_ci_maintenance
from factory.store import Store

log = structlog.get_logger()

SECRET_ENV = "FACTORY_GITHUB_WEBHOOK_SECRET"
SIGNATURE_HEADER = "X-Hub-Signature-256"
DELIVERY_HEADER = "X-GitHub-Delivery"
COMMAND = "/factory run"
TRUSTED_ASSOCIATIONS = frozenset({"OWNER", "MEMBER", "COLLABORATOR"})
MAX_BODY_BYTES = 2 << 20
"""An issue or comment event is far smaller (GitHub caps a body at 65,536 characters); a body
larger than this is refused before it is read whole."""
_DELIVERY_ID = re.compile(r"^[A-Za-z0-9-]{1,100}$")


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


FEEDBACK_ACTIONS = {
    "pull_request_review": "submitted",
    "pull_request_review_comment": "created",
    "issue_comment": "created",
}


def pull_feedback(
    config: FactoryConfig, event: str, payload: dict[str, Any]
) -> tuple[str, int] | None:
    """(configured repository name, pull request number) when feedback arrived on a PR."""
    if FEEDBACK_ACTIONS.get(event) != payload.get("action"):
        return None
    full_name = str((payload.get("repository") or {}).get("full_name") or "")
    repo = next((name for name, r in config.repos.items() if r.github == full_name), None)
    if event == "issue_comment":
        issue = payload.get("issue") or {}
        number = issue.get("number") if issue.get("pull_request") else None
    else:
        number = (payload.get("pull_request") or {}).get("number")
    if repo is None or not isinstance(number, int) or isinstance(number, bool):
        return None
    return repo, number


def untrusted_command(event: str, payload: dict[str, Any]) -> str | None:
    """Why a `/factory run` comment is refused: its author may not ask; None otherwise."""
    comment = payload.get("comment") or {}
    if event != "issue_comment" or payload.get("action") != "created":
        return None
    if not str(comment.get("body") or "").strip().startswith(COMMAND):
        return None
    association = str(comment.get("author_association") or "NONE")
    if association in TRUSTED_ASSOCIATIONS:
        return None
    return (
        f"{COMMAND} by a commenter who is not an owner, member or collaborator "
        f"({association}): only they may ask for a run"
    )


def github_webhook_router(config: FactoryConfig, store: Store | None = None) -> APIRouter:
    """POST /webhooks/github: verify, refuse replays, then queue one run per ticket.

    `store` records the deliveries (the dashboard's own); without one the router opens the
    configured store on its first delivery."""
    router = APIRouter()
    opened: list[Store] = [store] if store is not None else []

    def records() -> Store:
        if not opened:
            opened.append(Store.open(config))
        return opened[0]

    @router.post("/webhooks/github")
    async def github_webhook(request: Request) -> JSONResponse:
        body = await _capped_body(request)
        if body is None:
            return _refused(f"the body is larger than {MAX_BODY_BYTES} bytes", 413)
        refused = verify_signature(
            os.environ.get(SECRET_ENV), body, request.headers.get(SIGNATURE_HEADER)
        )
        if refused is not None:
            status = 503 if refused.startswith("webhooks are disabled") else 401
            return _refused(refused, status)
        event = request.headers.get("X-GitHub-Event", "")
        if event == "ping":
            return JSONResponse({"ok": True, "pong": True})
        delivery = request.headers.get(DELIVERY_HEADER, "")
        if not event or not _DELIVERY_ID.match(delivery):
            return _refused(f"a delivery needs X-GitHub-Event and a {DELIVERY_HEADER} id", 400)
        try:
            payload = json.loads(body)
        except ValueError:
            return _refused("the body is not JSON", 400)
        if not isinstance(payload, dict):
            return _refused("the body is not a JSON object", 400)
        digest = hashlib.sha256(body).hexdigest()
        seen = await run_in_threadpool(records().webhook_deliveries.take, delivery, digest, event)
        if seen is not None:
            return _refused(
                f"delivery {delivery} replays delivery {seen.delivery_id} received "
                f"{seen.received_at:%Y-%m-%dT%H:%M:%SZ} ({seen.outcome}); nothing is queued",
                409,
            )
        return await _act(config, records(), delivery, event, payload)

    return router


async def _act(
    config: FactoryConfig, store: Store, delivery: str, event: str, payload: dict[str, Any]
) -> JSONResponse:
    """What a new, authentic delivery asks for, done once and recorded as its outcome."""
    closed = closed_pull_request(config, event, payload)
    if closed is not None:
        settled = await run_in_threadpool(_settle_pull, config, store, *closed)
        outcome = (
            f"recorded: run {settled['run_id']} {settled['decision']}"
            if settled is not None
            else "recorded nothing: no run of this store waits on that pull request's decision"
        )
        await run_in_threadpool(store.webhook_deliveries.settle, delivery, outcome)
        return JSONResponse({"ok": True, "queued": False, "recorded": settled})
    ci = await run_in_threadpool(ci_pull_requests, config, store, event, payload)
    if ci is not None:
        return await _queue(delivery, store, queue_ci_maintenance, config, *ci)
    feedback = pull_feedback(config, event, payload)
    if feedback is not None:
        return await _queue(delivery, store, _queue_maintenance, config, *feedback)
    untrusted = untrusted_command(event, payload)
    wanted = None if untrusted else wanted_issue(config, event, payload)
    if untrusted is not None or wanted is None:
        outcome = f"refused: {untrusted}" if untrusted else "ignored"
        await run_in_threadpool(store.webhook_deliveries.settle, delivery, outcome)
        if untrusted is not None:
            return _refused(untrusted, 403)
        return JSONResponse({"ok": True, "queued": False})
    repo, number, full_name = wanted
    try:
        queued = await run_in_threadpool(_queue_issue, config, repo, full_name, number)
    except Exception as error:
        # Recorded as failed, so GitHub's "Redeliver" of this delivery may try again.
        log.warning("a webhook delivery could not be queued", delivery=delivery, error=str(error))
        await run_in_threadpool(store.webhook_deliveries.settle, delivery, f"failed: {error}")
        return _refused(f"the run could not be queued: {type(error).__name__}", 503)
    await run_in_threadpool(
        store.webhook_deliveries.settle, delivery, f"queued job {queued['job_id']}"
    )
    return JSONResponse({"ok": True, "queued": True, **queued}, status_code=202)


async def _queue(delivery: str, store: Store, queue: Any, *args: Any) -> JSONResponse:
    """Queue a job for the delivery; a failure is recorded so a redelivery may try again."""
    try:
        queued = await run_in_threadpool(queue, *args)
    except Exception as error:
        log.warning("a webhook delivery could not be queued", delivery=delivery, error=str(error))
        await run_in_threadpool(store.webhook_deliveries.settle, delivery, f"failed: {error}")
        return _refused(f"the job could not be queued: {type(error).__name__}", 503)
    await run_in_threadpool(
        store.webhook_deliveries.settle, delivery, f"queued job {queued['job_id']}"
    )
    return JSONResponse({"ok": True, "queued": True, **queued}, status_code=202)


def _queue_maintenance(config: FactoryConfig, repo: str, number: int) -> dict[str, Any]:
    from factory.queue.pull_jobs import queue_pull_maintenance

    return {"pull_request": number, **queue_pull_maintenance(config, repo, number)}


async def _capped_body(request: Request) -> bytes | None:
    """The request's body, or None once it passes MAX_BODY_BYTES (never read further)."""
    declared = request.headers.get("content-length", "")
    if declared and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            return None
    return bytes(body)


def _refused(reason: str, status: int) -> JSONResponse:
    return JSONResponse({"error": reason, "queued": False}, status_code=status)


def _queue_issue(config: FactoryConfig, repo: str, full_name: str, number: int) -> dict[str, Any]:
    from factory.queue.enqueue import queue_ticket
    from factory.run.setup import RunOptions

    queued = queue_ticket(config, f"{full_name}#{number}", RunOptions(repo=repo))
    return queued.model_dump()


def _settle_pull(
    config: FactoryConfig, store: Store, repo: str, number: int
) -> dict[str, Any] | None:
    from factory.run.pr_sync import sync_pull_request

    settled = sync_pull_request(config, store, repo, number)
    if settled is None:
        return None
    return {"run_id": settled.run_id, "pull_request": number, "decision": settled.decision}


def webhook_app(config: FactoryConfig) -> FastAPI:
    """The webhook endpoint alone, for a server that runs no dashboard."""
    app = FastAPI(title="agent-factory webhooks", docs_url=None, redoc_url=None)
    app.include_router(github_webhook_router(config))
    return app
