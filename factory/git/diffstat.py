"""Size of a change between two refs, for pull request summaries and diff-size gates."""

from pathlib import Path

from pydantic import BaseModel, ConfigDict

from factory.git.command import factory_git, run_git
from factory.support.wording import plural


class DiffStats(BaseModel):
    """Files touched and lines added/removed (binary files count as touched, 0 lines)."""

    model_config = ConfigDict(frozen=True)

    files: list[str]
    insertions: int
    deletions: int

    def summary(self) -> str:
        return f"{plural(len(self.files), 'file')} changed, +{self.insertions} -{self.deletions}"


def diff_stats(repo: Path, base: str, head: str) -> DiffStats:
    """Changes on `head` since it forked from `base` (three-dot semantics)."""
    output = run_git(
        factory_git(repo),
        "diff",
        "--numstat",
        "-z",
        "--no-renames",
        f"{base}...{head}",
        action=f"diff {base}...{head}",
    )
    files: list[str] = []
    added = removed = 0
    for record in output.split("\0"):
        if not record:
            continue
        plus, minus, path = record.split("\t", 2)
        files.append(path)
        added += int(plus) if plus.isdigit() else 0
        removed += int(minus) if minus.isdigit() else 0
    return DiffStats(files=files, insertions=added, deletions=removed)
