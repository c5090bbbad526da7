from pathlib import Path

from sandboxes.builder import content_hash
from sandboxes.execstream import group_wrapped, kill_group_argv
from sandboxes.setup_cache import manifests_digest, setup_key


def test_setup_key_changes_with_manifests_commands_and_base(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'a'\n")
    (tmp_path / "app.py").write_text("print(1)\n")
    key = setup_key("sha256:base", ["pip install -e ."], tmp_path)
    (tmp_path / "app.py").write_text("print(2)\n")  # source edits do not invalidate the cache
    assert setup_key("sha256:base", ["pip install -e ."], tmp_path) == key
    assert setup_key("sha256:other", ["pip install -e ."], tmp_path) != key
    assert setup_key("sha256:base", ["pip install ."], tmp_path) != key
    (tmp_path / "requirements-dev.txt").write_text("pytest\n")
    assert setup_key("sha256:base", ["pip install -e ."], tmp_path) != key


def test_manifest_digest_of_an_empty_tree_is_stable(tmp_path: Path) -> None:
    assert manifests_digest(tmp_path) == manifests_digest(tmp_path)


def test_content_hash_depends_on_mirror_suite_and_path() -> None:
    base = content_hash(mirror="http://a/debian", suite="bookworm", pull=False)
    assert base == content_hash(mirror="http://a/debian", suite="bookworm", pull=False)
    assert base != content_hash(mirror="http://b/debian", suite="bookworm", pull=False)
    assert base != content_hash(mirror="http://a/debian", suite="trixie", pull=False)
    assert base != content_hash(mirror="http://a/debian", suite="bookworm", pull=True)


def test_commands_run_as_a_new_session_whose_group_can_be_killed() -> None:
    argv = group_wrapped(["pytest", "-q"], "/dev/shm/x.pgid")
    assert argv[:2] == ["setsid", "-w"]
    assert argv[-2:] == ["pytest", "-q"]
    assert 'kill -KILL "-' in kill_group_argv("/dev/shm/x.pgid")[2]
