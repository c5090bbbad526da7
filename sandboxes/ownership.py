"""Who owns the files in a mounted worktree, before, during and after a sandbox.

A sandbox runs as the host user's own uid:gid, so whatever it writes is the host user's.
The exception is a root host: agents must not run as root, so the sandbox runs as a fixed
non-root uid, the worktree is handed to that uid for the sandbox's lifetime (re-synced
before each command, because host-side file tools may add root-owned files meanwhile) and
handed back to its original owner on teardown. No root-owned litter, no unusable files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class WorkspaceOwner:
    uid: int
    gid: int


def sandbox_identity(fixed_uid: int) -> tuple[str, bool]:
    """The `user` string for Docker and whether the worktree must be handed over."""
    uid, gid = os.getuid(), os.getgid()
    if uid != 0:
        return f"{uid}:{gid}", False
    return f"{fixed_uid}:{fixed_uid}", True


def owner_of(path: Path) -> WorkspaceOwner:
    st = path.stat()
    return WorkspaceOwner(st.st_uid, st.st_gid)


def hand_over(root: Path, owner: WorkspaceOwner) -> int:
    """Give every entry under `root` (and `root`) to `owner`; returns how many changed.

    Symlinks are re-owned themselves, never followed, so nothing outside `root` is touched.
    """
    changed = 0
    for entry in _walk(root):
        st = entry.lstat()
        if st.st_uid != owner.uid or st.st_gid != owner.gid:
            os.lchown(entry, owner.uid, owner.gid)
            changed += 1
    return changed


def _walk(root: Path) -> list[Path]:
    entries = [root]
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        base = Path(dirpath)
        entries.extend(base / name for name in dirnames)
        entries.extend(base / name for name in filenames)
    return entries
