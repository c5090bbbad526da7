"""Scrubs secrets out of anything written to a cassette."""

from __future__ import annotations

import os
import re
from typing import Any

MASK = "[REDACTED]"

# One alternation, so clean text (the common case) costs a single scan.
_TOKENS = re.compile(
    "|".join(
        [
            r"sk-ant-[A-Za-z0-9_\-]{10,}",
            r"sk-(?:proj-)?[A-Za-z0-9_\-]{20,}",
            r"gh[pousr]_[A-Za-z0-9]{20,}",
            r"github_pat_[A-Za-z0-9_]{20,}",
            r"xox[abprs]-[A-Za-z0-9\-]{10,}",
            r"AKIA[0-9A-Z]{16}",
            r"AIza[0-9A-Za-z_\-]{35}",
            r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----",
        ]
    ),
    re.DOTALL,
)
# `Authorization: Bearer x`, `api_key="x"`, `"token": "x"`: keep the name, mask the value.
_ASSIGNMENT = re.compile(
    r"(?i)((?:authorization|x-api-key|api[_-]?key|access[_-]?token|auth[_-]?token|token|secret"
    r"|password|passwd)[\"']?\s*[:=]\s*[\"']?(?:bearer\s+|basic\s+)?)([^\s\"',;]{6,})"
)
_BEARER = re.compile(r"(?i)(bearer\s+)([A-Za-z0-9._~+/\-]{8,}=*)")
_SECRET_ENV_NAME = re.compile(r"(?i)(key|token|secret|password)$")


def secret_env_values() -> list[str]:
    values = [
        value
        for name, value in os.environ.items()
        if _SECRET_ENV_NAME.search(name) and len(value) >= 8
    ]
    return sorted(values, key=len, reverse=True)


def mask_values(text: str, values: list[str]) -> str:
    """`text` with each of `values` (secrets known by value) masked; the cheap half of
    `redact_text`, for text whose token patterns were masked already."""
    for value in values:
        text = text.replace(value, MASK)
    return text


# What each pattern cannot match without (checked first: a plain substring test is far cheaper
# than a scan with alternation, and most text holds none of them).
_TOKEN_HINTS = ("sk-", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "xox", "AKIA", "AIza")
_KEY_HINT = "-----BEGIN"
_ASSIGNMENT_HINTS = ("authorization", "api", "token", "secret", "passw")


def redact_text(text: str, env_values: list[str] | None = None) -> str:
    text = mask_values(text, secret_env_values() if env_values is None else env_values)
    if _KEY_HINT in text or any(hint in text for hint in _TOKEN_HINTS):
        text = _TOKENS.sub(MASK, text)
    folded = text.casefold()  # as the patterns' (?i) matching folds case
    if any(hint in folded for hint in _ASSIGNMENT_HINTS):
        text = _ASSIGNMENT.sub(lambda m: m.group(1) + MASK, text)
    if "bearer" in folded:
        text = _BEARER.sub(lambda m: m.group(1) + MASK, text)
    return text


def redact(value: Any, env_values: list[str] | None = None) -> Any:
    """A copy of a JSON-like value with every string scrubbed."""
    values = secret_env_values() if env_values is None else env_values
    if isinstance(value, str):
        return redact_text(value, values)
    if isinstance(value, dict):
        return {key: redact(item, values) for key, item in value.items()}
    if isinstance(value, list):
        return [redact(item, values) for item in value]
    return value
