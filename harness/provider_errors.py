"""Turns SDK exceptions into a retry or a clear, final `ModelError` (both SDKs share shapes)."""

from __future__ import annotations

import json
import os

from harness.errors import MissingAPIKeyError, ModelAuthError, ModelError, ModelRequestError
from harness.retry import Retryable, parse_retry_after

RETRYABLE_STATUSES = frozenset({408, 409, 425, 429, 500, 502, 503, 504, 529})


def api_key_from_env(env_var: str, provider: str, *, required: bool = True) -> str | None:
    key = os.environ.get(env_var, "").strip()
    if not key and required:
        raise MissingAPIKeyError(
            f"{env_var} is not set: export your {provider} API key in {env_var}, "
            'or use provider = "replay" with a cassette to run offline'
        )
    return key or None


def classify_failure(exc: Exception, *, provider: str, key_env: str) -> Exception:
    """What to raise for `exc`: `Retryable` when another attempt may work, else a `ModelError`."""
    status = getattr(exc, "status_code", None)
    if isinstance(status, int):
        detail = _server_message(exc)
        if status in RETRYABLE_STATUSES or status >= 500:
            headers = getattr(getattr(exc, "response", None), "headers", None)
            return Retryable(
                f"{provider} answered {status}: {detail}",
                status=status,
                retry_after=parse_retry_after(headers),
            )
        if status in (401, 403):
            return ModelAuthError(
                f"{key_env} was rejected ({status}): set a valid {provider} key in {key_env}"
            )
        return ModelRequestError(f"{provider} refused the request ({status}): {detail}")
    name = type(exc).__name__
    if name == "APITimeoutError":
        return Retryable(f"{provider} did not answer in time")
    if name == "APIConnectionError":
        return Retryable(f"lost the connection to {provider}: {exc}")
    if isinstance(exc, json.JSONDecodeError) or name == "APIResponseValidationError":
        return Retryable(f"{provider} sent a reply that is not valid JSON: {exc}")
    return ModelError(f"{provider} call failed: {name}: {exc}")


def _server_message(exc: Exception) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return str(error["message"])
        if isinstance(body.get("message"), str):
            return str(body["message"])
    return str(getattr(exc, "message", exc))
