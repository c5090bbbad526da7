"""`factory sandbox ...`: build the offline image, prune stale containers, run a manual check."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path

import typer
from rich.text import Text

from factory.cli.app import app
from factory.cli.context import cli_config, fail
from factory.cli.options import JsonFlag, seconds
from factory.cli.output import console as make_console
from factory.config import FactoryConfig
from sandboxes.errors import SandboxError

sandbox_app = typer.Typer(
    help="Docker sandboxes: build the base image, clean up, try a command.",
    no_args_is_help=True,
)
app.add_typer(sandbox_app, name="sandbox")
console = make_console(stderr=True)
ACTIVE_STATUSES = frozenset({"queued", "running"})


@sandbox_app.command("build-base")
def build_base_command(
    force: bool = typer.Option(False, "--force", help="Rebuild even when the image is current."),
    pull: bool = typer.Option(
        False,
        "--pull",
        help="Build on python:3.11-slim pulled from a registry instead of debootstrap (needs "
        "registry access).",
    ),
    mirror: str = typer.Option(
        None, "--mirror", help="Debian mirror URL (default: the one in /etc/apt)."
    ),
    suite: str = typer.Option(
        None, "--suite", help="Debian suite, e.g. bookworm (default: /etc/apt)."
    ),
    as_json: JsonFlag = False,
) -> None:
    """Build the sandbox image offline (debootstrap + docker import); skips when it is current."""
    from sandboxes.builder import build_base

    cfg = cli_config().sandbox
    show: Callable[[str], None] = (lambda line: None) if as_json else _progress_printer()
    try:
        outcome = build_base(
            cfg.image, force=force, pull=pull, mirror=mirror, suite=suite, progress=show
        )
    except SandboxError as exc:
        raise fail(str(exc), code=1) from exc
    if as_json:
        typer.echo(json.dumps(outcome.__dict__))
        return
    verb = (
        "is already current; nothing to build"
        if outcome.skipped
        else f"built in {outcome.duration_s:.0f} s"
    )
    console.print(Text.assemble((outcome.image, "green"), f" {verb} (content {outcome.content})"))


def _progress_printer() -> Callable[[str], None]:
    def show(line: str) -> None:
        if line:
            console.print(Text(line, style="dim"))

    return show


@sandbox_app.command("prune")
def prune_command(
    dry_run: bool = typer.Option(False, "--dry-run", help="List what would go, remove nothing."),
    as_json: JsonFlag = False,
) -> None:
    """Remove this installation's sandbox containers whose owning process died or whose run is
    over (and unlabelled ones from older versions). Safe any time: other installations sharing
    the Docker engine keep theirs."""
    from factory.store.database import installation_id
    from sandboxes.prune import prune

    config = cli_config()
    try:
        report = prune(
            _store_is_active(config),
            dry_run=dry_run,
            installation=installation_id(config.database_url),
            unlabelled_too=True,
        )
    except SandboxError as exc:
        raise fail(str(exc), code=1) from exc
    if as_json:
        typer.echo(json.dumps({"removed": report.removed, "kept": report.kept, "dry_run": dry_run}))
        return
    verb = "would remove" if dry_run else "removed"
    for name in report.removed:
        console.print(f"{verb} {name}")
    console.print(f"{verb} {len(report.removed)}, kept {len(report.kept)} in use")


def _store_is_active(config: FactoryConfig) -> Callable[[str], bool] | None:
    """Run status from the store; None (owner liveness only) when there is no store."""
    from factory.store import Store

    try:
        store = Store.open(config)
    except Exception:  # no usable store: prune still removes containers of dead owners
        return None

    from factory.governance.liveness import observed_status

    def is_active(run_id: str) -> bool:
        # A run recorded as running whose lease is dead is interrupted: its sandboxes can go.
        run = store.runs.find(run_id)
        return run is not None and observed_status(run).value in ACTIVE_STATUSES

    return is_active


@sandbox_app.command(
    "exec", context_settings={"allow_interspersed_args": False, "ignore_unknown_options": True}
)
def exec_command(
    cmd: list[str] = typer.Argument(..., help="The command and its arguments, after `--`."),
    image: str = typer.Option(
        None,
        "--image",
        help="Image to run in (default: the sandbox section's `image` in factory.toml).",
    ),
    worktree: Path = typer.Option(
        None,
        "--worktree",
        help="Directory to mount at /workspace (default: none). Use a scratch copy or a git "
        "worktree, never a checkout you care about.",
    ),
    timeout: float = typer.Option(
        60.0,
        "--timeout",
        metavar="SECONDS",
        parser=seconds,
        help="Seconds before the command is killed (at most a day).",
    ),
    as_json: JsonFlag = False,
) -> None:
    """Run one command in a hardened sandbox, as agents do (a manual check)."""
    from factory.store.database import installation_id
    from sandboxes.docker_sandbox import DockerSandbox

    config = cli_config()
    cfg = config.sandbox
    if worktree is not None and not worktree.is_dir():
        raise fail(f"--worktree {worktree} is not a directory; pass one that is")
    run_id = f"manual-{uuid.uuid4().hex[:8]}"
    try:
        with DockerSandbox(
            cfg,
            worktree=worktree,
            run_id=run_id,
            role="manual",
            image=image,
            installation=installation_id(config.database_url),
        ) as sandbox:
            result = sandbox.exec(cmd, timeout=timeout)
    except SandboxError as exc:
        raise fail(str(exc), code=1) from exc
    if as_json:
        typer.echo(result.model_dump_json())
    else:
        typer.echo(result.stdout, nl=False)
        typer.echo(result.stderr, nl=False, err=True)
        if result.timed_out:
            console.print(Text(f"timed out after {timeout:g} s", style="red"))
        if result.oom_killed:
            console.print(Text("killed: out of memory", style="red"))
    raise typer.Exit(result.exit_code if 0 <= result.exit_code < 256 else 1)
