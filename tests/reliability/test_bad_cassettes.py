"""Bad cassettes: the first bad line is named with its line and column before any work; a
cassette that runs out mid-run ends the run `failed` (never left `running`)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from factory.store import Store
from tests.reliability.conftest import World, assert_refused, own_containers

GOOD = '{"reply": {"text": "ok"}}\n'


@dataclass(frozen=True)
class CassetteCase:
    id: str
    content: bytes | None
    """None: no file at all; b"<dir>": a folder."""
    words: tuple[str, ...]


CASSETTES = [
    CassetteCase(
        "bad-json-line-3",
        (GOOD + "# a comment\n" + '{"reply": {"text": "x"},}\n').encode(),
        ("cassette.jsonl:3:", "line 3, column 25", "not valid json"),
    ),
    CassetteCase(
        "truncated-last-line",
        (GOOD + '{"reply": {"te').encode(),
        ("line 2, column", "not valid json"),
    ),
    CassetteCase("not-an-object", (GOOD + "[1, 2]\n").encode(), (":2 must be a json object",)),
    CassetteCase("no-reply", b'{"request": {}}\n', (":1 has no 'reply' object",)),
    CassetteCase(
        "reply-tool-call-without-name",
        b'{"reply": {"tool_calls": [{"arguments": {}}]}}\n',
        (":1 has an invalid reply", "tool_calls.0.name"),
    ),
    CassetteCase(
        "reply-wrong-type",
        b'{"reply": {"text": 5}}\n',
        (":1 has an invalid reply", "text"),
    ),
    CassetteCase("empty", b"", ("has no replies",)),
    CassetteCase("only-comments", b"# nothing here\n\n", ("has no replies",)),
    CassetteCase("missing", None, ("no such cassette file",)),
    CassetteCase("a-folder", b"<dir>", ("is a directory",)),
    CassetteCase("not-utf8", b'{"reply": {"text": "caf\xe9"}}\n', ("not utf-8",)),
]


def _place(world: World, case: CassetteCase) -> None:
    world.cassette.unlink()
    if case.content == b"<dir>":
        world.cassette.mkdir()
    elif case.content is not None:
        world.cassette.write_bytes(case.content)


@pytest.mark.parametrize("case", CASSETTES, ids=[case.id for case in CASSETTES])
def test_a_bad_replay_cassette_is_refused_before_any_work(world: World, case: CassetteCase) -> None:
    _place(world, case)
    outcome = world.invoke("run", "{ticket}", "--repo", "demo", "--replay", "{cassette}")
    assert_refused(outcome, 2, ("--replay", *case.words), world)


@pytest.mark.parametrize(
    "case", CASSETTES[:3] + CASSETTES[6:7], ids=[c.id for c in CASSETTES[:3] + CASSETTES[6:7]]
)
def test_a_bad_configured_cassette_is_named_by_config_check(
    world: World, case: CassetteCase
) -> None:
    _place(world, case)
    outcome = world.invoke("config", "check", "--offline")
    assert_refused(outcome, 2, ("models.default.cassette", *case.words), world)


@pytest.mark.docker
@pytest.mark.integration
def test_a_cassette_that_runs_out_mid_run_leaves_a_failed_run_not_a_running_one(
    world: World,
) -> None:
    """The one case that starts work: the cassette is valid but too short."""
    outcome = world.invoke("run", "{ticket}", "--repo", "demo", "--json")
    assert outcome.leaked is None and "Traceback" not in outcome.output
    assert outcome.exit_code == 2, outcome.output
    assert "all were played" in outcome.stdout
    with Store(world.db_url) as store:
        runs = store.runs.latest()
    assert [run.status for run in runs] == ["failed"]
    assert own_containers() <= world.containers_before
    assert world.branches() == world.branches_before
