"""Commands typed wrong: unknown commands and options, values out of the run's ranges, ids
that do not exist. One line (or one JSON object), the documented exit code, nothing started."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from tests.reliability.conftest import World, assert_refused


@dataclass(frozen=True)
class Misuse:
    id: str
    args: tuple[str, ...]
    exit_code: int
    words: tuple[str, ...]


MISUSES = [
    Misuse("unknown-command", ("frobnicate",), 2, ("no such command", "frobnicate")),
    Misuse("unknown-option", ("run", "{ticket}", "--colour"), 2, ("no such option", "--colour")),
    Misuse("run-without-ticket", ("run",), 2, ("missing argument", "ticket")),
    Misuse("max-iterations-zero", ("run", "{ticket}", "--max-iterations", "0"), 2, ("1",)),
    Misuse(
        "max-iterations-too-many",
        ("run", "{ticket}", "--max-iterations", "21"),
        2,
        ("--max-iterations 21", "less than or equal to 20"),
    ),
    Misuse(
        "max-iterations-text",
        ("run", "{ticket}", "--max-iterations", "many"),
        2,
        ("--max-iterations", "valid integer"),
    ),
    Misuse(
        "budget-zero",
        ("run", "{ticket}", "--budget-usd", "0"),
        2,
        ("--budget-usd", "'0'", "more than 0"),
    ),
    Misuse(
        "budget-negative",
        ("run", "{ticket}", "--budget-usd", "-5"),
        2,
        ("--budget-usd", "'-5'", "more than 0"),
    ),
    Misuse(
        "budget-infinite",
        ("run", "{ticket}", "--budget-usd", "inf"),
        2,
        ("--budget-usd", "'inf'", "finite"),
    ),
    Misuse(
        "budget-text",
        ("run", "{ticket}", "--budget-usd", "ten"),
        2,
        ("--budget-usd", "not a number of dollars"),
    ),
    Misuse(
        "replay-missing",
        ("run", "{ticket}", "--replay", "{root}/none.jsonl"),
        2,
        ("--replay", "none.jsonl", "no such cassette"),
    ),
    Misuse(
        "replay-a-folder",
        ("run", "{ticket}", "--replay", "{root}"),
        2,
        ("--replay", "is a directory"),
    ),
    Misuse(
        "record-a-folder",
        ("run", "{ticket}", "--record", "{root}"),
        2,
        ("--record", "is a directory"),
    ),
    Misuse(
        "record-in-missing-folder",
        ("run", "{ticket}", "--record", "{root}/no/such/out.jsonl"),
        2,
        ("--record", "does not exist"),
    ),
    Misuse("runs-show-unknown", ("runs", "show", "r-0000000000"), 2, ("no run 'r-0000000000'",)),
    Misuse("resume-unknown", ("resume", "r-0000000000"), 2, ("no run 'r-0000000000'",)),
    Misuse("approve-unknown", ("approve", "r-0000000000"), 2, ("no run 'r-0000000000'",)),
    Misuse(
        "reject-unknown", ("reject", "r-0000000000", "--reason", "no"), 2, ("no run", "runs list")
    ),
    Misuse("reject-without-reason", ("reject", "r-0000000000"), 2, ("missing option", "--reason")),
    Misuse(
        "audit-export-unknown-run",
        ("audit", "export", "--run", "r-0000000000"),
        2,
        ("no run 'r-0000000000'", "audit log"),
    ),
    Misuse(
        "audit-verify-unknown-run",
        ("audit", "verify", "--run", "r-0000000000"),
        2,
        ("no run 'r-0000000000'",),
    ),
    Misuse("audit-export-format", ("audit", "export", "--format", "xml"), 2, ("--format", "xml")),
    Misuse(
        "audit-export-since",
        ("audit", "export", "--since", "yesterday"),
        2,
        ("cannot read 'yesterday'", "--since", "2026-11-01"),
    ),
    Misuse(
        "audit-verify-against-missing",
        ("audit", "verify", "--against", "{root}/digest.json"),
        2,
        ("cannot read digest file", "digest.json"),
    ),
    Misuse("runs-list-status", ("runs", "list", "--status", "sleeping"), 2, ("unknown status",)),
    Misuse(
        "runs-list-limit",
        ("runs", "list", "--limit", "0"),
        2,
        ("--limit", "greater than or equal to 1"),
    ),
    Misuse("pr-show-unknown", ("pr", "show", "999"), 2, ("no pull request #999",)),
    Misuse("pr-merge-unknown", ("pr", "merge", "999"), 2, ("no pull request #999",)),
    Misuse(
        "config-is-a-folder",
        ("--config", "{root}", "config", "check"),
        2,
        ("is a directory", "factory.toml"),
    ),
    Misuse(
        "config-missing",
        ("--config", "{root}/nope.toml", "config", "check"),
        2,
        ("nope.toml", "not found"),
    ),
    Misuse(
        "config-check-unknown-repo",
        ("config", "check", "--offline", "--repo", "nope"),
        2,
        ("unknown repository 'nope'",),
    ),
    Misuse(
        "halt-unknown-repo", ("halt", "--repo", "nope", "--reason", "x"), 2, ("unknown repository",)
    ),
    Misuse("log-format", ("--log-format", "xml", "runs", "list"), 2, ("--log-format", "xml")),
]


@pytest.mark.parametrize("misuse", MISUSES, ids=[misuse.id for misuse in MISUSES])
def test_misuse_is_one_line_and_its_exit_code(world: World, misuse: Misuse) -> None:
    outcome = world.invoke(*misuse.args)
    assert_refused(outcome, misuse.exit_code, misuse.words, world)
    assert outcome.stderr.lower().startswith("error:"), outcome.output


JSON_MISUSES = [
    "unknown-option",
    "budget-zero",
    "replay-missing",
    "runs-show-unknown",
    "resume-unknown",
    "audit-verify-unknown-run",
    "config-is-a-folder",
    "pr-show-unknown",
]


@pytest.mark.parametrize("misuse_id", JSON_MISUSES)
def test_with_json_the_same_failure_is_one_json_object(world: World, misuse_id: str) -> None:
    misuse = next(m for m in MISUSES if m.id == misuse_id)
    outcome = world.invoke(*misuse.args, "--json")
    assert_refused(outcome, misuse.exit_code, misuse.words, world, as_json=True)
    document = json.loads(outcome.stdout)
    assert set(document) == {"ok", "error"}
    assert set(document["error"]) == {"code", "message", "hint"}
