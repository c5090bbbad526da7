"""`factory incident open|resolve|list`: production incidents, and the change that caused them."""

from __future__ import annotations

import getpass
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from factory.cli.app import app
from factory.cli.context import cli_config, cli_store, fail
from factory.cli.listing import nothing_to_list
from factory.cli.options import MAX_RECORD_ID, JsonFlag, OptionalRepo, Repo
from factory.cli.output import console as make_console
from factory.cli.output import print_json
from factory.config.errors import ConfigError

if TYPE_CHECKING:
    from factory.store import Incident

incident_app = typer.Typer(
    help="Record incidents; one that names its root cause counts as a failed change.",
    no_args_is_help=True,
)
app.add_typer(incident_app, name="incident")
console = make_console()
BY_OPTION = typer.Option(None, "--by", help="Who is acting (default: your user name).")


def incident_record(incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.id,
        "repo": incident.repo,
        "title": incident.title,
        "severity": incident.severity,
        "root_cause": incident.root_cause,
        "opened_by": incident.opened_by,
        "opened_at": incident.opened_at,
        "resolved_by": incident.resolved_by,
        "resolved_at": incident.resolved_at,
    }


@incident_app.command("open")
def open_incident(
    repo: Repo,
    title: str = typer.Option(..., "--title", help="What broke, in a line."),
    root_cause: str | None = typer.Option(
        None,
        "--root-cause",
        help="The change that caused it: a commit sha, #PR number, or run id (r-...).",
    ),
    severity: str | None = typer.Option(None, "--severity", help="sev1 (worst) .. sev4."),
    by: str | None = BY_OPTION,
    as_json: JsonFlag = False,
) -> None:
    """Open an incident, optionally naming the change that caused it.

    With --root-cause the change it names counts as failed in `factory review` (change
    fail rate, recovery time); it must name a commit of the repository, a pull request the
    factory recorded there, or one of its runs."""
    from factory.review.incident_causes import RootCauseError, check_root_cause

    config = cli_config()
    try:
        config.repo(repo)
    except ConfigError as error:
        raise fail(str(error)) from None
    with cli_store(config) as store:
        try:
            cause = check_root_cause(config, store, repo, root_cause) if root_cause else None
            incident = store.incidents.open(
                repo,
                title,
                by=by or getpass.getuser(),
                root_cause=cause.text if cause else None,
                severity=severity,
            )
        except (ValueError, RootCauseError) as error:
            raise fail(str(error)) from None
    if as_json:
        checked = {"root_cause_checked": cause.checked} if cause else {}
        print_json({**incident_record(incident), **checked})
        return
    shown = f", root cause {incident.root_cause} ({cause.kind})" if cause else ""
    console.print(f"incident {incident.id} opened on {repo}{shown}")
    if cause is not None and cause.note:
        console.print(f"note: {cause.note}")


@incident_app.command("resolve")
def resolve_incident(
    incident_id: int = typer.Argument(
        ..., metavar="ID", min=1, max=MAX_RECORD_ID, help="The incident's number."
    ),
    by: str | None = BY_OPTION,
    as_json: JsonFlag = False,
) -> None:
    """Mark an incident resolved; its open -> resolve time is the recovery time."""
    from factory.store import IncidentNotFoundError

    with cli_store() as store:
        before = next((i for i in store.incidents.all() if i.id == incident_id), None)
        try:
            incident = store.incidents.resolve(incident_id, by=by or getpass.getuser())
        except IncidentNotFoundError as error:
            raise fail(str(error)) from None
    already = before is not None and before.resolved_at is not None
    if as_json:
        print_json({**incident_record(incident), "already": already})
        return
    if already:
        console.print(
            f"incident {incident.id} was already resolved by {incident.resolved_by} "
            f"at {incident.resolved_at:%Y-%m-%d %H:%M}; nothing changed"
        )
        return
    console.print(f"incident {incident.id} resolved")


@incident_app.command("sync")
def sync_incidents(
    repo: Repo,
    as_json: JsonFlag = False,
) -> None:
    """Copy the GitHub issues labelled `incident` of --repo NAME into the record.

    The repository must be on GitHub (`github = "owner/name"` in its section). A body line `root cause: <sha>` names the change; closing the issue resolves it. Needs GITHUB_TOKEN.
    """  # noqa: E501 - one line per paragraph: --help wraps it to the terminal
    from factory.config import Secrets
    from factory.forges.github_client import github_api_url, github_client
    from factory.review.github_incidents import sync_github_incidents

    config = cli_config()
    try:
        settings = config.repo(repo)
    except ConfigError as error:
        raise fail(str(error)) from None
    if settings.github is None:
        raise fail(f'{repo} is not on GitHub (no `github = "owner/name"` in its section)')
    token = Secrets.from_env().github_token
    if token is None:
        raise fail("GITHUB_TOKEN is not set; incidents are read from GitHub with it")
    from github import GithubException

    client = github_client(token.get_secret_value(), github_api_url())
    with cli_store(config) as store:
        try:
            result = sync_github_incidents(store, repo, settings.github, client)
        except GithubException as error:
            raise fail(
                f"GitHub refused to list issues of {settings.github}: {error.status}"
            ) from None
    if as_json:
        print_json({"created": result.created, "updated": result.updated})
        return
    console.print(
        f"{len(result.created)} new, {len(result.updated)} refreshed "
        f"{'incident' if len(result.created) + len(result.updated) == 1 else 'incidents'} "
        "from GitHub",
    )


@incident_app.command("list")
def list_incidents(
    repo: OptionalRepo = None,
    open_only: bool = typer.Option(False, "--open", help="Only incidents not resolved yet."),
    as_json: JsonFlag = False,
) -> None:
    """List incidents, oldest first (of --repo NAME only, when given)."""
    config = cli_config()
    with cli_store(config) as store:
        incidents = store.incidents.all(repo, open_only=open_only)
        # A repository no longer configured may still have incidents on record: list those.
        if repo is not None and repo not in config.repos and not store.incidents.all(repo):
            known = ", ".join(sorted(config.repos)) or "none configured"
            raise fail(f"unknown repository {repo!r} (configured: {known})")
    if as_json:
        print_json([incident_record(incident) for incident in incidents])
        return
    if not incidents:
        start = "`factory incident open --repo R --title T` records one"
        console.print(
            nothing_to_list("incidents", {"--repo": repo, "--open": open_only}, start),
            soft_wrap=True,
        )
        return
    table = Table("id", "repo", "severity", "title", "root cause", "opened", "resolved")
    for incident in incidents:
        table.add_row(
            str(incident.id),
            incident.repo,
            incident.severity or "",
            incident.title,
            incident.root_cause or "unknown",
            f"{incident.opened_at:%Y-%m-%d %H:%M} by {incident.opened_by}",
            f"{incident.resolved_at:%Y-%m-%d %H:%M}" if incident.resolved_at else "open",
        )
    console.print(table)
