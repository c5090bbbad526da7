"""The configuration hash: one digest of everything that shapes what the agents do and what
the gate allows in a repository, recorded on every run and every eval.

It covers the models and their settings (every role's provider, model, base URL, limits;
never a secret: those live only in the environment), the contents of the agents' prompt
files, the repository's policies and their parameters (its policy list, protected paths,
risk rule, iteration limit) and the factory's version. Two runs
with the same hash ran under the same configuration; a new model, prompt or policy is a new
hash, which is how earned autonomy tells one configuration's track record from another's.

The autonomy range and its rules are left out on purpose: they are what the evidence
unlocks, not what produces a change or judges it, and an eval runs at L1 whatever they say.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from agents.briefing import PROMPTS
from factory import __version__
from factory.config.settings import FactoryConfig, RepoConfig

ROLES = ("planner", "coder", "tester", "reviewer")
SHORT = 12
"""Characters of the hash shown to people; the full sha256 is stored."""


def configuration_parts(
    config: FactoryConfig, repo: RepoConfig, *, model_override: str | None = None
) -> dict[str, Any]:
    """What the hash is computed over, as JSON-ready data (`factory autonomy show` prints it)."""
    models: dict[str, Any] = {}
    for role in ROLES:
        chosen = config.models.for_role(role)  # type: ignore[arg-type]
        if model_override:
            chosen = chosen.model_copy(update={"model": model_override})
        models[role] = chosen.model_dump(mode="json")
    prompts = {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(PROMPTS.glob("*.md"))
    }
    policies = {
        "policies": [spec.model_dump(mode="json") for spec in repo.policies],
        "protected_paths": list(repo.protected_paths),
        "risk": repo.risk.model_dump(mode="json"),
        "max_iterations": repo.max_iterations,
    }
    return {"models": models, "prompts": prompts, "policies": policies, "version": __version__}


def configuration_hash(
    config: FactoryConfig, repo: RepoConfig, *, model_override: str | None = None
) -> str:
    """sha256 over `configuration_parts`, as canonical JSON (sorted keys, no whitespace)."""
    parts = configuration_parts(config, repo, model_override=model_override)
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
