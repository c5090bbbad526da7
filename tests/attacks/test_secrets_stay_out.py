"""An ordinary run, with secrets planted in the factory's environment and in files of its HOME
and recorded with --record: no planted value reaches any artifact it leaves (the attack runs
make the same scan after each attempt)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.attacks.conftest import (
    Planted,
    Workspace,
    artifacts,
    run_frozen_before_delivery,
    scan_artifacts,
    serve_turns,
    summary_of,
    tar_names,
)
from tests.e2e import script
from tests.support.wire_server import WireServer

pytestmark = [pytest.mark.chaos, pytest.mark.e2e, pytest.mark.docker, pytest.mark.slow]


def test_an_ordinary_run_leaves_no_planted_secret_in_any_artifact(
    workspace: Workspace, planted: Planted, model_server: WireServer, tmp_path: Path
) -> None:
    serve_turns(model_server, workspace, script.demo_replies())
    record = tmp_path / "recorded.jsonl"

    frozen = run_frozen_before_delivery(workspace, planted, record)

    assert frozen.result.returncode == 0, frozen.result.stderr
    assert summary_of(frozen.result)["status"] == "pr_open"
    assert any(name.startswith("workspace/numerals/") for name in tar_names(frozen.sandbox_files))
    with workspace.store() as store:
        (pull,) = store.pull_requests.all(repo="numerals")
    assert "## Plan" in pull.body  # the body scanned below is the real one
    assert len(record.read_text().splitlines()) == len(script.demo_replies())
    found = list(
        artifacts(
            workspace,
            ("the command's stdout", frozen.result.stdout),
            ("the command's stderr and logs", frozen.result.stderr),
            ("the cassette recorded with --record", record.read_bytes()),
            ("the sandbox's writable filesystem", frozen.sandbox_files),
            ("the pull request's body and comments", pull.body),
        )
    )
    assert scan_artifacts(planted, found) == []

    # The scan reads what each artifact holds, not its compressed bytes: the run's own words
    # are found where they must be.
    def holding(needle: bytes) -> str:
        return "\n".join(where for where, data in found if needle in data)

    assert "factory.db:blobs" in holding(b"Reading the converter.")  # a transcript, unzipped
    assert "checkpoints.sqlite:" in holding(b"from_roman ignores subtractive notation")
    fixed = holding(b"largest_so_far")
    assert "the sandbox's writable filesystem" in fixed
    assert "the cassette recorded with --record" in fixed
    assert f"git objects of {workspace.repo}" in fixed  # the pushed branch
    assert "git objects of " + str(workspace.config().factory.data_dir) in fixed  # the clone
