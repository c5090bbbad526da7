"""Bad tickets and bad repositories: `factory run` says what is wrong and starts nothing."""

from __future__ import annotations

from dataclasses import dataclass

import git
import pytest

from factory.tickets.model import MAX_TICKET_CHARS
from tests.reliability.conftest import World, assert_refused


@dataclass(frozen=True)
class TicketCase:
    id: str
    ticket: str
    """The TICKET argument (placeholders allowed)."""
    exit_code: int
    words: tuple[str, ...]
    file: tuple[str, bytes] | None = None
    """(name, content) written into the world first."""
    stdin: str | None = None
    env: tuple[tuple[str, str], ...] = ()
    absent: tuple[str, ...] = ()
    """Words that must NOT appear (a message that would be untrue)."""
    repo_args: tuple[str, ...] = ("--repo", "demo")


TOKEN = (("GITHUB_TOKEN", "ghp_reliabilitytesttoken"), ("GITHUB_API_URL", "http://127.0.0.1:9/"))

TICKETS = [
    TicketCase("file-missing", "missing.md", 2, ("missing.md", "not found", "markdown file")),
    TicketCase("file-empty", "empty.md", 2, ("empty.md", "is empty"), file=("empty.md", b"")),
    TicketCase(
        "only-whitespace", "blank.md", 2, ("blank.md", "is empty"), file=("blank.md", b"  \n\n")
    ),
    TicketCase("stdin-empty", "-", 2, ("standard input is empty",), stdin=""),
    TicketCase("stdin-whitespace", "-", 2, ("standard input is empty",), stdin="\n \n"),
    TicketCase(
        "front-matter-yaml",
        "t.md",
        2,
        ("front matter is not valid yaml",),
        file=("t.md", b"---\ntitle: [unclosed\n---\nbody\n"),
    ),
    TicketCase(
        "front-matter-unknown-key",
        "t.md",
        2,
        ("front matter", "titel", "allowed keys"),
        file=("t.md", b"---\ntitel: typo\n---\nbody\n"),
    ),
    TicketCase(
        "front-matter-list",
        "t.md",
        2,
        ("front matter must be `key: value` lines",),
        file=("t.md", b"---\n- a\n- b\n---\nbody\n"),
    ),
    TicketCase(
        "too-long",
        "long.md",
        2,
        ("longer than", str(MAX_TICKET_CHARS)),
        file=("long.md", b"# Long\n" + b"x" * (MAX_TICKET_CHARS + 10)),
    ),
    TicketCase(
        "not-utf8-content",
        "latin.md",
        2,
        ("cannot read ticket file", "latin.md"),
        file=("latin.md", b"# Caf\xe9\n\nMake it \xe9.\n"),
    ),
    TicketCase(
        "unknown-repo-in-front-matter",
        "t.md",
        2,
        ("unknown repository", "elsewhere"),
        file=("t.md", b"---\ntitle: x\nrepo: elsewhere\n---\nbody\n"),
        repo_args=(),
    ),
    TicketCase("empty-argument", "", 2, ("empty string",)),
    TicketCase("a-folder", "{user}", 2, ("no ticket", "markdown file path")),
    TicketCase(
        "issue-number-not-a-number",
        "acme/app#12a",
        2,
        ("'12a' is not a number", "owner/repo#123"),
        absent=("github_token",),
    ),
    TicketCase(
        "issue-number-bad-with-token",
        "acme/app#abc",
        2,
        ("'abc' is not a number",),
        env=TOKEN,
        absent=("github_token",),
    ),
    TicketCase("issue-number-zero", "acme/app#0", 2, ("start at 1",), absent=("github_token",)),
    TicketCase(
        "issue-without-token",
        "acme/app#12",
        2,
        ("looks like a github issue", "set github_token"),
    ),
    TicketCase(
        "other-forge-url-with-token",
        "https://gitlab.com/acme/app/-/issues/3",
        2,
        ("gitlab.com", "not github", "markdown file"),
        env=TOKEN,
        absent=("github_token",),
    ),
    TicketCase(
        "other-forge-url-without-token",
        "https://codeberg.org/acme/app/issues/3",
        2,
        ("codeberg.org", "not github"),
        absent=("github_token",),
    ),
    TicketCase(
        "pull-request-url",
        "https://github.com/acme/app/pull/3",
        2,
        ("not a github issue url", "/issues/123"),
        absent=("github_token",),
    ),
    TicketCase(
        "issue-url-bad-number",
        "https://github.com/acme/app/issues/three",
        2,
        ("'three' is not a number",),
        env=TOKEN,
        absent=("github_token",),
    ),
    TicketCase(
        "github-unreachable",
        "acme/app#12",
        2,
        ("cannot reach github", "acme/app#12"),
        env=TOKEN,
    ),
]


