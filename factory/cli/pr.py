"""`factory pr list|show|merge|close`: be the reviewer of the local forge's pull requests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table
from rich.text import Text

from factory.cli.app import app
from factory.cli.context import cli_config, cli_store, fail
from factory.cli.options import JsonFlag, OptionalRepo
from factory.cli.output import console as make_console
from factory.cli.output import print_json
from factory.config.errors import ConfigError
from factory.store.statuses import PullRequestStatus

if TYPE_CHECKING:
    from factory.forges.base import PullRequestInfo
    from factory.forges.local_review import PullRequestView

pr_app = typer.Typer(
    help="Review the factory's pull requests on the local forge: list, show, merge, close.",
    no_args_is_help=True,
)
app.add_typer(pr_app, name="pr")
console = make_console()
NUMBER_HELP = "The pull request number, as `factory pr list` prints it."
STATUSES = [status.value for status in PullRequestStatus]


def pull_record(pull: PullRequestInfo, repo: str) -> dict[str, Any]:
    return {"repo": repo, **pull.model_dump(mode="json")}


@pr_app.command("list")
def list_pull_requests(
    repo: OptionalRepo = None,
    status: str | None = typer.Option(
        None, "--status", help=f"Only pull requests in this state: {', '.join(STATUSES)}."
    ),
    as_json: JsonFlag = False,
) -> None:
    """List pull requests the factory opened, oldest first (of --repo NAME only, when given)."""
    if status is not None and status not in STATUSES:
        raise fail(f"unknown status {status!r}; use one of: {', '.join(STATUSES)}")
    with cli_store() as store:
        rows = store.pull_requests.all(repo=repo, status=status)
    if as_json:
        print_json([{key: getattr(row, key) for key in _ROW_FIELDS} for row in rows])
        return
    if not rows:
        console.print("no pull requests yet: `factory run TICKET` opens them")
        return
    table = Table("repo", "#", "status", "title", "branch", "run")
    for row in rows:
        table.add_row(
            row.repo, str(row.number), row.status, row.title, row.head_branch, row.run_id or ""
        )
    console.print(table)


@pr_app.command("show")
def show(
    number: int = typer.Argument(..., metavar="NUMBER", help=NUMBER_HELP),
    repo: OptionalRepo = None,
    diff: bool = typer.Option(False, "--diff", help="Also print the change as a unified diff."),
    as_json: JsonFlag = False,
) -> None:
    """Show one pull request: status, branches, size of the change, and its description.

    --repo NAME is needed only when several repositories have a pull request of this number.
    """
    from factory.forges.local_review import (
        choose_repo,
        local_forge,
        pull_request_diff,
        show_pull_request,
    )

    config = cli_config()
    with cli_store(config) as store, _forge_errors():
        forge = local_forge(config, store, choose_repo(config, store, number, repo))
        view = show_pull_request(forge, number)
        patch = pull_request_diff(forge, number) if diff else None
    if as_json:
        record = pull_record(view.pull, view.repo)
        record["stats"] = view.stats.model_dump() if view.stats else None
        if patch is not None:
            record["diff"] = patch
        print_json(record)
        return
    _render(view)
    if patch is not None:
        console.print(patch)


@pr_app.command("merge")
def merge(
    number: int = typer.Argument(..., metavar="NUMBER", help=NUMBER_HELP),
    repo: OptionalRepo = None,
    ready: bool = typer.Option(
        False, "--ready", help="Merge a draft too: you reviewed what the factory flagged."
    ),
    as_json: JsonFlag = False,
) -> None:
    """Merge a pull request into its base branch with a real git merge commit.

    --repo NAME is needed only when several repositories have a pull request of this number.
    """
    from factory.forges.local_review import choose_repo, local_forge, merge_pull_request

    config = cli_config()
    with cli_store(config) as store, _forge_errors():
        forge = local_forge(config, store, choose_repo(config, store, number, repo))
        sha = merge_pull_request(store, forge, number, ready=ready)
        pull = forge.get_pull_request(number)
    if as_json:
        print_json(pull_record(pull, forge.repo_name))
        return
    console.print(f"merged #{number} into {pull.base_branch} of {forge.target} as {sha[:12]}")


@pr_app.command("close")
def close(
    number: int = typer.Argument(..., metavar="NUMBER", help=NUMBER_HELP),
    repo: OptionalRepo = None,
    comment: str | None = typer.Option(
        None, "--comment", help="Why it is closed (kept on the pull request and in the audit log)."
    ),
    as_json: JsonFlag = False,
) -> None:
    """Close a pull request without merging; its branch stays for reference.

    --repo NAME is needed only when several repositories have a pull request of this number.
    """
    from factory.forges.local_review import choose_repo, close_pull_request, local_forge

    config = cli_config()
    with cli_store(config) as store, _forge_errors():
        forge = local_forge(config, store, choose_repo(config, store, number, repo))
        pull = close_pull_request(store, forge, number, comment)
    if as_json:
        print_json(pull_record(pull, forge.repo_name))
        return
    console.print(f"closed #{number} ({pull.head_branch} kept)")


@contextmanager
def _forge_errors() -> Iterator[None]:
    """A missing pull request or bad config is bad input (exit 2); the forge or git failing, 1."""
    from factory.forges.base import ForgeError, PullRequestNotFound
    from factory.git import GitError

    try:
        yield
    except (PullRequestNotFound, ConfigError) as exc:
        raise fail(str(exc)) from exc
    except (ForgeError, GitError) as exc:
        raise fail(str(exc), code=1) from exc


_ROW_FIELDS = (
    "repo",
    "number",
    "title",
    "status",
    "draft",
    "head_branch",
    "base_branch",
    "head_sha",
    "merged_sha",
    "run_id",
    "url",
    "forge",
    "created_at",
    "updated_at",
)


def _render(view: PullRequestView) -> None:
    from rich.markdown import Markdown  # markdown-it is a noticeable share of start-up

    pull = view.pull
    console.print(
        Text.assemble(
            (f"#{pull.number} {pull.title}", "bold"), "  ", (pull.status, _colour(pull.status))
        )
    )
    lines = {
        "repo": view.repo,
        "branch": f"{pull.head_branch} -> {pull.base_branch}",
        "head": pull.head_sha or "",
        "merged as": pull.merged_sha or "",
        "run": pull.run_id or "",
        "change": view.stats.summary() if view.stats else "(branch not found)",
    }
    for key, value in lines.items():
        if value:
            console.print(Text.assemble((f"{key:>10}", "bold"), f"  {value}"))
    if view.stats and view.stats.files:
        console.print(Text.assemble((f"{'files':>10}", "bold"), "  " + ", ".join(view.stats.files)))
    console.print()
    console.print(Markdown(pull.body or "(no description)"))
    if pull.status in ("open", "draft"):
        ready = " --ready" if pull.status == "draft" else ""
        console.print(
            f"\nnext: `factory pr show {pull.number} --diff`, "
            f"`factory pr merge {pull.number}{ready}` or `factory pr close {pull.number}`"
        )


def _colour(status: str) -> str:
    return {"open": "green", "draft": "yellow", "merged": "magenta", "closed": "red"}.get(
        status, "white"
    )
