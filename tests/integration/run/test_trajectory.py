"""The trajectory an auditor reads, folded from a real agent loop's record: the harness runs a
replayed model with the real file tools on a real directory, its events and transcripts go
into a real SQLite store as a run records them, and `load_trajectory` and `factory runs
trajectory` read them back, turn by turn."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from sqlalchemy import delete, update
from typer.testing import CliRunner

from factory.cli import app
from factory.run.trajectory import AgentRound, GateEntry, load_trajectory
from factory.store import Store
from factory.store.models import Blob, Event
from harness.budget import RunBudget
from harness.config import BudgetConfig, ModelPrice
from harness.events import HarnessEvent
from harness.loop import run_agent
from harness.pricing import PriceTable
from harness.replay import ReplayModel
from harness.tools import ConfinedRoot, read_only_tools
from harness.tools.writing import CreateFile, EditFile

pytestmark = pytest.mark.integration

HIDDEN = "kept-out-of-sight-" + "q" * 12
LONG_FILE = "".join(f"line {n}\n" for n in range(1, 41))


class Change(BaseModel):
    summary: str


def reply(text: str, *calls: dict[str, Any]) -> dict[str, Any]:
    usage = {"input_tokens": 1000, "output_tokens": 100}
    return {"text": text, "tool_calls": list(calls), "usage": usage, "model": "priced-model"}


def call(name: str, **arguments: Any) -> dict[str, Any]:
    return {"name": name, "arguments": arguments}


@pytest.fixture
def recorded(tmp_path: Path) -> tuple[Store, str]:
    """A run whose coder read a file, edited one, created one, ran into a refusal, submitted."""
    root = tmp_path / "worktree"
    root.mkdir()
    (root / "calc.py").write_text(f"def add(a, b):\n    return a - b  # {HIDDEN}\n")
    (root / "long.txt").write_text(LONG_FILE)
    cassette = tmp_path / "turns.jsonl"
    reads = [call("view_file", path="calc.py"), call("view_file", path="long.txt")]
    fix = call("edit_file", path="calc.py", old_string="return a - b", new_string="return a + b")
    test = call("create_file", path="test_calc.py", content="def test_add():\n    assert True\n")
    turns = [
        reply("Reading the code.", *reads),
        reply("Fixing it.", fix, test, call("view_file", path="/etc/passwd")),
        reply("Done.", call("submit", summary="add adds")),
    ]
    cassette.write_text("".join(json.dumps({"reply": t}) + "\n" for t in turns))
    store = Store(f"sqlite:///{tmp_path / 'factory.db'}")
    run = store.runs.create("T-1", "svc")

    def record(event: HarnessEvent) -> None:  # as a run's context records it
        payload = event.model_dump(mode="json", exclude_none=True)
        store.events.append(run.id, event.kind, payload.pop("role"), payload)

    store.events.append(run.id, "node.started", "system", {"node": "code", "iteration": 0})
    confined = ConfinedRoot(root)
    tools = [*read_only_tools(confined), EditFile(confined), CreateFile(confined)]
    result = run_agent(
        ReplayModel(cassette),
        "SYSTEM",
        "TASK",
        tools,
        Change,
        RunBudget(BudgetConfig()),
        record,
        role="coder",
        prices=PriceTable({"priced-model": ModelPrice(input=3.0, output=15.0)}),
        transcripts=store.blobs,
    )
    assert result.stop_reason == "done"
    store.events.append(
        run.id, "git.commit", "system", {"node": "code", "iteration": 1, "sha": "a" * 40}
    )
    verdict = {"policy": "tests_green", "outcome": "allow", "reasons": ["no newly failing tests"]}
    decision = {"decision": "pull_request", "level": "L1", "reasons": ["L1"], "verdicts": [verdict]}
    store.events.append(run.id, "gate.decision", "system", {"context": {}, "decision": decision})
    return store, run.id


def test_each_turn_shows_text_calls_outputs_edits_tokens_and_cost(
    recorded: tuple[Store, str],
) -> None:
    store, run_id = recorded
    trajectory = load_trajectory(store, run_id)

    assert trajectory.audit.ok and "chain intact" in trajectory.audit.detail
    coder, gate = trajectory.entries
    assert isinstance(coder, AgentRound) and isinstance(gate, GateEntry)
    assert (coder.role, coder.node, coder.round, coder.stop) == ("coder", "code", 1, "done")
    assert [turn.text for turn in coder.turns] == ["Reading the code.", "Fixing it.", "Done."]
    read, long = coder.turns[0].tool_calls
    assert read.output is not None and "return a - b" in read.output and not read.is_error
    assert long.output is not None and "line 40" in long.output
    edit, create, refused = coder.turns[1].tool_calls
    assert edit.diff is not None and "-    return a - b" not in edit.diff
    assert "-return a - b" in edit.diff and "+return a + b" in edit.diff
    assert edit.output is not None and edit.output.startswith("edited calc.py")
    assert create.diff is not None and "+++ b/test_calc.py" in create.diff
    assert refused.is_error and "outside the worktree" in (refused.output or "")
    (submit,) = coder.turns[2].tool_calls
    assert submit.output is None  # the agent's last call: no later request carried it back
    per_turn = (1000 * 3.0 + 100 * 15.0) / 1_000_000
    assert [turn.cost_usd for turn in coder.turns] == [pytest.approx(per_turn)] * 3
    assert trajectory.cost_usd == pytest.approx(3 * per_turn)
    assert trajectory.tokens == 3 * 1100
    assert [note.text for note in coder.notes] == ["commit aaaaaaaaaaaa (code-1)"]
    assert (gate.decision, gate.level, gate.verdicts[0].policy) == (
        "pull_request",
        "L1",
        "tests_green",
    )
    assert load_trajectory(store, run_id, role="reviewer").entries == []


def test_secrets_are_masked_when_read_and_a_lost_transcript_or_a_broken_chain_is_said(
    recorded: tuple[Store, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, run_id = recorded
    # A secret this process knows that the recording process did not: masked when read.
    monkeypatch.setenv("BUILD_TOKEN", HIDDEN)
    read = load_trajectory(store, run_id).entries[0]
    assert isinstance(read, AgentRound)
    shown = json.dumps(read.model_dump(mode="json"))
    assert HIDDEN not in shown and "[REDACTED]" in shown

    first = json.loads(next(e.payload for e in store.events.read(run_id) if e.kind == "model.call"))
    with store.engine.begin() as connection:
        connection.execute(delete(Blob).where(Blob.ref == first["transcript_ref"]))
    lost = load_trajectory(store, run_id).entries[0]
    assert isinstance(lost, AgentRound) and lost.turns[0].transcript_missing
    assert lost.turns[0].tool_calls == [] and lost.turns[1].text == "Fixing it."

    with store.engine.begin() as connection:
        connection.execute(
            update(Event).where(Event.run_id == run_id, Event.seq == 2).values(payload="{}")
        )
    broken = load_trajectory(store, run_id)
    assert not broken.audit.ok and broken.audit.detail.startswith("chain broken at")


def test_runs_trajectory_prints_it_folds_long_output_and_refuses_bad_input(
    recorded: tuple[Store, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    store, run_id = recorded
    monkeypatch.chdir(tmp_path)
    env = {"FACTORY_DATABASE_URL": store.url, "FACTORY_CONFIG": "", "COLUMNS": "200"}

    def invoke(*args: str) -> Any:
        return CliRunner().invoke(app, ["runs", "trajectory", *args], env=env)

    text = invoke(run_id)
    assert text.exit_code == 0, text.output
    for expected in (
        "audit chain: verifies",
        "coder · code round 1 · ended: done",
        "▸ view_file(path=calc.py)",
        "+return a + b",
        "lines folded (--json has them)",
        "outside the worktree",
        "gate · pull_request at L1",
    ):
        assert expected in text.output, expected
    as_json = json.loads(invoke(run_id, "--json").output)
    assert as_json["entries"][0]["turns"][0]["tool_calls"][1]["output"].count("\n") >= 39
    assert json.loads(invoke(run_id, "--role", "tester", "--json").output)["entries"] == []
    unknown = invoke("r-nothing")
    assert unknown.exit_code == 2 and "no run" in unknown.output
    bad_role = invoke(run_id, "--role", "hacker")
    assert bad_role.exit_code == 2 and "unknown role 'hacker'" in bad_role.output