@pytest.mark.parametrize("case", TICKETS, ids=[case.id for case in TICKETS])
def test_a_bad_ticket_is_refused_with_a_true_message(world: World, case: TicketCase) -> None:
    if case.file is not None:
        (world.root / case.file[0]).write_bytes(case.file[1])
    outcome = world.invoke(
        "run", case.ticket, *case.repo_args, "--json", env=dict(case.env), stdin=case.stdin
    )
    assert_refused(outcome, case.exit_code, case.words, world, as_json=True)
    for word in case.absent:
        assert word not in outcome.output.lower(), outcome.output


@dataclass(frozen=True)
class RepoCase:
    id: str
    repo_args: tuple[str, ...]
    exit_code: int
    words: tuple[str, ...]
    prepare: str = ""
    repos: str = ""
    """Replaces the `[repos.*]` part of the config when set."""


REPOS = [
    RepoCase("unknown-name", ("--repo", "nope"), 2, ("unknown repository 'nope'", "demo")),
    RepoCase(
        "path-not-git",
        ("--repo", "{root}/plain"),
        2,
        ("unknown repository", "path of a git checkout"),
        prepare="plain",
    ),
    RepoCase(
        "checkout-without-commits",
        ("--repo", "{root}/fresh"),
        2,
        ("no commit",),
        prepare="fresh",
    ),
    RepoCase(
        "which-of-two",
        (),
        2,
        ("which repository", "--repo", "demo", "other"),
        repos='[repos.demo]\npath = "{user}"\ntest_command = "t"\n'
        '[repos.other]\npath = "{user}"\ntest_command = "t"\n',
    ),
    RepoCase("none-configured", (), 2, ("which repository", "none configured"), repos="\n"),
    RepoCase(
        "deleted-after-config",
        ("--repo", "demo"),
        2,
        ("repos.demo.path", "does not exist"),
        repos='[repos.demo]\npath = "{root}/gone"\ntest_command = "t"\n',
    ),
    RepoCase(
        "base-branch-gone",
        ("--repo", "demo"),
        2,
        ("repos.demo.base_branch", "release", "not a branch"),
        repos='[repos.demo]\npath = "{user}"\ntest_command = "t"\nbase_branch = "release"\n',
    ),
    RepoCase(
        "checkout-detached-without-base",
        ("--repo", "{user}"),
        2,
        ("base_branch", "cannot be detected"),
        prepare="detached",
        repos="\n",
    ),
    RepoCase(
        "halted",
        ("--repo", "demo"),
        2,
        ("halted", "unhalt"),
        prepare="halt",
    ),
]


def _prepare_repo(world: World, how: str) -> None:
    if how == "plain":
        (world.root / "plain").mkdir()
    elif how == "fresh":
        git.Repo.init(world.root / "fresh")
    elif how == "detached":
        world.repo.git.checkout("--detach")
        world.branches_before = world.branches()
    elif how == "halt":
        halted = world.invoke("halt", "--repo", "demo", "--reason", "freeze")
        assert halted.exit_code == 0, halted.output


# A halt is checked after the Docker engine is: that case needs the engine.
@pytest.mark.parametrize(
    "case",
    [
        pytest.param(case, id=case.id, marks=pytest.mark.docker if case.id == "halted" else ())
        for case in REPOS
    ],
)
def test_a_bad_repository_is_refused_before_any_work(world: World, case: RepoCase) -> None:
    if case.repos:
        world.write_config(
            '[factory]\ndata_dir = "{data}"\n\n[models.default]\nprovider = "replay"\n'
            'cassette = "{cassette}"\n\n' + case.repos
        )
    if case.prepare:
        _prepare_repo(world, case.prepare)
    outcome = world.invoke("run", "{ticket}", *case.repo_args)
    assert_refused(outcome, case.exit_code, case.words, world)
