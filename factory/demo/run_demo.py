"""`factory demo`: the whole product on a bundled sample, with scripted model turns.

Everything is real (git, the Docker sandbox, the test suite, the store, the audit chain, the
local forge) except the model: its turns are a hand-written script played by the replay
provider, and the demo says so.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import textwrap
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from factory.config import FactoryConfig, load_config
from factory.run.run_context import NodeObserver
from factory.run.runner import RunSummary, start_run
from factory.run.setup import RunOptions
from factory.store import Store
from factory.store.audit import VerifyReport, verify

HERE = Path(__file__).parent
SAMPLE = HERE / "sample"
TICKET = HERE / "ticket.md"
CASSETTE = HERE / "cassette.jsonl"
REPO_NAME = "numerals"

DEMO_CONFIG = """\
# Written by `factory demo`: the factory configured for the bundled sample repository.
[factory]
data_dir = ".factory"

[models.default]
provider = "replay"
model = "demo-script"
cassette = "{cassette}"

# The script's turns are written by hand, not bought from a provider: they cost nothing.
[pricing."demo-script"]
input = 0.0
output = 0.0

[repos.numerals]
path = "numerals"
base_branch = "main"
test_command = "python3 -m pytest -q"
autonomy = {{ min = "L1", max = "L1" }}
"""


class DemoResult(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    directory: Path
    config_path: Path
    summary: RunSummary
    audit: VerifyReport


def prepare_demo(directory: Path | None = None) -> Path:
    """A fresh directory holding the sample as a git repository, the ticket and a factory.toml."""
    root = directory or Path(tempfile.mkdtemp(prefix="factory-demo-"))
    root.mkdir(parents=True, exist_ok=True)
    if any(root.iterdir()):
        raise FileExistsError(f"{root} is not empty; give `factory demo --dir` a new directory")
    repo = root / REPO_NAME
    shutil.copytree(SAMPLE, repo, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    _git(repo, "init", "--quiet", "--initial-branch=main")
    _git(repo, "add", "--all")
    _git(
        repo,
        "-c",
        "user.name=Numerals Maintainer",
        "-c",
        "user.email=maintainer@numerals.example",
        "commit",
        "--quiet",
        "-m",
        "numerals 0.3.0",
    )
    shutil.copy(TICKET, root / "ticket.md")
    (root / "factory.toml").write_text(DEMO_CONFIG.format(cassette=CASSETTE))
    return root


def run_demo(directory: Path | None = None, observer: NodeObserver | None = None) -> DemoResult:
    root = prepare_demo(directory)
    config_path = root / "factory.toml"
    config: FactoryConfig = load_config(config_path)
    store = Store.open(config)
    try:
        summary = start_run(
            config,
            store,
            str(root / "ticket.md"),
            RunOptions(repo=REPO_NAME, replay=CASSETTE),
            observer,
        )
        return DemoResult(
            directory=root, config_path=config_path, summary=summary, audit=verify(store)
        )
    finally:
        store.close()


def next_steps(result: DemoResult, program: str = "factory") -> str:
    """Commands to look further, spelled with `program` (the venv's factory when not on PATH)."""
    factory = f"{program} --config {result.config_path}"
    pr = result.summary.state.pr_number
    return textwrap.dedent(
        f"""\
        Inspect the run:     {factory} runs show {result.summary.run_id} --events
        Read the PR:         {factory} pr show {pr}
        Verify the log:      {factory} audit verify
        Merge it yourself:   {factory} pr merge {pr}
        The repository:      git -C {result.directory / REPO_NAME} log --oneline --all"""
    )


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)
