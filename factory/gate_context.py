"""Building a GateContext from real inputs: a unified diff, and owners from the base branch.

The diff may come from a patch file (`factory policy check`) or from git between two commits
(a run). Owners come from CODEOWNERS and Backstage `catalog-info.yaml` files as they are on
the BASE branch: a run that edits CODEOWNERS must not choose its own reviewers.
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import git
import yaml

from factory.codeowners import CODEOWNERS_PATHS, owners_of, parse_codeowners
from policies.config import AutonomyLevel
from policies.models import (
    BudgetLimits,
    DiffSummary,
    FileChange,
    GateContext,
    ReviewSummary,
    RunCost,
    TestSummary,
    TicketSummary,
    TrackRecord,
)

"""Where GitHub looks, in its order: the first file found is the one that counts."""
CATALOG_FILE = "catalog-info.yaml"

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_GIT_HEADER = re.compile(r'^diff --git ("?)a/(.+?)\1 ("?)b/(.+?)\3$')


class DiffParseError(ValueError):
    """The text is not a unified diff; the message says what was expected."""


def _unquote(path: str) -> str:
    """Git C-quotes unusual paths ("a/caf\\303\\251.txt"); undo that."""
    path = path.strip()
    if len(path) >= 2 and path.startswith('"') and path.endswith('"'):
        raw = path[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")
        return raw.encode("latin-1").decode("utf-8", "replace")
    return path


def _side(header_value: str, prefix: str) -> str | None:
    value = _unquote(header_value.split("\t", 1)[0])
    if value == "/dev/null":
        return None
    return value[len(prefix) :] if value.startswith(prefix) else value


class _FileBuilder:
    def __init__(self, old: str | None = None, new: str | None = None) -> None:
        self.old, self.new = old, new
        self.status = "modified"
        self.added = self.removed = 0
        self.binary = False
        self.lines: list[str] = []

    def build(self) -> FileChange | None:
        if self.old is None and self.new is None:
            return None
        if self.new is None:
            self.status = "deleted"
        elif self.old is None:
            self.status = "added"
        elif self.old != self.new:
            self.status = "renamed"
        path = self.new if self.new is not None else self.old
        assert path is not None
        return FileChange(
            path=path,
            old_path=self.old if self.status == "renamed" else None,
            status=self.status,
            added=self.added,
            removed=self.removed,
            binary=self.binary,
            added_lines=self.lines,
        )


def parse_unified_diff(text: str) -> DiffSummary:
    """Files, line counts, renames, deletions, binaries and added lines of a unified diff
    (git format, or plain `diff -u`). Hunk lengths are followed exactly, so a removed line
    that starts with `--` is never mistaken for a file header."""
    files: list[FileChange] = []
    current: _FileBuilder | None = None
    old_left = new_left = 0
    lines = text.splitlines()

    def finish() -> None:
        if current is not None:
            built = current.build()
            if built is not None:
                files.append(built)

    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if old_left > 0 or new_left > 0:
            if line.startswith("+"):
                assert current is not None
                current.added += 1
                current.lines.append(line[1:])
                new_left -= 1
            elif line.startswith("-"):
                assert current is not None
                current.removed += 1
                old_left -= 1
            elif line.startswith("\\"):
                pass  # "\ No newline at end of file"
            else:
                old_left -= 1
                new_left -= 1
            continue
        if line.startswith("diff --git "):
            finish()
            match = _GIT_HEADER.match(line)
            current = _FileBuilder(*(match.group(2, 4) if match else (None, None)))
        elif line.startswith("--- ") and i < len(lines) and lines[i].startswith("+++ "):
            if current is None or current.added or current.removed:
                finish()
                current = _FileBuilder()
            current.old = _side(line[4:], "a/")
            current.new = _side(lines[i][4:], "b/")
            i += 1
        elif current is None:
            continue  # preamble (a mail header, a commit message) before the first file
        elif line.startswith("new file mode"):
            current.old = None
        elif line.startswith("deleted file mode"):
            current.new = None
        elif line.startswith("rename from ") or line.startswith("copy from "):
            current.old = _unquote(line.split(" from ", 1)[1])
        elif line.startswith("rename to ") or line.startswith("copy to "):
            current.new = _unquote(line.split(" to ", 1)[1])
        elif line.startswith("Binary files ") or line.startswith("GIT binary patch"):
            current.binary = True
        elif (hunk := _HUNK.match(line)) is not None:
            old_left = int(hunk.group(2)) if hunk.group(2) is not None else 1
            new_left = int(hunk.group(4)) if hunk.group(4) is not None else 1
    finish()
    if not files and text.strip():
        raise DiffParseError(
            "no file changes found: expected a unified diff (`git diff` or `diff -u` output)"
        )
    return DiffSummary(files=files)


def diff_between(repo_path: Path, base: str, head: str) -> str:
    """The unified diff from `base` to `head` (commits or refs), with renames detected."""
    repo = git.Repo(repo_path)
    merge_base = repo.git.merge_base(base, head)
    text: str = repo.git.diff(merge_base, head, "--no-color", "--no-ext-diff", "-M")
    return text + "\n" if text else ""


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


def _base_commit(repo: git.Repo, base: str) -> git.Commit:
    for ref in (f"origin/{base}", base):
        try:
            return repo.commit(ref)
        except (git.BadName, ValueError):
            continue
    raise ValueError(f"base branch {base!r} not found in {repo.working_dir}; check base_branch")


def read_owners(repo_path: Path, base: str, paths: Sequence[str]) -> dict[str, list[str]]:
    """Owners of `paths` from CODEOWNERS and catalog-info.yaml files on the base branch."""
    repo = git.Repo(repo_path)
    tree = _base_commit(repo, base).tree
    blobs: dict[str, git.Blob] = {
        str(item.path): item for item in tree.traverse() if isinstance(item, git.Blob)
    }

    def text_of(path: str) -> str:
        data: bytes = blobs[path].data_stream.read()
        return data.decode("utf-8", "replace")

    codeowners = next((text_of(loc) for loc in CODEOWNERS_PATHS if loc in blobs), None)
    catalogs = {path: text_of(path) for path in blobs if Path(path).name == CATALOG_FILE}
    return owners_of_paths(paths, codeowners, catalogs)


def build_gate_context(
    repo: str,
    diff: DiffSummary,
    *,
    level: AutonomyLevel,
    ticket: TicketSummary | None = None,
    plan_summary: str = "",
    tests: TestSummary | None = None,
    review: ReviewSummary | None = None,
    cost: RunCost | None = None,
    budget: BudgetLimits | None = None,
    track_record: TrackRecord | None = None,
    owners: Mapping[str, list[str]] | None = None,
    halt_reason: str | None = None,
    policy_sources: Sequence[str] = (),
    now: datetime | None = None,
) -> GateContext:
    """The context the policies read. `halt_reason` set means the repo is halted."""
    extra: dict[str, Any] = {}
    if ticket is not None:
        extra["ticket"] = ticket
    return GateContext(
        repo=repo,
        plan_summary=plan_summary,
        diff=diff,
        tests=tests,
        review=review,
        cost=cost or RunCost(),
        budget=budget or BudgetLimits(),
        level=level,
        track_record=track_record or TrackRecord(),
        owners=dict(owners or {}),
        halted=halt_reason is not None,
        halt_reason=halt_reason,
        policy_sources=list(policy_sources),
        now=now or datetime.now(UTC),
        **extra,
    )
