import os
from pathlib import Path

import pytest

from sandboxes.ownership import WorkspaceOwner, hand_over, owner_of, sandbox_identity

needs_root = pytest.mark.skipif(os.getuid() != 0, reason="changing owners needs root")


@needs_root
def test_hand_over_reowns_everything_inside_and_back(tmp_path: Path) -> None:
    root = tmp_path / "wt"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "mod.py").write_text("x = 1\n")
    original = owner_of(root)
    sandbox = WorkspaceOwner(10001, 10001)
    assert hand_over(root, sandbox) == 3
    assert all(owner_of(p) == sandbox for p in [root, root / "pkg", root / "pkg" / "mod.py"])
    assert hand_over(root, sandbox) == 0
    hand_over(root, original)
    assert owner_of(root / "pkg" / "mod.py") == original


@needs_root
def test_hand_over_never_follows_a_symlink_out_of_the_worktree(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("secret")
    root = tmp_path / "wt"
    root.mkdir()
    (root / "link").symlink_to(outside)
    before = owner_of(outside)
    hand_over(root, WorkspaceOwner(10001, 10001))
    assert owner_of(outside) == before
    assert (root / "link").lstat().st_uid == 10001


def test_identity_is_the_host_user_unless_the_host_user_is_root() -> None:
    user, hands_over = sandbox_identity(10001)
    if os.getuid() == 0:
        assert (user, hands_over) == ("10001:10001", True)
    else:
        assert (user, hands_over) == (f"{os.getuid()}:{os.getgid()}", False)
