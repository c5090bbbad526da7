"""`factory policy check|replay`, `factory autonomy show`, `factory halt|unhalt` end to end:
a real repository, real patch files from git, a real factory.toml and SQLite store."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from policy_git_helpers import commit_file, git
from sqlalchemy import select
from typer.testing import CliRunner

from factory.cli import app
from factory.config import load_config
from factory.gate.check import check_patch
from factory.gate.replay import GATE_DECISION_EVENT, gate_decision_payload
from factory.store import RunStatus, Store
from factory.store.models import Halt
from policies.config import AutonomyLevel

pytestmark = pytest.mark.integration

NO_DOCS_POLICY = """\
from policies.models import Verdict

def evaluate(ctx):
    docs = [p for p in ctx.diff.touched_paths if p.startswith("docs/")]
    if docs:
        return Verdict(outcome="refuse", reasons=["docs are frozen: " + ", ".join(docs)])
    return Verdict(outcome="allow", reasons=["no docs touched"])
"""


def run_cli(config: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["--config", str(config), *args], env={"FACTORY_CONFIG": ""})
    return result.exit_code, result.stdout, result.stderr


def patch_from_branch(repo: Path, tmp_path: Path, edits: dict[str, str], name: str) -> Path:
    """Commit `edits` on a new branch and write `git diff main...branch` to a patch file."""
    git(repo, "checkout", "-q", "-b", name, "main")
    for path, text in edits.items():
        commit_file(repo, path, text, f"agent edits {path}")
    patch = tmp_path / f"{name}.patch"
    patch.write_text(git(repo, "diff", "main..." + name) + "\n")
    git(repo, "checkout", "-q", "main")
    return patch


def check_json(config: Path, patch: Path, *flags: str) -> dict[str, Any]:
    code, out, err = run_cli(
        config, "policy", "check", "--repo", "demo", "--patch", str(patch), "--json", *flags
    )
    assert code == 0, err
    result: dict[str, Any] = json.loads(out)
    return result


def verdict(result: dict, policy: str) -> dict[str, Any]:
    return next(v for v in result["verdicts"] if v["policy"] == policy)


@pytest.mark.parametrize(
    ("flags", "decision"),
    [
        (["--level", "L0"], "plan_only"),
        (["--level", "L1"], "pull_request"),
        (["--level", "L2"], "merge"),
        (["--level", "L3"], "merge"),
        (["--level", "L2", "--tests", "fail"], "needs_human"),
        (["--level", "L2", "--review", "changes"], "needs_human"),
    ],
)
def test_check_decides_per_level_for_a_real_patch(
    repo: Path, tmp_path: Path, write_config: Callable[..., Path], flags: list[str], decision: str
) -> None:
    patch = patch_from_branch(repo, tmp_path, {"src/app.py": "print('hi')\n"}, "small")
    result = check_json(write_config(), patch, *flags)
    assert result["decision"] == decision
    assert result["level"] == flags[1]
    assert {"policy", "outcome", "reasons"} <= set(result["verdicts"][0])


def test_check_without_level_uses_the_earned_level(
    repo: Path, tmp_path: Path, write_config: Callable[..., Path]
) -> None:
    patch = patch_from_branch(repo, tmp_path, {"src/app.py": "x = 1\n"}, "earned")
    config = write_config('autonomy = { min = "L2", max = "L3" }\n')
    result = check_json(config, patch)
    assert (result["level"], result["decision"]) == ("L2", "merge")


def test_agent_raising_its_own_autonomy_in_factory_toml_needs_a_human(
    repo: Path, tmp_path: Path, write_config: Callable[..., Path]
) -> None:
    edits = {"factory.toml": '[repos.demo]\nautonomy = { min = "L3", max = "L3" }\n'}
    patch = patch_from_branch(repo, tmp_path, edits, "sneaky")
    result = check_json(write_config(), patch, "--level", "L3")
    assert result["decision"] == "needs_human"
    assert verdict(result, "governance")["outcome"] == "needs_human"


def test_repo_policy_is_read_from_the_base_branch_not_the_agents_branch(
    repo: Path, tmp_path: Path, write_config: Callable[..., Path]
) -> None:
    commit_file(repo, ".factory/policies/no_docs.py", NO_DOCS_POLICY, "add a repo policy")
    loosened = NO_DOCS_POLICY.replace('outcome="refuse"', 'outcome="allow"')
    edits = {".factory/policies/no_docs.py": loosened, "docs/guide.md": "new docs\n"}
    patch = patch_from_branch(repo, tmp_path, edits, "loosen")
    git(repo, "checkout", "-q", "loosen")  # the working tree now holds the loosened policy
    config = write_config('[[repos.demo.policies]]\nname = ".factory/policies/no_docs.py"\n')
    result = check_json(config, patch, "--level", "L3")
    assert result["decision"] == "refuse"
    assert (
        "docs are frozen: docs/guide.md"
        in verdict(result, ".factory/policies/no_docs.py")["reasons"]
    )
    assert verdict(result, "governance")["outcome"] == "needs_human"


def test_check_output_for_people_lists_each_verdict(
    repo: Path, tmp_path: Path, write_config: Callable[..., Path]
) -> None:
    patch = patch_from_branch(repo, tmp_path, {".github/workflows/ci.yml": "on: push\n"}, "ci")
    code, out, _ = run_cli(
        write_config(), "policy", "check", "--repo", "demo", "--patch", str(patch), "--level", "L1"
    )
    assert code == 0
    assert "ci_files" in out and "needs_human" in out
    assert "decision: pull_request (draft) at L1" in out


@pytest.mark.parametrize(
    ("args", "config_extra", "message"),
    [
        (["--repo", "demo", "--patch", "missing.patch"], "", "cannot read the patch file"),
        (["--repo", "demo", "--patch", "{notdiff}"], "", "expected a unified diff"),
        (["--repo", "nope", "--patch", "{patch}"], "", "unknown repository 'nope'"),
        (["--repo", "demo", "--patch", "{patch}", "--level", "L9"], "", "L9"),
        (["--repo", "demo", "--patch", "{patch}", "--tests", "maybe"], "", "maybe"),
        (["--repo", "demo"], "", "--patch FILE"),
        (
            ["--repo", "demo", "--patch", "{patch}"],
            '[[repos.demo.policies]]\nname = "typo"\n',
            "unknown policy 'typo'",
        ),
    ],
)
def test_check_bad_input_exits_2_with_a_clear_message(
    repo: Path,
    tmp_path: Path,
    write_config: Callable[..., Path],
    args: list[str],
    config_extra: str,
    message: str,
) -> None:
    patch = patch_from_branch(repo, tmp_path, {"a.py": "x\n"}, "bad-input")
    notdiff = tmp_path / "notes.txt"
    notdiff.write_text("just some notes\n")
    filled = [a.format(patch=patch, notdiff=notdiff) for a in args]
    code, out, err = run_cli(write_config(config_extra), "policy", "check", *filled)
    assert code == 2
    assert message in err + out


def test_halt_stops_merges_until_unhalt_and_is_audited(
    repo: Path, tmp_path: Path, write_config: Callable[..., Path]
) -> None:
    config = write_config()
    store = Store.open(load_config(config))
    running = store.runs.create("demo#1", "demo", status=RunStatus.RUNNING)
    done = store.runs.create("demo#2", "demo", status=RunStatus.MERGED)
    patch = patch_from_branch(repo, tmp_path, {"src/app.py": "y = 2\n"}, "halted")

    code, _, err = run_cli(
        config, "halt", "--repo", "demo", "--reason", "incident 42", "--by", "alice"
    )
    assert code == 0, err
    result = check_json(config, patch, "--level", "L3")
    assert result["decision"] == "needs_human"
    assert "incident 42" in verdict(result, "halt")["reasons"][0]
    events = [e for e in store.events.read(running.id) if e.kind == "factory.halted"]
    assert len(events) == 1 and events[0].actor == "human:alice"
    assert json.loads(events[0].payload)["reason"] == "incident 42"
    assert store.events.read(done.id) == []

    code, out, _ = run_cli(config, "unhalt", "--repo", "demo", "--by", "bob", "--json")
    assert code == 0 and json.loads(out)["halts"][0]["lifted_by"] == "bob"
    assert check_json(config, patch, "--level", "L3")["decision"] == "merge"
    assert [e.kind for e in store.events.read(running.id)] == ["factory.halted", "factory.unhalted"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["halt", "--all", "--repo", "demo", "--reason", "x"], "choose one of --repo NAME"),
        (["halt", "--repo", "demp", "--reason", "x"], "unknown repository 'demp'"),
        (["unhalt", "--repo", "demp"], "unknown repository 'demp'"),
    ],
)
def test_halt_bad_input_exits_2(
    write_config: Callable[..., Path], args: list[str], message: str
) -> None:
    code, out, err = run_cli(write_config(), *args)
    assert code == 2
    assert message in err + out


def test_global_halt_applies_to_every_repo(
    repo: Path, tmp_path: Path, write_config: Callable[..., Path]
) -> None:
    config = write_config()
    patch = patch_from_branch(repo, tmp_path, {"src/app.py": "z = 3\n"}, "global")
    assert run_cli(config, "halt", "--all", "--reason", "freeze everything")[0] == 0
    assert check_json(config, patch, "--level", "L3")["decision"] == "needs_human"
    assert run_cli(config, "unhalt", "--all")[0] == 0
    assert check_json(config, patch, "--level", "L3")["decision"] == "merge"


def test_the_andon_cord_is_one_short_command_each_way(
    repo: Path, tmp_path: Path, write_config: Callable[..., Path]
) -> None:
    """`factory halt` stops everything and `factory unhalt` lifts it, as README and every
    hint print them; a repository halted on its own is named, with the command that lifts it."""
    config = write_config()
    patch = patch_from_branch(repo, tmp_path, {"src/app.py": "w = 4\n"}, "andon")
    code, out, err = run_cli(config, "halt")
    assert code == 0, err
    assert "halted the whole factory" in out
    assert check_json(config, patch, "--level", "L3")["decision"] == "needs_human"
    code, out, _ = run_cli(config, "halt", "--json")
    assert code == 0 and json.loads(out)["already"].startswith("the whole factory is already")
    assert run_cli(config, "halt", "--repo", "demo")[0] == 0

    code, out, err = run_cli(config, "unhalt")
    assert code == 0, err
    assert "unhalted the whole factory" in out
    assert "still halted: demo" in out and "`factory unhalt --repo demo` lifts it" in out
    assert check_json(config, patch, "--level", "L3")["decision"] == "needs_human"
    assert run_cli(config, "unhalt", "--repo", "demo")[0] == 0
    assert check_json(config, patch, "--level", "L3")["decision"] == "merge"
    store = Store.open(load_config(config))
    with store.engine.connect() as connection:
        rows = connection.execute(select(Halt.scope, Halt.reason, Halt.lifted_at)).all()
    assert sorted((scope, reason) for scope, reason, _ in rows) == [
        ("all", "no reason given"),
        ("demo", "no reason given"),
    ]
    assert all(lifted is not None for _, _, lifted in rows)


def test_autonomy_show_reports_range_level_and_evidence(write_config: Callable[..., Path]) -> None:
    config = write_config('autonomy = { min = "L1", max = "L3" }\n')
    code, out, err = run_cli(config, "autonomy", "show", "--json")
    assert code == 0, err
    demo = json.loads(out)["repos"]["demo"]
    assert (demo["level"], demo["range"]) == ("L1", {"min": "L1", "max": "L3"})
    assert "0 merged" in demo["evidence"][-1]
    code, out, _ = run_cli(config, "autonomy", "show", "--repo", "demo")
    assert code == 0 and "effective L1" in out
    assert run_cli(config, "autonomy", "show", "--repo", "nope")[0] == 2


def test_replay_lists_runs_whose_decision_a_proposed_config_changes(
    repo: Path, tmp_path: Path, write_config: Callable[..., Path]
) -> None:
    trusted = 'autonomy = { min = "L3", max = "L3" }\n'
    current = write_config(trusted)
    settings = load_config(current)
    store = Store.open(settings)
    small = patch_from_branch(repo, tmp_path, {"src/a.py": "a = 1\n"}, "r-small")
    big = patch_from_branch(repo, tmp_path, {"src/b.py": "b = 1\n" * 50}, "r-big")
    runs = {}
    for name, patch in (("small", small), ("big", big)):
        run = store.runs.create(f"demo#{name}", "demo", status=RunStatus.MERGED)
        checked = check_patch(settings, store, "demo", patch.read_text(), level=AutonomyLevel.L3)
        assert checked.decision.decision.value == "merge"
        store.events.append(
            run.id,
            GATE_DECISION_EVENT,
            "system",
            gate_decision_payload(checked.context, checked.decision),
        )
        runs[name] = run.id

    code, out, err = run_cli(current, "policy", "replay", "--json")
    assert code == 0, err
    same = json.loads(out)
    assert (same["evaluated"], same["changes"]) == (2, [])

    proposed = write_config(
        trusted + '[[repos.demo.policies]]\nname = "diff_size"\nparams = { max_lines = 10 }\n',
        name="proposed.toml",
    )
    code, out, err = run_cli(
        current, "policy", "replay", "--since", "1d", "--proposed-config", str(proposed), "--json"
    )
    assert code == 0, err
    report = json.loads(out)
    assert [c["run_id"] for c in report["changes"]] == [runs["big"]]
    change = report["changes"][0]
    assert (change["recorded"], change["replayed"]) == ("merge", "needs_human")
    assert "diff_size: allow -> needs_human" in change["changed_verdicts"]

    code, out, _ = run_cli(current, "policy", "replay", "--proposed-config", str(proposed))
    assert code == 0 and "1 would change" in out
    assert run_cli(current, "policy", "replay", "--since", "yesterday")[0] == 2
    # The old spelling, which shadowed the global --config, still names the proposed file.
    code, out, _ = run_cli(current, "policy", "replay", "--config", str(proposed), "--json")
    assert code == 0 and [c["run_id"] for c in json.loads(out)["changes"]] == [runs["big"]]


BUG_NEEDS_A_TEST = (
    '[[repos.demo.policies]]\nname = "tests_green"\nparams = { require_new_test_for_bugs = true }\n'
)


@pytest.mark.parametrize(
    ("flags", "outcome"),
    [
        ([], "allow"),
        (["--label", "docs"], "allow"),
        (["--label", "docs", "--label", "bug"], "needs_human"),
        (["--label", "docs,bug"], "needs_human"),
        (["--labels", "docs,bug"], "needs_human"),  # the old spelling
    ],
)
def test_check_judges_the_ticket_labels_given(
    repo: Path,
    tmp_path: Path,
    write_config: Callable[..., Path],
    flags: list[str],
    outcome: str,
) -> None:
    patch = patch_from_branch(repo, tmp_path, {"src/app.py": "fixed = True\n"}, "labelled")
    result = check_json(write_config(BUG_NEEDS_A_TEST), patch, "--level", "L2", *flags)
    tests_green = verdict(result, "tests_green")
    assert tests_green["outcome"] == outcome, tests_green


def test_check_still_reads_the_patch_from_the_old_diff_option(
    repo: Path, tmp_path: Path, write_config: Callable[..., Path]
) -> None:
    patch = patch_from_branch(repo, tmp_path, {"src/app.py": "print('old')\n"}, "old-option")
    config = write_config()
    code, out, err = run_cli(
        config, "policy", "check", "--repo", "demo", "--diff", str(patch), "--json"
    )
    assert code == 0, err
    old, new = json.loads(out), check_json(config, patch)
    assert old["decision"] == new["decision"] == "pull_request"
    assert [v["outcome"] for v in old["verdicts"]] == [v["outcome"] for v in new["verdicts"]]


def test_autonomy_show_reports_a_halt(write_config: Callable[..., Path]) -> None:
    config = write_config()
    assert run_cli(config, "halt", "--repo", "demo", "--reason", "outage", "--by", "carol")[0] == 0
    code, out, _ = run_cli(config, "autonomy", "show", "--json")
    assert code == 0 and json.loads(out)["repos"]["demo"]["halted"] == "outage"
    code, out, _ = run_cli(config, "autonomy", "show")
    assert "halted by carol: outage" in out
