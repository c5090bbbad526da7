import os
import stat
import subprocess
from pathlib import Path

import pytest

from sandboxes.ownership import WorkspaceOwner, give_back, lend, sandbox_identity, sync

needs_root = pytest.mark.skipif(os.getuid() != 0, reason="changing owners needs root")
SANDBOX = WorkspaceOwner(10001, 10001)


def _repo(tmp_path: Path) -> Path:
    root = tmp_path / "wt"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "mod.py").write_text("x = 1\n")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


@needs_root
def test_lending_gives_the_contents_to_the_sandbox_but_keeps_root_and_git_the_hosts(
    tmp_path: Path,
) -> None:
    root = _repo(tmp_path)
    host = owner_of(root)
    loan = lend(root, SANDBOX)
    assert owner_of(root / "pkg") == owner_of(root / "pkg" / "mod.py") == SANDBOX
    assert owner_of(root).uid == host.uid and owner_of(root).gid == SANDBOX.gid
    assert root.stat().st_mode & stat.S_IWGRP
    assert owner_of(root / ".git") == host
    assert owner_of(root / ".git" / "HEAD") == host
    status = subprocess.run(["git", "-C", str(root), "status"], capture_output=True, text=True)
    assert status.returncode == 0, status.stderr  # no "dubious ownership" for host git
    (root / "late.txt").write_text("added by a host tool\n")
    assert sync(root, SANDBOX) == 1
    give_back(root, loan)
    assert all(owner_of(p) == host for p in [root, *root.rglob("*")])
    assert stat.S_IMODE(root.stat().st_mode) == loan.root_mode


@needs_root
def test_lending_never_follows_a_symlink_out_of_the_worktree(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("secret")
    root = _repo(tmp_path)
    (root / "link").symlink_to(outside)
    before = owner_of(outside)
    loan = lend(root, SANDBOX)
    assert owner_of(outside) == before
    assert owner_of(root / "link") == SANDBOX
    give_back(root, loan)
    assert owner_of(outside) == before


def owner_of(path: Path) -> WorkspaceOwner:
    st = path.lstat()
    return WorkspaceOwner(st.st_uid, st.st_gid)


def test_identity_is_the_host_user_unless_the_host_user_is_root() -> None:
    user, lends = sandbox_identity(10001)
    if os.getuid() == 0:
        assert (user, lends) == ("10001:10001", True)
    else:
        assert (user, lends) == (f"{os.getuid()}:{os.getgid()}", False)
