"""`factory eval`: clear one-line errors before any work, JSON errors under --json, and tasks
that go in and out as JSONL unchanged."""

import json
from pathlib import Path

from tests.unit.factory.cli.conftest import Invoke

TASK = {
    "instance_id": "app__0123456789ab",
    "repo": "app",
    "base_commit": "0123456789abcdef0123456789abcdef01234567",
    "patch": "diff --git a/app.py b/app.py\n",
    "test_patch": "diff --git a/test_app.py b/test_app.py\n",
    "problem_statement": "it breaks",
    "FAIL_TO_PASS": '["test_app::test_it"]',
    "PASS_TO_PASS": "[]",
}


def configured(tmp_path: Path) -> str:
    repo = tmp_path / "app"
    repo.mkdir()
    path = tmp_path / "factory.toml"
    path.write_text(
        f'[factory]\ndata_dir = "{tmp_path / "data"}"\n\n[repos.app]\npath = "{repo}"\n'
        'base_branch = "main"\ntest_command = "python3 -m pytest -q"\n'
    )
    return str(path)


def test_a_malformed_line_is_named_by_number_in_json(tmp_path: Path, invoke: Invoke) -> None:
    config = configured(tmp_path)
    bad = tmp_path / "tasks.jsonl"
    bad.write_text(json.dumps(TASK) + "\n{oops\n")
    result = invoke("--config", config, "eval", "import", str(bad), "--json")
    assert result.exit_code == 2, result.output
    error = json.loads(result.stdout)["error"]
    assert f"{bad}:2: not valid JSON" in error["message"]
    assert "Traceback" not in result.output


def test_an_empty_file_and_a_run_without_tasks_are_one_line_each(
    tmp_path: Path, invoke: Invoke
) -> None:
    config = configured(tmp_path)
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    result = invoke("--config", config, "eval", "run", "--tasks", str(empty))
    assert result.exit_code == 2 and "no tasks in it" in result.output
    assert len(result.output.strip().splitlines()) == 1
    result = invoke("--config", config, "eval", "run", "--repo", "app")
    assert result.exit_code == 2
    assert "app has no eval tasks; `factory eval mine --repo app` finds some" in result.output
    result = invoke("--config", config, "eval", "run")
    assert result.exit_code == 2 and "which tasks?" in result.output


def test_an_unknown_repository_is_refused_before_any_work(tmp_path: Path, invoke: Invoke) -> None:
    config = configured(tmp_path)
    result = invoke("--config", config, "eval", "mine", "--repo", "nope", "--json")
    assert result.exit_code == 2
    assert "unknown repository 'nope'" in json.loads(result.stdout)["error"]["message"]


def test_tasks_imported_export_with_their_lists_as_json_lists(
    tmp_path: Path, invoke: Invoke
) -> None:
    config = configured(tmp_path)
    source = tmp_path / "swe.jsonl"
    source.write_text(json.dumps(TASK) + "\n")
    imported = invoke("--config", config, "eval", "import", str(source), "--json")
    assert imported.exit_code == 0, imported.output
    assert json.loads(imported.stdout) == {"repo": "app", "imported": 1}
    exported = invoke("--config", config, "eval", "export")
    line = json.loads(exported.stdout)
    assert line["FAIL_TO_PASS"] == ["test_app::test_it"] and line["PASS_TO_PASS"] == []
    assert line["instance_id"] == TASK["instance_id"] and line["evidence"] == "imported"
    listed = invoke("--config", config, "eval", "tasks", "--json")
    assert [t["instance_id"] for t in json.loads(listed.stdout)["tasks"]] == [TASK["instance_id"]]


def test_report_and_compare_without_evals_say_what_to_do(tmp_path: Path, invoke: Invoke) -> None:
    config = configured(tmp_path)
    result = invoke("--config", config, "eval", "report")
    assert result.exit_code == 2 and "`factory eval run --repo NAME` runs one" in result.output
    result = invoke("--config", config, "eval", "compare", "e-missing", "abcdef1")
    assert result.exit_code == 2 and "no eval 'e-missing'" in result.output
    assert "unexpected error" not in result.output


def test_enqueue_on_a_sqlite_store_is_refused_and_records_no_eval(
    tmp_path: Path, invoke: Invoke
) -> None:
    config = configured(tmp_path)
    source = tmp_path / "swe.jsonl"
    source.write_text(json.dumps(TASK) + "\n")
    assert invoke("--config", config, "eval", "import", str(source)).exit_code == 0
    result = invoke("--config", config, "eval", "run", "--repo", "app", "--enqueue", "--json")
    assert result.exit_code == 1, result.output
    assert "PostgreSQL" in json.loads(result.stdout)["error"]["message"]
    listed = invoke("--config", config, "eval", "list", "--json")
    assert json.loads(listed.stdout) == {"evals": []}


def test_autonomy_show_names_the_eval_evidence_under_the_current_configuration(
    tmp_path: Path, invoke: Invoke, db_url: str
) -> None:
    import git

    from factory.config import load_config
    from factory.config.fingerprint import configuration_hash
    from factory.store import Store

    repo = tmp_path / "app"
    actor = git.Actor("Dev", "dev@example.com")
    handle = git.Repo.init(repo, initial_branch="main")
    (repo / "a.py").write_text("a = 1\n")
    handle.index.add(["a.py"])
    handle.index.commit("start", author=actor, committer=actor)
    path = tmp_path / "factory.toml"
    path.write_text(
        f'[factory]\ndata_dir = "{tmp_path / "data"}"\n\n[repos.app]\npath = "{repo}"\n'
        'base_branch = "main"\ntest_command = "pytest"\n'
        'autonomy = { min = "L1", max = "L3" }\n\n'
        "[repos.app.autonomy_evidence]\nmin_resolved = 0.6\nmax_false_merge = 0.0\nmin_tasks = 2\n"
    )
    shown = invoke("--config", str(path), "autonomy", "show", "--json")
    held = json.loads(shown.stdout)["repos"]["app"]
    config = load_config(path)
    current = configuration_hash(config, config.repos["app"])
    assert held["config_hash"] == current
    assert (
        held["held_by_eval"] == f"no finished eval under the current configuration {current[:12]}"
    )

    with Store(db_url) as store:
        weak = store.evals.create("app", current, {})
        store.evals.set_summary(
            weak.id, {"tasks": 3, "resolved": {"value": 0.5}, "false_merge": {"value": 0.0}}
        )
        store.evals.set_status(weak.id, "finished")
    shown = invoke("--config", str(path), "autonomy", "show")
    said = " ".join(shown.stdout.split())  # the console wraps long lines
    assert f"above L1 needs an eval: eval {weak.id} resolved 50%; at least 60% is required" in said
