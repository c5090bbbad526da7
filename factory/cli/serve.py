"""`factory serve`: the dashboard (review, runs, approvals, halt switch) in a browser."""

from __future__ import annotations

import os

import typer

from factory.cli.app import app
from factory.cli.context import cli_config


@app.command("serve")
def serve(
    host: str = typer.Option(
        "127.0.0.1", "--host", help="Address to listen on (default: this machine only)."
    ),
    port: int = typer.Option(8765, "--port", min=1, max=65535, help="Port to listen on."),
) -> None:
    """Open the dashboard: the review, runs, the approval queue and the halt switch.

    Shows the review, runs and each run's trajectory, the approval queue and the halt
    switch. Approving, rejecting and halting need FACTORY_WEB_TOKEN set when starting (log
    in with it); without it the dashboard is read-only, and it refuses to listen on any
    address but this machine's own (127.0.0.1, ::1, localhost).

    Example: FACTORY_WEB_TOKEN=$(openssl rand -hex 16) factory serve --port 8765
    """
    from factory.web.server import TOKEN_ENV, check_exposure
    from factory.web.server import serve as run_server

    config = cli_config()
    check_exposure(host, os.environ.get(TOKEN_ENV) or None)
    typer.echo(f"dashboard on http://{host}:{port}/ (Ctrl-C stops it)", err=True)
    run_server(config, host=host, port=port)
