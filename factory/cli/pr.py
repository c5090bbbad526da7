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
from factory.cli.listing import nothing_to_list
from factory.cli.options import MAX_FILE_LINE, MAX_RECORD_ID, JsonFlag, OptionalRepo
from factory.cli.output import console as make_console
from factory.cli.output import print_json
from factory.config.errors import ConfigError
from factory.store.statuses import PullRequestStatus

if TYPE_CHECKING:
    from factory.forges.base import PullRequestInfo
    from factory.forges.local_review import PullRequestView

pr_app = typer.Typer(
    help="Review the factory's pull requests on the local forge: list, show, comment, review, "
    "merge, close; sync runs the maintenance pass (feedback becomes follow-up commits, and "
    "what people did on GitHub is recorded).",
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
        filters = {"--repo": repo, "--status": status}
        known = list(cli_config().repos)
        console.print(
            nothing_to_list(
                "pull requests", filters, "`factory run TICKET` opens them", known_repos=known
            ),
            soft_wrap=True,
        )
        return
    table = Table("repo", "#", "status", "title", "branch", "run")
    for row in rows:
        table.add_row(
            row.repo, str(row.number), row.status, row.title, row.head_branch, row.run_id or ""
        )
    console.print(table)


@pr_app.command("show")
def show(
    number: int = typer.Argument(..., metavar="NUMBER", min=1, max=MAX_RECORD_ID, help=NUMBER_HELP),
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
        record["feedback"] = [item.model_dump(mode="json") for item in view.feedback]
        if patch is not None:
            record["diff"] = patch
        print_json(record)
        return
    _render(view, diff_shown=patch is not None)
    if patch is not None:
        console.print(patch)


@pr_app.command("merge")
def merge(
    number: int = typer.Argument(..., metavar="NUMBER", min=1, max=MAX_RECORD_ID, help=NUMBER_HELP),
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
    number: int = typer.Argument(..., metavar="NUMBER", min=1, max=MAX_RECORD_ID, help=NUMBER_HELP),
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


@pr_app.command("comment")
def comment(
    number: int = typer.Argument(..., metavar="NUMBER", min=1, max=MAX_RECORD_ID, help=NUMBER_HELP),
    text: str = typer.Argument(..., metavar="TEXT", help="What you want changed, in words."),
    file: str | None = typer.Option(
        None,
        "--file",
        help="Comment inline on this file (a path in the repository, as `pr show --diff` "
        "prints it): the factory's coder sees the diff around the line.",
    ),
    line: int | None = typer.Option(
        None, "--line", min=1, max=MAX_FILE_LINE, help="The line of --file the comment is on."
    ),
    repo: OptionalRepo = None,
    as_json: JsonFlag = False,
) -> None:
    """Comment on a pull request as its reviewer, like a GitHub PR or inline comment.

    An inline comment (--file, --line) always asks for a change; a plain comment does when it
    contains the repository's `feedback_mention` (default `/factory`). The next `factory pr
    sync` (or sweep) turns it into a follow-up commit on the same branch, and replies.
    """
    from factory.forges.local_review import choose_repo, comment_on_pull_request, local_forge

    if not text.strip():
        raise fail("the comment is empty; say what should change")
    config = cli_config()
    with cli_store(config) as store, _forge_errors():
        forge = local_forge(config, store, choose_repo(config, store, number, repo))
        item = comment_on_pull_request(store, forge, number, text, path=file, line=line)
    if as_json:
        print_json(
            {"repo": forge.repo_name, "pull_request": number, **item.model_dump(mode="json")}
        )
        return
    where = f" on {item.path}:{item.line}" if item.path else ""
    console.print(
        f"commented on #{number}{where} ({item.id}); `factory pr sync` acts on it", soft_wrap=True
    )


@pr_app.command("review")
def review(
    number: int = typer.Argument(..., metavar="NUMBER", min=1, max=MAX_RECORD_ID, help=NUMBER_HELP),
    request_changes: bool = typer.Option(
        False, "--request-changes", help="Ask for changes: the factory makes a follow-up round."
    ),
    approve: bool = typer.Option(
        False,
        "--approve",
        help="Approve: a run waiting for approval merges, as with `factory approve`.",
    ),
    body: str = typer.Option("", "--body", help="What you ask for (or why you approve)."),
    repo: OptionalRepo = None,
    as_json: JsonFlag = False,
) -> None:
    """Review a pull request as GitHub's "Request changes" or "Approve" does.

    Exactly one of --request-changes or --approve. The next `factory pr sync` (or sweep)
    acts on it: requested changes become a follow-up round on the same branch.
    """
    from factory.forges.local_review import choose_repo, local_forge, review_pull_request

    if request_changes == approve:
        raise fail("pass exactly one of --request-changes or --approve")
    if request_changes and not body.strip():
        raise fail("--request-changes needs --body: say what should change")
    config = cli_config()
    with cli_store(config) as store, _forge_errors():
        forge = local_forge(config, store, choose_repo(config, store, number, repo))
        item = review_pull_request(
            store,
            forge,
            number,
            state="CHANGES_REQUESTED" if request_changes else "APPROVED",
            text=body,
        )
    if as_json:
        print_json(
            {"repo": forge.repo_name, "pull_request": number, **item.model_dump(mode="json")}
        )
        return
    said = "requested changes on" if request_changes else "approved"
    console.print(f"{said} #{number} ({item.id}); `factory pr sync` acts on it", soft_wrap=True)


@pr_app.command("sync")
def sync(repo: OptionalRepo = None, as_json: JsonFlag = False) -> None:
    """The maintenance pass over the factory's open pull requests, now.

    Records what people did on the forge (a pull request merged or closed with GitHub's
    buttons lands on the run that opened it), then visits every open factory pull request:
    new reviews and comments from people with write access become a follow-up round on the
    same branch (its commits, a reply to each comment, the gate again). Every sweep does this
    first; the webhook does it at once. Every configured repository, or --repo NAME only.
    """
    from factory.pulls.maintain import maintain_repo, maintenance_record
    from factory.run.pr_sync import sync_repo
    from factory.run.setup import SetupError

    config = cli_config()
    names = [repo] if repo is not None else sorted(config.repos)
    try:
        for name in names:
            config.repo(name)
    except ConfigError as exc:
        raise fail(str(exc)) from exc
    settled = []
    maintained = []
    with cli_store(config) as store, _forge_errors():
        for name in names:
            try:
                settled += sync_repo(config, store, name)
                maintained += maintain_repo(config, store, name)
            except SetupError as exc:
                raise fail(str(exc), code=1) from exc
    if as_json:
        print_json(
            {
                "settled": [
                    {
                        "repo": item.repo,
                        "run_id": item.run_id,
                        "pull_request": item.number,
                        "decision": item.decision,
                        "by": item.by,
                    }
                    for item in settled
                ],
                "maintained": maintenance_record(maintained),
            }
        )
        return
    acted = [item for item in maintained if item.actions]
    if not settled and not acted:
        console.print(
            "nothing new: every factory pull request waiting for people is still open, "
            "with no new feedback to act on"
        )
        return
    for item in settled:
        by = f" by {item.by}" if item.by else ""
        console.print(
            f"{item.repo} #{item.number} {item.decision}{by}: recorded on run {item.run_id}"
        )
    for pull in acted:
        for action in pull.actions:
            console.print(
                Text(f"{pull.repo} #{pull.number} {action.step}: {action.detail or action.action}"),
                soft_wrap=True,
            )


@contextmanager
def _forge_errors() -> Iterator[None]:
    """A missing pull request or bad config is bad input (exit 2); the forge or git failing, 1."""
    from factory.forges.base import ForgeError, PullRequestNotFound
    from factory.forges.local_feedback import BadComment
    from factory.git import GitError

    try:
        yield
    except (PullRequestNotFound, BadComment, ConfigError) as exc:
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


def _render(view: PullRequestView, *, diff_shown: bool = False) -> None:
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
    if view.feedback:
        console.print(Text("\nReviews and comments", style="bold"))
    for item in view.feedback:
        where = f" on {item.path}:{item.line}" if item.path else ""
        state = f" {item.review_state.lower().replace('_', ' ')}" if item.review_state else ""
        console.print(Text(f"  {item.author}{state}{where} ({item.id})", style="dim"))
        console.print(Text("    " + item.body.strip().replace("\n", "\n    ")))
    if pull.status in ("open", "draft"):
        ready = " --ready" if pull.status == "draft" else ""
        steps = [] if diff_shown else [f"`factory pr show {pull.number} --diff`"]
        steps.append(f"`factory pr merge {pull.number}{ready}`")
        console.print(
            f"\nnext: {', '.join(steps)} or `factory pr close {pull.number}`", soft_wrap=True
        )


def _colour(status: str) -> str:
    return {"open": "green", "draft": "yellow", "merged": "magenta", "closed": "red"}.get(
        status, "white"
    )
