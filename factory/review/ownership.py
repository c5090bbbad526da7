"""Who owns a repository and which domain it belongs to, read from its base branch.

Backstage's `catalog-info.yaml` (`spec.owner`, `spec.system`, `spec.domain`) first; without an
owner there, the owners of CODEOWNERS' catch-all rule (`*`). Read from the base branch, like
every governing file, so a branch cannot rename its own owner.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from factory.gate.owners import CODEOWNERS_PATHS, parse_codeowners
from factory.git import GitError
from factory.git.base_reader import read_from_base

CATALOG_PATHS = ("catalog-info.yaml", "catalog-info.yml")
AGENT_GUIDES = ("AGENTS.md", "CLAUDE.md", ".github/copilot-instructions.md")


@dataclass
class Ownership:
    readable: bool
    """False when there is no local clone to read, or the base branch is missing."""
    owner: str | None = None
    owner_source: str | None = None
    system: str | None = None
    domain: str | None = None
    catalog_path: str | None = None
    codeowners_path: str | None = None
    agent_guide: str | None = None
    problem: str | None = None


def read_ownership(repo: Path | None, base: str | None) -> Ownership:
    if repo is None or base is None:
        return Ownership(readable=False, problem="no local clone (set `path` to read it)")
    try:
        catalog_path, catalog = _first(repo, base, CATALOG_PATHS)
        owners_path, owners_text = _first(repo, base, CODEOWNERS_PATHS)
        guide, _ = _first(repo, base, AGENT_GUIDES)
    except GitError as error:
        return Ownership(readable=False, problem=str(error))
    found = Ownership(
        readable=True, catalog_path=catalog_path, codeowners_path=owners_path, agent_guide=guide
    )
    spec = _catalog_spec(catalog)
    found.system = _text(spec.get("system"))
    found.domain = _text(spec.get("domain")) or found.system
    if _text(spec.get("owner")):
        found.owner, found.owner_source = _text(spec.get("owner")), f"{catalog_path} spec.owner"
    elif owners_text:
        catch_all = [owners for pattern, owners in parse_codeowners(owners_text) if pattern == "*"]
        if catch_all and catch_all[-1]:
            found.owner = " ".join(catch_all[-1])
            found.owner_source = f"{owners_path} `*` rule"
    return found


def _first(repo: Path, base: str, paths: tuple[str, ...]) -> tuple[str | None, str | None]:
    for path in paths:
        text = read_from_base(repo, base, path)
        if text is not None:
            return path, text
    return None, None


def _catalog_spec(text: str | None) -> dict[str, object]:
    if not text:
        return {}
    try:
        for document in yaml.safe_load_all(text):
            if isinstance(document, dict) and isinstance(document.get("spec"), dict):
                return dict(document["spec"])
    except yaml.YAMLError:
        return {}
    return {}


def _text(value: object) -> str | None:
    return str(value).strip() or None if value is not None else None
