"""Confinement: every path a tool touches is resolved and must stay inside the worktree."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path, PurePosixPath

from harness.errors import ToolError

SANDBOX_MOUNT = PurePosixPath("/workspace")


class ConfinedRoot:
    """The directory an agent may read and change. Paths are checked at every call, so a
    symlink planted later (say, by a command in the sandbox) is caught when it is used."""

    def __init__(self, root: Path | str, *, sandbox_mount: PurePosixPath = SANDBOX_MOUNT) -> None:
        self.root = Path(os.path.realpath(root))
        self.sandbox_mount = sandbox_mount

    def resolve(self, path: str) -> Path:
        """The real path for `path` (relative, or absolute under the root or /workspace)."""
        if not path or not path.strip():
            raise ToolError("path is empty; give a path relative to the worktree root")
        if "\0" in path:
            raise ToolError("path contains a NUL character")
        relative = self._relative_part(path)
        if ".." in relative.parts:
            raise ToolError(f"{path!r} contains '..'; give a path inside the worktree")
        if relative.parts[:1] == (".git",):
            raise ToolError(f"{path!r} is inside .git, which tools may not touch")
        real = Path(os.path.realpath(self.root / relative))
        if real != self.root and not real.is_relative_to(self.root):
            raise ToolError(
                f"{path!r} leads outside the worktree through a symlink; "
                "only files inside the worktree can be used"
            )
        return real

    def fingerprint(self) -> str:
        """A digest of every file's path, size and modification time (`.git` left out).

        Equal digests mean no file was added, removed or written in between: the stuck
        detector's measure of whether a coding agent is getting anywhere."""
        digest = hashlib.blake2b(digest_size=16)
        for folder, dirs, files in os.walk(self.root):
            dirs[:] = sorted(name for name in dirs if name != ".git")
            for name in sorted(files):
                path = os.path.join(folder, name)
                try:
                    info = os.lstat(path)
                except OSError:  # removed while we walked: the next look sees it gone
                    continue
                digest.update(os.fsencode(path))
                digest.update(f"\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
        return digest.hexdigest()

    def display(self, real: Path) -> str:
        """How a resolved path is shown to the model: relative to the root, POSIX style."""
        if real == self.root:
            return "."
        return real.relative_to(self.root).as_posix()

    def _relative_part(self, path: str) -> PurePosixPath:
        candidate = PurePosixPath(path)
        if not candidate.is_absolute():
            return candidate
        # The model sees /workspace in command output; the same file is under our root.
        for base in (self.sandbox_mount, PurePosixPath(self.root.as_posix())):
            if candidate == base or candidate.is_relative_to(base):
                return candidate.relative_to(base)
        raise ToolError(
            f"{path!r} is outside the worktree; use a path relative to the worktree root"
        )
