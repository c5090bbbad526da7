"""The `factory` command line. Thin: each command parses, calls one core function, renders.

Command bodies import the core they call (runner, store, forges, sandboxes, ...) inside the
function, and names needed only for annotations sit under `TYPE_CHECKING`: importing this
package builds every command's `--help` and must not pull in LangGraph, SQLAlchemy, the Docker
SDK, PyGithub or the model SDKs, which made even `factory --version` take seconds.
tests/unit/factory/cli/test_cli_startup.py keeps it that way.

Every failure leaves through one handler, `errors.exit_code_of` (see `app.FactoryGroup`): one
line or one JSON object and a documented exit code; a crash report for a bug.

- `app`: the Typer app and its group (global options, the one error handler); `errors`:
  error rendering and exit codes; `context`: the config and store a command works with;
  `global_options`: what was given before the command (`--config`, `--log-format`).
- `options`: the options several commands share, defined once (`--json`, `--repo`, `--since`,
  `--until`, `--output`, `--label`) with the parsers of times and dollars; `output`: the JSON
  printer and the Rich consoles, which print text as written (markup off).
- One module per command group: `run` (run, resume, approve, reject), `runs` (with
  `trajectory`, `runs trajectory`), `pr`, `audit`,
  `config`, `doctor`, `init` (with `init_repo`, what it detects and writes), `demo`, `halt`,
  `autonomy`, `policy`, `sandbox`, `review`, `incident`, `serve`, `sweep` (sweep, sweeps),
  `eval` (mine, tasks, export, import, run, list, report, compare), `ticket`, `worker`, `jobs`.
- `live`, `sweep_view`, `activity`: the Rich live views of a run and a sweep, and the line
  that says what an agent is doing; `listing`: what a list says when it has nothing to show.
"""

from factory.cli import audit as _audit  # noqa: F401  (registers `factory audit`)
from factory.cli import autonomy as _autonomy  # noqa: F401  (registers `factory autonomy`)
from factory.cli import config as _config  # noqa: F401  (registers `factory config`)
from factory.cli import demo as _demo  # noqa: F401  (registers `factory demo`)
from factory.cli import doctor as _doctor  # noqa: F401  (registers `factory doctor`)
from factory.cli import eval as _eval  # noqa: F401  (registers `factory eval`)
from factory.cli import halt as _halt  # noqa: F401  (registers `factory halt`, `unhalt`)
from factory.cli import incident as _incident  # noqa: F401  (registers `factory incident`)
from factory.cli import init as _init  # noqa: F401  (registers `factory init`)
from factory.cli import jobs as _jobs  # noqa: F401  (registers `factory jobs`)
from factory.cli import policy as _policy  # noqa: F401  (registers `factory policy`)
from factory.cli import pr as _pr  # noqa: F401  (registers `factory pr`)
from factory.cli import review as _review  # noqa: F401  (registers `factory review`)
from factory.cli import run as _run  # noqa: F401  (registers `factory run`, `resume`, `approve`, `reject`)
from factory.cli import runs as _runs  # noqa: F401  (registers `factory runs`)
from factory.cli import sandbox as _sandbox  # noqa: F401  (registers `factory sandbox`)
from factory.cli import serve as _serve  # noqa: F401  (registers `factory serve`)
from factory.cli import sweep as _sweep  # noqa: F401  (registers `factory sweep`, `sweeps`)
from factory.cli import ticket as _ticket  # noqa: F401  (registers `factory ticket`)
from factory.cli import trajectory as _trajectory  # noqa: F401  (registers `runs trajectory`)
from factory.cli import worker as _worker  # noqa: F401  (registers `factory worker`)
from factory.cli.app import app


def main() -> None:
    app()


__all__ = ["app", "main"]
