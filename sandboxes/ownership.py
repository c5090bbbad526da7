"""Who owns the files in a mounted worktree, before, during and after a sandbox.

A sandbox runs as the host user's own uid:gid, so whatever it writes is the host user's.
The exception is a root host: agents must not run as root, so the sandbox runs as a fixed
non-root uid and the worktree is *lent* to it for the sandbox's lifetime:

- every entry below the worktree root is re-owned to the sandbox uid (re-synced before each
  command, because host-side file tools may add root-owned files meanwhile);
- the worktree root itself and its `.git` stay the host user's, so host-side git keeps
  working (git refuses repositories owned by someone else); the root only gains the sandbox
  group with group write, so the sandbox can still create top-level files;
- on teardown everything goes back to the host user and the root's group and mode are
  restored. No root-owned litter, no files the host cannot use, no "dubious ownership".
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

GIT_ENTRY = ".git"


@dataclass(frozen=True)
class WorkspaceOwner:
    uid: int
    gid: int


@dataclass(frozen=True)
class Loan:
    """What a worktree looked like before it was lent: restored on teardown."""

    owner: WorkspaceOwner
    root_mode: int


def sandbox_identity(fixed_uid: int) -> tuple[str, bool]:
    """The `user` string for Docker and whether the worktree must be lent to it."""
    uid, gid = os.getuid(), os.getgid()
    if uid != 0:
        return f"{uid}:{gid}", False
    return f"{fixed_uid}:{fixed_uid}", True


def lend(root: Path, sandbox: WorkspaceOwner) -> Loan:
    """Make `root` writable for `sandbox` while keeping it (and `.git`) the host user's."""
    st = root.stat()
    loan = Loan(WorkspaceOwner(st.st_uid, st.st_gid), stat.S_IMODE(st.st_mode))
    os.chown(root, loan.owner.uid, sandbox.gid)
    os.chmod(root, loan.root_mode | stat.S_IRWXG)
    sync(root, sandbox)
    return loan


def sync(root: Path, sandbox: WorkspaceOwner) -> int:
    """Re-own entries the host added since the loan; returns how many changed."""
    return _reown(_entries_below(root, skip_git=True), sandbox)


def give_back(root: Path, loan: Loan) -> None:
    """Return every entry to the host user and restore the root's group and mode."""
    _reown(_entries_below(root, skip_git=False), loan.owner)
    os.chown(root, loan.owner.uid, loan.owner.gid)
    os.chmod(root, loan.root_mode)


def _reown(entries: list[Path], owner: WorkspaceOwner) -> int:
    """Symlinks are re-owned themselves, never followed, so nothing outside is touched."""
    changed = 0
    for entry in entries:
        st = entry.lstat()
        if st.st_uid != owner.uid or st.st_gid != owner.gid:
            os.lchown(entry, owner.uid, owner.gid)
            changed += 1
    return changed


def _entries_below(root: Path, *, skip_git: bool) -> list[Path]:
    entries: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        base = Path(dirpath)
        if skip_git and base == root:
            dirnames[:] = [name for name in dirnames if name != GIT_ENTRY]
            filenames = [name for name in filenames if name != GIT_ENTRY]
        entries.extend(base / name for name in dirnames)
        entries.extend(base / name for name in filenames)
    return entries
