"""Preflight of the models: each role's provider can be reached (a key, a `base_url`, a
cassette that parses), and what an unpriced model means for the run's cost and budget."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from factory.checks.findings import CheckFinding
from factory.config.errors import key_path
from factory.config.settings import FactoryConfig


def model_findings(config: FactoryConfig, replay: Path | None) -> list[CheckFinding]:
    """Each role's model has what its provider needs (`missing_requirement`: a key, a
    `base_url`, a cassette), and a replay cassette parses completely."""
    from harness.config import AgentRole, ReplayConfig

    if replay is not None:
        return _cassette("--replay", replay)
    roles: tuple[AgentRole, ...] = ("planner", "coder", "tester", "reviewer")
    findings: list[CheckFinding] = []
    seen: set[str] = set()
    for role in roles:
        model = config.models.for_role(role)
        section = role if getattr(config.models, role) is not None else "default"
        key = key_path(("models", section))
        if key in seen:
            continue
        seen.add(key)
        missing = model.missing_requirement(os.environ)
        if isinstance(model, ReplayConfig):
            if missing is not None:
                findings.append(
                    CheckFinding(
                        key=f"{key}.cassette",
                        detail=f'provider = "replay" needs a cassette: {missing}',
                        fix="set cassette to a JSONL file (see docs/harness.md)",
                    )
                )
            elif model.cassette is not None:
                findings += _cassette(f"{key}.cassette", Path(model.cassette))
            continue
        if missing is not None:
            findings.append(
                CheckFinding(
                    key=f"{key}.provider",
                    detail=f'"{model.provider}" cannot be reached: {missing} (for the {role})',
                    fix='export ANTHROPIC_API_KEY (or OPENAI_API_KEY with provider = "openai"), '
                    f"point [{key}] base_url at an OpenAI-compatible server (Ollama, vLLM, "
                    "llama.cpp), or pass --replay CASSETTE",
                )
            )
    return findings


def _cassette(key: str, path: Path) -> list[CheckFinding]:
    """The cassette parses completely; the first bad line is named with its column."""
    from harness.errors import CassetteError
    from harness.replay import load_cassette

    if path.is_dir():
        return [CheckFinding(key=key, detail=f'"{path}" is a directory', fix="name a .jsonl file")]
    if not path.is_file():
        return [
            CheckFinding(key=key, detail=f'"{path}": no such cassette file', fix="fix the path")
        ]
    try:
        exchanges = load_cassette(path)
    except CassetteError as exc:
        return [CheckFinding(key=key, detail=str(exc), fix="fix that line (see docs/harness.md)")]
    except UnicodeDecodeError as exc:
        return [
            CheckFinding(
                key=key,
                detail=f'"{path}" is not UTF-8 text (byte {exc.start})',
                fix="a cassette is JSON lines in UTF-8",
            )
        ]
    if not exchanges:
        return [
            CheckFinding(
                key=key,
                detail=f'"{path}" has no replies',
                fix="record one with --record, or write replies by hand (docs/harness.md)",
            )
        ]
    return []


def price_findings(config: FactoryConfig, repos: Iterable[str]) -> list[CheckFinding]:
    """Per configured model without a price: its runs run on their token budget and cost an
    unknown amount (a warning); a dollar limit set on purpose over it with no token limit
    set cannot be enforced (an error, as `factory run` refuses it)."""
    from factory.config.prices import unenforceable, unenforceable_message, unpriced_models

    missing = unpriced_models(config)
    if not missing:
        return []
    findings: list[CheckFinding] = []
    scopes = {
        key_path(("repos", name, "budget", "max_usd"))
        if config.repos.get(name) and config.repos[name].budget is not None
        else "budgets.max_usd": config.budget_for(name)
        for name in repos
    } or {"budgets.max_usd": config.budgets}
    for key, limits in scopes.items():
        if unenforceable(limits):
            findings.append(CheckFinding(key=key, detail=unenforceable_message(missing[0], limits)))
    tokens = min(limits.max_tokens for limits in scopes.values())
    findings += [
        CheckFinding(
            key=key_path(("pricing", name)),
            severity="warning",
            detail=f"model {name!r} has no price: runs that use it run on their token budget "
            f"({tokens:,} tokens, [budgets] max_tokens) and their dollar cost is unknown",
            fix=f'add [pricing."{name}"] input = ..., output = ... (US dollars per million '
            "tokens) to know and limit what runs cost",
        )
        for name in missing
    ]
    return findings
