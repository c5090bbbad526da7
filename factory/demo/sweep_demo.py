"""`factory demo --tickets N`: a nightly sweep over bundled tickets, ending in a morning report.

The bundled backlog (`backlog/`) holds six tickets against the numerals sample, each with its
own scripted model turns (`backlog/<ticket>.jsonl`), chosen so that one sweep shows what a
team sees in the morning: a change merged, one waiting for a human (it touches the protected
`docs/`), one refused by a gate (a CI workflow), one whose tests are still red after the last
iteration, one that ran out of its run budget, and one where nothing needed to change.
Everything but the model is real: git, the Docker sandbox, the tests, the store, the forge.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from factory.config import load_config
from factory.demo.run_demo import REPO_NAME, prepare_demo
from factory.store import Store
from factory.store.statuses import RunStatus
from factory.support.stopping import StopSignal
from factory.sweep.driver import SweepObserver, run_sweep
from factory.sweep.outcome import SweepRequest, SweepResult

BACKLOG = Path(__file__).parent / "backlog"
OUTCOME_ORDER = (
    "f-subtractive",  # merged
    "a-roman-docs",  # waiting for a human
    "b-ci-workflow",  # refused by a gate
    "c-wrong-fix",  # tests red after the last iteration
    "d-whole-codebase",  # run budget exhausted
    "e-already-fixed",  # no change needed
)[: 6 if any(status.value == "no_change" for status in RunStatus) else 5]
"""An empty change must end `no_change`, never `merged`: the last ticket joins the demo only
where runs know that ending (a runner without it would report a merge of nothing)."""
MAX_TICKETS = len(OUTCOME_ORDER)

SWEEP_REPO = """\
[repos.numerals]
path = "numerals"
base_branch = "main"
test_command = "python3 -m pytest -q"
backlog_dir = "backlog"
max_iterations = 1
autonomy = { min = "L3", max = "L3" }
protected_paths = ["docs/**"]
policies = [
  { name = "protected_paths", params = { refuse = [".github/workflows/**"] } },
  { name = "diff_size" },
  { name = "tests_green" },
  { name = "reviewer_approval" },
  { name = "ci_files" },
  { name = "dependency_manifests" },
  { name = "budget" },
  { name = "owners" },
]
"""


def prepare_sweep_demo(tickets: int, directory: Path | None = None) -> Path:
    """The demo directory, configured for a sweep over the first `tickets` bundled tickets."""
    if not 1 <= tickets <= MAX_TICKETS:
        raise ValueError(f"--tickets takes 1 to {MAX_TICKETS} (the bundled backlog)")
    root = prepare_demo(directory or Path(tempfile.mkdtemp(prefix="factory-sweep-demo-")))
    backlog = root / "backlog"
    backlog.mkdir()
    for name in OUTCOME_ORDER[:tickets]:
        shutil.copy(BACKLOG / f"{name}.md", backlog / f"{name}.md")
    (root / "ticket.md").unlink()
    config = root / "factory.toml"
    text = config.read_text()
    start = text.index(f"[repos.{REPO_NAME}]")
    config.write_text(text[:start] + SWEEP_REPO)
    return root


def run_sweep_demo(
    tickets: int,
    directory: Path | None = None,
    *,
    concurrency: int = 2,
    observer: SweepObserver | None = None,
    stop: StopSignal | None = None,
) -> tuple[Path, SweepResult]:
    root = prepare_sweep_demo(tickets, directory)
    config = load_config(root / "factory.toml")
    with Store.open(config) as store:
        result = run_sweep(
            config,
            store,
            SweepRequest(concurrency=concurrency, replay_dir=BACKLOG),
            observer=observer,
            stop=stop,
        )
    return root, result
