"""`factory eval` end to end: mining a generated history of fixes in the real sandbox, then
evals with scripted models behind a local OpenAI-compatible server (real SDK, real graph,
real gate, real Docker, real git, real SQLite)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from factory.config import FactoryConfig, load_config
from factory.eval.driver import EvalOptions, EvalSummary, run_eval
from factory.eval.mining import mine_repo
from factory.store import Store
from tests.support.fix_history import FixHistory, build_fix_history, config_for
from tests.support.scripted_models import Behaviour, ScriptedModelServer, ScriptedTask

pytestmark = [pytest.mark.e2e, pytest.mark.docker, pytest.mark.slow]


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture(scope="module")
def mined(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, FixHistory]]:
    """The history mined once (repeats 2); each test then copies the database it needs."""
    root = tmp_path_factory.mktemp("eval")
    history = build_fix_history(root / "calc")
    config = load_config(config_for(root, history.path))
    with Store.open(config) as store:
        report = mine_repo(config, store, "calc", repeats=2)
    assert report.commits_walked == 7
    yield root, history


def test_mining_keeps_the_three_fixes_and_drops_the_flaky_and_the_untestable(
    mined: tuple[Path, FixHistory],
) -> None:
    root, history = mined
    config = load_config(root / "factory.toml")
    with Store.open(config) as store:
        tasks = {row.source_commit: row for row in store.evals.tasks("calc")}
        dropped = {
            row.problem_statement: row.drop_reason
            for row in store.evals.tasks("calc", status="dropped")
        }
    assert set(tasks) == set(history.fixes.values())
    by_subject = {subject: tasks[sha] for subject, sha in history.fixes.items()}
    beside = by_subject["Fix add: it subtracted"]
    assert json.loads(beside.fail_to_pass) == ["calc.test_ops::test_add"]
    assert json.loads(beside.pass_to_pass) == sorted(
        [
            "calc.test_ops::test_mul",
            "tests.test_words::test_empty",
            "shapes.tests.AreaTest::test_zero",
        ]
    )
    assert "calc/ops.py" in beside.patch and "calc/test_ops.py" not in beside.patch
    assert "calc/test_ops.py" in beside.test_patch and "calc/ops.py" not in beside.test_patch
    assert beside.evidence == "commit_message"
    assert (
        beside.base_commit
        == _git(history.path, "rev-parse", f"{history.fixes['Fix add: it subtracted']}^").strip()
    )
    tree = by_subject["Fix title: capitalise each word"]
    assert json.loads(tree.fail_to_pass) == ["tests.test_words::test_words"]
    unittest_layout = by_subject["Fix square: multiply the side by itself"]
    assert json.loads(unittest_layout.fail_to_pass) == ["shapes.tests.AreaTest::test_three"]
    assert str(dropped["Add neg, with a test that flips"]).startswith(
        "flaky: calc.test_flaky::test_mul_sometimes"
    )
    assert dropped["Add one, and a test of mul that already passed"] == (
        "no test fails without the fix and passes with it"
    )
    assert "Describe the project" not in dropped  # no tests: never a candidate


def _scripted_tasks(history: FixHistory, config: FactoryConfig) -> list[ScriptedTask]:
    with Store.open(config) as store:
        rows = store.evals.tasks("calc")
    tasks = []
    for row in rows:
        names = _git(
            history.path, "diff", "--name-only", row.base_commit, row.source_commit or ""
        ).split()
        code = [n for n in names if n in row.patch.split("\n", 1)[0] or f"b/{n}" in row.patch]
        tests = [n for n in names if n not in code]
        tasks.append(
            ScriptedTask(
                marker=row.problem_statement.splitlines()[0],
                code_files={
                    n: _git(history.path, "show", f"{row.source_commit}:{n}") for n in code
                },
                base_files={n: _git(history.path, "show", f"{row.base_commit}:{n}") for n in code},
                test_files=tests,
            )
        )
    return tasks


def _eval_with(
    behaviour: Behaviour,
    mined: tuple[Path, FixHistory],
    tmp_path: Path,
    top: str = "",
    **options: object,
) -> tuple[EvalSummary, FactoryConfig]:
    root, history = mined
    config = load_config(root / "factory.toml")
    server = ScriptedModelServer(behaviour, _scripted_tasks(history, config))
    server.serve()
    try:
        data = tmp_path / "data"
        data.mkdir()
        (data / "factory.db").write_bytes((root / "data" / "factory.db").read_bytes())
        path = config_for(tmp_path, history.path, model_url=server.url)
        path.write_text(path.read_text() + top)
        config = load_config(path)
        with Store.open(config) as store:
            summary = run_eval(
                config, store, EvalOptions.model_validate({"repo": "calc", **options})
            )
        return summary, config
    finally:
        server.close()


@pytest.fixture(autouse=True)
def _local_model_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


def test_the_oracle_resolves_every_task_and_nothing_reaches_a_forge(
    mined: tuple[Path, FixHistory], tmp_path: Path
) -> None:
    summary, config = _eval_with("oracle", mined, tmp_path)
    figures = summary.figures
    assert figures.resolved.hits == figures.judged == 3, summary
    assert figures.false_merge.hits == 0
    assert figures.cost_usd is not None and figures.cost_usd > 0
    for result in summary.results:
        assert result.ending == "pr_open" and result.gate_decision in ("pull_request",)
        assert result.decision_at["L3"] == "merge"
        assert {a["action"] for a in result.would_deliver} >= {"push", "open_pull_request"}
    with Store.open(config) as store:
        assert store.runs.latest() == []  # eval runs are not the factory's delivery
        assert store.pull_requests.all() == []
        eval_runs = store.runs.latest(eval_id=summary.eval_id)
        assert len(eval_runs) == 3 and all(run.config_hash for run in eval_runs)
    history = mined[1]
    assert _git(history.path, "branch", "--list").split() == ["*", "main"]


def test_the_null_model_resolves_nothing_and_ends_with_no_change(
    mined: tuple[Path, FixHistory], tmp_path: Path
) -> None:
    summary, _config = _eval_with("null", mined, tmp_path, limit=2)
    figures = summary.figures
    assert figures.judged == 2 and figures.resolved.hits == 0
    assert figures.no_change == 2
    assert all(r.ending == "no_change" for r in summary.results)


def test_the_cheater_is_not_resolved_and_counts_as_a_false_merge(
    mined: tuple[Path, FixHistory], tmp_path: Path
) -> None:
    summary, _config = _eval_with("cheater", mined, tmp_path, limit=2)
    figures = summary.figures
    assert figures.judged == 2 and figures.resolved.hits == 0
    results = summary.results
    assert all(r.reviewer_verdict == "approve" for r in results)
    would_merge = [r for r in results if r.decision_at.get("L3") == "merge"]
    assert would_merge, [r.decision_at for r in results]
    assert figures.false_merge.hits == len(would_merge)
    assert figures.reviewer_precision.value == 0.0


def test_an_eval_starts_no_attempt_that_could_pass_its_budget(
    mined: tuple[Path, FixHistory], tmp_path: Path
) -> None:
    summary, config = _eval_with(
        "oracle", mined, tmp_path, top="\n[budgets]\nmax_usd = 1.0\n", budget_usd=0.5
    )
    assert summary.status == "stopped" and summary.figures.attempts == 0
    assert summary.stopped_reason is not None
    assert "per-run limit of $1.00 would pass the $0.50 budget" in summary.stopped_reason
    with Store.open(config) as store:
        assert store.runs.latest(eval_id=summary.eval_id) == []
        assert store.evals.get(summary.eval_id).status == "stopped"


def test_a_stopped_eval_keeps_its_attempt_resumable_and_resume_judges_it(
    mined: tuple[Path, FixHistory], tmp_path: Path
) -> None:
    from factory.support.stopping import StopSignal

    root, history = mined
    stop = StopSignal()
    server = ScriptedModelServer(
        "oracle",
        _scripted_tasks(history, load_config(root / "factory.toml")),
        on_coder=lambda: stop.request("SIGINT received"),
    )
    server.serve()
    try:
        data = tmp_path / "data"
        data.mkdir()
        (data / "factory.db").write_bytes((root / "data" / "factory.db").read_bytes())
        config = load_config(config_for(tmp_path, history.path, model_url=server.url))
        with Store.open(config) as store:
            stopped = run_eval(config, store, EvalOptions(repo="calc", limit=1), stop=stop)
            assert stopped.status == "stopped" and stopped.stopped_reason == "SIGINT received"
            assert stopped.figures.attempts == 0
            (left,) = store.evals.results([stopped.eval_id])
            assert left.status == "stopped" and left.run_id is not None
            assert store.runs.get(left.run_id).status == "running"  # no driver: resumable
            server.on_coder = None
            resumed = run_eval(config, store, EvalOptions(resume=stopped.eval_id))
            assert resumed.eval_id == stopped.eval_id and resumed.status == "finished"
            (judged,) = resumed.results
            assert judged.run_id == left.run_id and judged.resolved
            events = [event.kind for event in store.events.read(left.run_id)]
            assert events.count("run.started") == 1 and "run.resumed" in events
    finally:
        server.close()


def test_the_bundled_sample_mines_into_one_task_from_its_fix(tmp_path: Path) -> None:
    from factory.demo.run_demo import REPO_NAME, prepare_demo
    from tests.e2e import script

    root = prepare_demo(tmp_path / "demo")
    repo = root / REPO_NAME
    edit = script.right_fix_edit()
    source = repo / edit["path"]
    source.write_text(source.read_text().replace(edit["old_string"], edit["new_string"]))
    (created,) = [c for c in script.tester()[0]["tool_calls"] if c["name"] == "create_file"]
    (repo / created["arguments"]["path"]).write_text(created["arguments"]["content"])
    _git(repo, "add", "--all")
    _git(
        repo,
        "-c",
        "user.name=M",
        "-c",
        "user.email=m@example.com",
        "commit",
        "-qm",
        "Read subtractive pairs right to left",
    )
    config = load_config(root / "factory.toml")
    with Store.open(config) as store:
        report = mine_repo(config, store, REPO_NAME, repeats=1)
    (task,) = report.tasks
    assert task.FAIL_TO_PASS and all("test_subtractive" in t for t in task.FAIL_TO_PASS)
    assert any("test_roman" in t for t in task.PASS_TO_PASS)
    assert "numerals/roman.py" in task.patch and "tests/test_subtractive.py" in task.test_patch


def test_on_github_the_problem_statement_is_the_linked_issue_read_through_the_api(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.support.fake_github import NAME, OWNER, TOKEN, serve_fake_github

    history = build_fix_history(
        tmp_path / "seed",
        messages={
            "Fix add: it subtracted": "Fix add: it subtracted (#12)",
            "Fix title: capitalise each word": "Fix title: capitalise each word\n\nFixes #6",
        },
    )
    with serve_fake_github(tmp_path / "github", history.path) as hub:
        hub.add_issue(5, "add() gives 2 - 3", "Adding 2 and 3 gives -1, not 5.", ["bug"])
        hub.add_issue(6, "title() shouts", "title('hello world') is HELLO WORLD.", ["bug"])
        hub.pulls[12] = {
            "title": "Fix add",
            "body": "Closes #5",
            "state": "closed",
            "draft": False,
            "merged": True,
            "head": "fix-add",
            "base": "main",
        }
        monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
        monkeypatch.setenv("GITHUB_API_URL", hub.api_url)
        path = tmp_path / "factory.toml"
        path.write_text(
            f'[factory]\ndata_dir = "{tmp_path / "data"}"\n\n[repos.calc]\n'
            f'github = "{OWNER}/{NAME}"\nbase_branch = "main"\n'
            'test_command = "python3 -m pytest -q -p no:cacheprovider"\n'
        )
        config = load_config(path)
        with Store.open(config) as store:
            report = mine_repo(config, store, "calc", repeats=1)
    by_sha = {task.instance_id.rsplit("__", 1)[1]: task for task in report.tasks}
    statements = {
        subject: by_sha[sha[:12]] for subject, sha in history.fixes.items() if sha[:12] in by_sha
    }
    dropped = {c.instance_id: c.dropped for c in report.candidates if c.dropped}
    assert "Fix add: it subtracted" in statements, f"dropped: {dropped}"
    add = statements["Fix add: it subtracted"]
    assert add.evidence == "issue" and add.problem_statement.startswith("add() gives 2 - 3")
    title = statements["Fix title: capitalise each word"]
    assert title.evidence == "issue" and "HELLO WORLD" in title.problem_statement
    square = statements["Fix square: multiply the side by itself"]
    assert square.evidence == "commit_message"
    assert ("GET", f"/api/v3/repos/{OWNER}/{NAME}/pulls/12") in hub.requests
    writes = [
        (method, path)
        for method, path in hub.requests
        if "receive-pack" in path or (path.startswith("/api/") and method != "GET")
    ]
    assert writes == []  # mining reads: no push, no comment, no change on the forge
