"""`factory eval` timed against plain work, on the bundled sample, in the real sandbox.

Mining: the sample's history gets N commits that each fix or unfix its bug with its tests
(every one a candidate), and `mine_repo` validates them; the baseline is two plain test
runs per candidate, each a fresh checkout of the candidate's parent and a fresh sandbox
running the test command once (what `factory doctor --repo` does). Goal: mining with one
run per state <= 1.3x that baseline. Mining with two runs per state (the default, to catch
flaky tests) is printed beside four plain runs per candidate.

Harness overhead: one eval attempt of the sample's task (throwaway repository, the whole run,
re-judging the gate at L2/L3, the hidden tests in the sandbox) against a plain `factory run`
of the same ticket with the same scripted model (the demo's cassette, replayed). Goal: <= 1.2x.

Run: `.venv/bin/python -m bench.eval [--candidates N] [--runs N]`
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from agents.test_report import run_test_suite
from factory.config import FactoryConfig, load_config
from factory.demo.run_demo import CASSETTE, REPO_NAME, prepare_demo
from factory.eval.driver import EvalOptions, run_eval
from factory.eval.mining import find_candidates, mine_repo
from factory.git import ensure_clone
from factory.git.worktree import detached_checkout
from factory.run.runner import start_run
from factory.run.setup import RunOptions
from factory.store import Store
from factory.support.logs import configure_logging
from sandboxes.docker_sandbox import DockerSandbox


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=Bench", "-c", "user.email=bench@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


def _demo_fix() -> tuple[dict[str, str], dict[str, str]]:
    """(the coder's edit, the tester's new file) from the demo's cassette."""
    replies = [
        json.loads(line)["reply"]
        for line in CASSETTE.read_text().splitlines()
        if line and not line.startswith("#")
    ]
    edit = replies[2]["tool_calls"][0]["arguments"]
    created = replies[5]["tool_calls"][0]["arguments"]
    return edit, created


def sample_with_history(root: Path, commits: int) -> FactoryConfig:
    """The demo's sample with `commits` commits that alternately fix and unfix its bug."""
    prepare_demo(root)
    repo = root / REPO_NAME
    edit, created = _demo_fix()
    source, test = repo / edit["path"], repo / created["path"]
    buggy = source.read_text()
    fixed = buggy.replace(edit["old_string"], edit["new_string"])
    for index in range(commits):
        if index % 2 == 0:
            source.write_text(fixed)
            test.write_text(created["content"])
        else:
            source.write_text(buggy)
            test.unlink()
        _git(repo, "add", "--all")
        _git(repo, "commit", "--quiet", "-m", f"{'Fix' if index % 2 == 0 else 'Undo'} {index}")
    return load_config(root / "factory.toml")


def plain_test_runs(config: FactoryConfig, per_candidate: int, candidates: int) -> float:
    """Seconds for `per_candidate` plain test runs of each candidate's parent."""
    repo = config.repos[REPO_NAME]
    assert repo.path is not None
    clone = ensure_clone(str(repo.path), config.factory.data_dir / "clones")
    found, _walked = find_candidates(
        clone, "refs/remotes/origin/main", since=None, limit=candidates
    )
    started = time.perf_counter()
    for candidate in found:
        for _ in range(per_candidate):
            path = config.factory.data_dir / "bench-checkouts" / uuid.uuid4().hex[:8]
            with (
                detached_checkout(clone, candidate.parent, path),
                DockerSandbox(config.sandbox, worktree=path, run_id="bench-plain") as box,
            ):
                run_test_suite(box, path, repo.test_command)
    return time.perf_counter() - started


def mining_seconds(config: FactoryConfig, repeats: int, candidates: int) -> tuple[float, int]:
    with Store.open(config) as store:
        started = time.perf_counter()
        report = mine_repo(config, store, REPO_NAME, limit=candidates, repeats=repeats)
        return time.perf_counter() - started, len(report.candidates)


def plain_run_seconds(root: Path) -> float:
    prepare_demo(root)
    config = load_config(root / "factory.toml")
    with Store.open(config) as store:
        started = time.perf_counter()
        summary = start_run(
            config, store, str(root / "ticket.md"), RunOptions(repo=REPO_NAME, replay=CASSETTE)
        )
        seconds = time.perf_counter() - started
    if summary.status.value != "pr_open":
        raise RuntimeError(f"the plain run ended {summary.status.value}: {summary.state.error}")
    return seconds


def eval_attempt_seconds(root: Path) -> float:
    config = sample_with_history(root, 1)
    with Store.open(config) as store:
        mined = mine_repo(config, store, REPO_NAME, repeats=1)
        if len(mined.tasks) != 1:
            raise RuntimeError(f"the sample should mine into one task: {mined.dropped}")
        started = time.perf_counter()
        summary = run_eval(config, store, EvalOptions(repo=REPO_NAME))
        seconds = time.perf_counter() - started
    if summary.figures.resolved.hits != 1:
        raise RuntimeError(f"the replayed fix should resolve the task: {summary.results}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description="Mining and eval costs against plain work.")
    parser.add_argument("--candidates", type=int, default=4)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    configure_logging("json", "warning")
    median = statistics.median
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch)
        plain_run_seconds(base / "warmup")  # imports, first docker connection, image cache
        rows = []
        for repeats in (1, 2):
            mined, baseline = [], []
            for index in range(options.runs):
                config = sample_with_history(base / f"mine{repeats}-{index}", options.candidates)
                seconds, count = mining_seconds(config, repeats, options.candidates)
                mined.append(seconds / count)
                baseline.append(plain_test_runs(config, 2 * repeats, count) / count)
            rows.append((repeats, median(mined), median(baseline)))
        plain = [plain_run_seconds(base / f"plain{i}") for i in range(options.runs)]
        attempts = [eval_attempt_seconds(base / f"eval{i}") for i in range(options.runs)]
    print(f"mining the sample, {options.candidates} candidates, {options.runs} runs (medians)")
    for repeats, mined_s, baseline_s in rows:
        goal = "   (goal <= 1.3x)" if repeats == 1 else ""
        print(
            f"  {repeats} run(s) per state  {mined_s:7.3f} s/candidate   "
            f"{2 * repeats} plain test runs {baseline_s:7.3f} s   "
            f"ratio {mined_s / baseline_s:5.2f}x{goal}"
        )
    print(f"eval harness, one task, {options.runs} runs (medians)")
    print(
        f"  eval attempt {median(attempts):7.3f} s   plain factory run {median(plain):7.3f} s   "
        f"ratio {median(attempts) / median(plain):5.2f}x   (goal <= 1.2x)"
    )


if __name__ == "__main__":
    main()
