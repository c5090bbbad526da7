"""Who owns a path: CODEOWNERS as GitHub reads it, plus Backstage `catalog-info.yaml`.

CODEOWNERS as GitHub reads it: rules in file order, the last matching rule wins.

One parser and one matcher for both the `owners` gate policy (who must review) and the
forge (whom to request). GitHub's globs differ from gitignore's in one way that matters
here: `docs/*` owns only the files directly in `docs/`, not those in its subdirectories.
"""

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import yaml

from factory.git.base_reader import BaseSnapshot
from policies.globs import glob_regex

CODEOWNERS_PATHS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")
"""Where GitHub looks, in its order: the first file found is the one that counts."""
CATALOG_FILE = "catalog-info.yaml"

Rules = list[tuple[str, list[str]]]


def parse_codeowners(text: str) -> Rules:
    """(pattern, owners) rules in file order; owners as written (`@user`, `@org/team`, e-mail)."""
    rules: Rules = []
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        pattern, *owners = line.replace("\\ ", "\x00").split()
        rules.append((pattern.replace("\x00", " "), owners))
    return rules


def codeowners_problems(text: str) -> list[str]:
    """Lines GitHub would not read the way they look: patterns it does not support."""
    problems = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        pattern = line.split()[0]
        if pattern.startswith("!"):
            problems.append(f"line {number}: {pattern!r}: negated patterns are not supported")
        elif "[" in pattern and "]" in pattern:
            problems.append(f"line {number}: {pattern!r}: character ranges are not supported")
    return problems


def owners_of(path: str, rules: Sequence[tuple[str, list[str]]]) -> list[str]:
    """The owners of the last rule matching `path` (repository-relative), or none."""
    for pattern, owners in reversed(rules):
        if glob_regex(pattern, codeowners=True).fullmatch(path.lstrip("/")):
            return list(owners)
    return []


def reviewer_names(owners: Iterable[str]) -> list[str]:
    """Owners as a forge can request them: without `@`, in first-seen order (`org/team` for
    teams). E-mail owners cannot be requested as reviewers and are left out."""
    names: list[str] = []
    for owner in owners:
        name = owner.removeprefix("@")
        if owner.startswith("@") and name not in names:
            names.append(name)
    return names


def catalog_owner(text: str) -> str | None:
    """`spec.owner` of the first entity in a Backstage catalog-info.yaml that names one."""
    try:
        documents = list(yaml.safe_load_all(text))
    except yaml.YAMLError:
        return None
    for document in documents:
        spec = document.get("spec") if isinstance(document, dict) else None
        owner = spec.get("owner") if isinstance(spec, dict) else None
        if isinstance(owner, str) and owner.strip():
            return owner.strip()
    return None


def _directory_key(directory: Path) -> str:
    return "" if str(directory) == "." else directory.as_posix()


def owners_of_paths(
    paths: Iterable[str], codeowners: str | None, catalogs: Mapping[str, str]
) -> dict[str, list[str]]:
    """Owners per path: CODEOWNERS' last matching rule, plus the `spec.owner` of the nearest
    catalog-info.yaml in the path's directory or above. `catalogs` maps file path -> text."""
    rules = parse_codeowners(codeowners or "")
    catalog_owners = {
        _directory_key(Path(path).parent): owner
        for path, text in catalogs.items()
        if (owner := catalog_owner(text)) is not None
    }
    result: dict[str, list[str]] = {}
    for path in paths:
        owners = list(owners_of(path, rules))
        directory = Path(path).parent
        for candidate in [directory, *directory.parents]:
            key = _directory_key(candidate)
            if key in catalog_owners:
                if catalog_owners[key] not in owners:
                    owners.append(catalog_owners[key])
                break
        result[path] = owners
    return result


def read_owners(base: BaseSnapshot, paths: Sequence[str]) -> dict[str, list[str]]:
    """Owners of `paths` from CODEOWNERS and catalog-info.yaml files on the base branch."""
    files = base.files
    codeowners = next((base.read(loc) for loc in CODEOWNERS_PATHS if loc in files), None)
    catalogs = {path: base.read(path) or "" for path in files if Path(path).name == CATALOG_FILE}
    return owners_of_paths(paths, codeowners, catalogs)
