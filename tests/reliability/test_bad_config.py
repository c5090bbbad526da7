"""Bad configuration: `factory config check` names the key, the value and the fix, exit 2 (or 1
when only the machine is wrong), and `factory run` refuses the same config before any work."""

from __future__ import annotations

import json
from dataclasses import dataclass

import git
import pytest

from tests.reliability.conftest import MODELS, World, assert_refused


@dataclass(frozen=True)
class ConfigCase:
    id: str
    toml: str
    """Either a whole file (starts with `[` or `#`) or extra lines for `[repos.demo]`."""
    exit_code: int
    words: tuple[str, ...]
    prepare: str = ""
    """A change to the world first (a function below, by name)."""
    args: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()


def whole(text: str) -> str:
    return "#\n" + text


FACTORY = '[factory]\ndata_dir = "{data}"\n'
REPO = '[repos.demo]\npath = "{user}"\ntest_command = "true"\nbase_branch = "main"\n'

CASES = [
    ConfigCase("toml-syntax", whole(FACTORY + "[repos.demo\n"), 2, ("toml syntax error", ":3:")),
    ConfigCase(
        "unknown-key", whole(FACTORY + "databse_url = 'x'\n"), 2, ("databse_url", "unknown key")
    ),
    ConfigCase(
        "wrong-type",
        whole(FACTORY + '[budgets]\nmax_usd = "ten"\n'),
        2,
        ("budgets.max_usd", "ten", "number"),
    ),
    ConfigCase(
        "zero-budget",
        whole(FACTORY + "[budgets]\nmax_usd = 0\n"),
        2,
        ("budgets.max_usd = 0", "greater than 0"),
    ),
    ConfigCase("unknown-section", whole(FACTORY + "[modelz]\n"), 2, ("modelz", "unknown key")),
    ConfigCase(
        "secret-in-file",
        whole(FACTORY + MODELS + 'api_key = "sk-abcdefghijklmnop"\n'),
        2,
        ("looks like a secret", "environment"),
    ),
    ConfigCase(
        "path-and-github",
        whole(FACTORY + MODELS + REPO + 'github = "a/b"\n'),
        2,
        ("exactly one", "path", "github"),
    ),
    ConfigCase(
        "github-name-shape",
        whole(FACTORY + MODELS + '[repos.x]\ngithub = "not a repo"\ntest_command = "t"\n'),
        2,
        ("repos.x.github", "not a repo"),
    ),
    ConfigCase(
        "autonomy-inverted",
        'autonomy = {{ min = "L3", max = "L1" }}\n',
        2,
        ("autonomy", "min (l3) is above max (l1)"),
    ),
    ConfigCase("max-iterations-zero", "max_iterations = 0\n", 2, ("max_iterations = 0",)),
    ConfigCase(
        "busy-timeout-zero",
        whole(FACTORY + "busy_timeout_s = 0\n" + MODELS + REPO),
        2,
        ("busy_timeout_s = 0", "greater than 0"),
    ),
    ConfigCase(
        "provider-unknown",
        whole(FACTORY + '[models.default]\nprovider = "gpt"\n' + REPO),
        2,
        ("models.default.provider", "gpt"),
    ),
    ConfigCase(
        "env-override-bad",
        "",
        2,
        ("budgets.max_usd = -1",),
        env=(("FACTORY_BUDGETS__MAX_USD", "-1"),),
    ),
    ConfigCase(
        "empty-test-command",
        whole(FACTORY + MODELS + '[repos.demo]\npath = "{user}"\ntest_command = ""\n'),
        2,
        ("test_command",),
    ),
    # -- repositories ---------------------------------------------------------------------
    ConfigCase(
        "repo-path-missing",
        whole(FACTORY + MODELS + REPO.replace("{user}", "{root}/nowhere")),
        2,
        ("repos.demo.path", "nowhere", "does not exist"),
    ),
    ConfigCase(
        "repo-path-is-file",
        whole(FACTORY + MODELS + REPO.replace("{user}", "{user}/app.py")),
        2,
        ("repos.demo.path", "not a directory"),
    ),
    ConfigCase(
        "repo-not-git",
        whole(FACTORY + MODELS + REPO.replace("{user}", "{root}/plain")),
        2,
        ("repos.demo.path", "not a git repository", "git init"),
        prepare="plain_folder",
    ),
    ConfigCase(
        "repo-without-commits",
        whole(FACTORY + MODELS + REPO.replace("{user}", "{root}/fresh")),
        2,
        ("repos.demo.path", "no commit"),
        prepare="fresh_repository",
    ),
    ConfigCase(
        "repo-subfolder",
        whole(FACTORY + MODELS + REPO.replace("{user}", "{user}/sub")),
        2,
        ("repos.demo.path", "not its top", 'path = "{user}"'),
        prepare="subfolder",
    ),
    ConfigCase(
        "base-branch-missing",
        whole(FACTORY + MODELS + REPO.replace('"main"', '"develop"')),
        2,
        ("repos.demo.base_branch", "develop", "not a branch", "branches: main"),
    ),
    ConfigCase(
        "base-branch-undetectable",
        whole(FACTORY + MODELS + '[repos.demo]\npath = "{user}"\ntest_command = "true"\n'),
        2,
        ("repos.demo.base_branch", "cannot be detected", "set base_branch"),
        prepare="detached_head",
    ),
    # -- globs and policies ---------------------------------------------------------------
    ConfigCase(
        "protected-empty-glob",
        'protected_paths = [""]\n',
        2,
        ("protected_paths[0]", "empty pattern"),
    ),
    ConfigCase(
        "protected-bad-glob",
        'protected_paths = ["src/[z-a].py"]\n',
        2,
        ("protected_paths[0]", "not a valid glob", "bad character range"),
    ),
    ConfigCase(
        "policy-unknown",
        '[[repos.demo.policies]]\nname = "no_such_policy"\n',
        2,
        ("repos.demo.policies[0]", "unknown policy", "no_such_policy", "protected_paths"),
    ),
    ConfigCase(
        "policy-param-unknown",
        '[[repos.demo.policies]]\nname = "diff_size"\nparams = {{ max_lnes = 10 }}\n',
        2,
        ("repos.demo.policies[0]", "diff_size", "max_lnes"),
    ),
    ConfigCase(
        "policy-param-type",
        '[[repos.demo.policies]]\nname = "protected_paths"\nparams = {{ refuse = "x" }}\n',
        2,
        ("repos.demo.policies[0]", "refuse", "list"),
    ),
    ConfigCase(
        "policy-param-empty-glob",
        '[[repos.demo.policies]]\nname = "protected_paths"\nparams = {{ refuse = [""] }}\n',
        2,
        ("repos.demo.policies[0]", "refuse", "empty pattern"),
    ),
    ConfigCase(
        "policy-ci-bad-glob",
        '[[repos.demo.policies]]\nname = "ci_files"\nparams = {{ extra_globs = ["[b-a]"] }}\n',
        2,
        ("ci_files", "extra_globs", "not a valid glob"),
    ),
    ConfigCase(
        "policy-module-missing",
        '[[repos.demo.policies]]\nname = "no_such_pkg.rules:evaluate"\n',
        2,
        ("repos.demo.policies[0]", "no_such_pkg", "cannot be imported"),
    ),
    ConfigCase(
        "policy-callable-missing",
        '[[repos.demo.policies]]\nname = "json:no_such_function"\n',
        2,
        ("repos.demo.policies[0]", "no callable", "no_such_function"),
    ),
    ConfigCase(
        "policy-file-outside",
        '[[repos.demo.policies]]\nname = "policies/mine.py"\n',
        2,
        ("repos.demo.policies[0]", ".factory/policies/"),
    ),
    ConfigCase(
        "policy-file-not-on-base",
        '[[repos.demo.policies]]\nname = ".factory/policies/late.py"\n',
        2,
        ("late.py", "not on the base branch"),
    ),
    ConfigCase(
        "policy-file-syntax",
        '[[repos.demo.policies]]\nname = ".factory/policies/broken.py"\n',
        2,
        ("broken.py:1", "syntax"),
        prepare="broken_policy_on_base",
    ),
    ConfigCase(
        "repo-own-config-invalid",
        "",
        2,
        ("factory.toml on the base branch", "max_iterations"),
        prepare="bad_repo_config_on_base",
    ),
    ConfigCase(
        "codeowners-negation",
        "",
        2,
        ("codeowners", "line 2", "negated"),
        prepare="codeowners_negation_on_base",
    ),
    # -- the database ---------------------------------------------------------------------
    ConfigCase(
        "database-scheme-unknown",
        whole('[factory]\ndata_dir = "{data}"\ndatabase_url = "foodb://x/y"\n' + MODELS + REPO),
        2,
        ("factory.database_url", "unknown database scheme", "foodb"),
    ),
    ConfigCase(
        "database-not-a-url",
        whole('[factory]\ndata_dir = "{data}"\ndatabase_url = "not a url"\n' + MODELS + REPO),
        2,
        ("factory.database_url", "not a database url"),
    ),
    ConfigCase(
        "database-driver-missing",
        whole(
            '[factory]\ndata_dir = "{data}"\n'
            'database_url = "postgresql+pg8000://u@127.0.0.1:1/db"\n' + MODELS + REPO
        ),
        1,
        ("factory.database_url", "not installed", "pip install 'agent-factory[postgres]'"),
    ),
    ConfigCase(
        "database-mysql",
        whole(
            '[factory]\ndata_dir = "{data}"\ndatabase_url = "mysql://u:pw@db/factory"\n'
            + MODELS
            + REPO
        ),
        2,
        ("factory.database_url", "mysql is not supported", "sqlite:///path", "postgresql+psycopg"),
    ),
    ConfigCase(
        "database-is-a-folder",
        whole(
            '[factory]\ndata_dir = "{data}"\ndatabase_url = "sqlite:///{root}"\n' + MODELS + REPO
        ),
        2,
        ("factory.database_url", "is a directory"),
    ),
    # -- models ---------------------------------------------------------------------------
    ConfigCase(
        "anthropic-without-key",
        whole(FACTORY + REPO),
        2,
        ("models.default.provider", "anthropic_api_key", "--replay"),
    ),
    ConfigCase(
        "openai-without-key-or-url",
        whole(FACTORY + '[models.default]\nprovider = "openai"\nmodel = "m"\n' + REPO),
        2,
        ("models.default.provider", "openai_api_key", "base_url"),
    ),
    ConfigCase(
        "replay-without-cassette",
        whole(FACTORY + '[models.default]\nprovider = "replay"\n' + REPO),
        2,
        ("models.default.cassette", "needs a cassette"),
    ),
    ConfigCase(
        "github-without-token",
        whole(FACTORY + MODELS + '[repos.gh]\ngithub = "acme/app"\ntest_command = "t"\n'),
        2,
        ("repos.gh.github", "acme/app", "github_token"),
    ),
]


def plain_folder(world: World) -> None:
    (world.root / "plain").mkdir()


def fresh_repository(world: World) -> None:
    git.Repo.init(world.root / "fresh")


def subfolder(world: World) -> None:
    (world.user / "sub").mkdir()


def detached_head(world: World) -> None:
    world.repo.git.checkout("--detach")


def _commit_on_main(world: World, path: str, text: str) -> None:
    target = world.user / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    world.repo.index.add([path])
    actor = git.Actor("User", "user@example.com")
    world.repo.index.commit(f"add {path}", author=actor, committer=actor)


def broken_policy_on_base(world: World) -> None:
    _commit_on_main(world, ".factory/policies/broken.py", "def evaluate(ctx:\n")


def bad_repo_config_on_base(world: World) -> None:
    _commit_on_main(world, "factory.toml", '[repos.demo]\ntest_command = "t"\nmax_iterations = 0\n')


def codeowners_negation_on_base(world: World) -> None:
    _commit_on_main(world, "CODEOWNERS", "* @acme/dev\n!docs/ @acme/docs\n")


PREPARE = {
    name: function
    for name, function in globals().items()
    if callable(function) and name in {case.prepare for case in CASES}
}


def _apply(world: World, case: ConfigCase) -> None:
    if case.prepare:
        PREPARE[case.prepare](world)
        world.branches_before = world.branches()
    text = case.toml[2:] if case.toml.startswith("#\n") else world.base_config(case.toml)
    world.write_config(text)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_config_check_names_the_key_and_the_fix(world: World, case: ConfigCase) -> None:
    _apply(world, case)
    outcome = world.invoke("config", "check", "--offline", env=dict(case.env))
    assert_refused(outcome, case.exit_code, case.words, world)


def test_a_store_on_an_unsupported_database_is_refused_not_sent_to_find_a_driver(
    world: World,
) -> None:
    """Every command that opens the store answers the same way (here `runs list`)."""
    env = {"FACTORY_DATABASE_URL": "mysql+pymysql://u:secret@db/factory"}
    outcome = world.invoke("runs", "list", "--json", env=env)
    assert outcome.exit_code == 2, outcome.output
    message = json.loads(outcome.stdout)["error"]["message"]
    assert "mysql is not supported" in message and "postgresql+psycopg" in message
    assert "secret" not in outcome.output and "driver" not in message


RUN_REFUSES = [
    "toml-syntax",
    "repo-without-commits",
    "base-branch-missing",
    "protected-empty-glob",
    "policy-unknown",
    "policy-param-unknown",
    "policy-file-syntax",
    "codeowners-negation",
    "replay-without-cassette",
    "anthropic-without-key",
]


@pytest.mark.parametrize("case_id", RUN_REFUSES)
def test_run_refuses_the_same_config_before_any_work(world: World, case_id: str) -> None:
    case = next(case for case in CASES if case.id == case_id)
    _apply(world, case)
    outcome = world.invoke("run", "{ticket}", "--repo", "demo", "--json", env=dict(case.env))
    assert_refused(outcome, case.exit_code, case.words, world, as_json=True)


def test_config_check_json_failure_is_one_json_object(world: World) -> None:
    world.write_config(world.base_config('protected_paths = [""]\n'))
    outcome = world.invoke("config", "check", "--offline", "--json")
    assert_refused(outcome, 2, ("empty pattern",), world, as_json=True)


def test_an_omitted_base_branch_is_detected_not_assumed(world: World) -> None:
    world.repo.git.checkout("-b", "trunk")
    world.repo.git.branch("-D", "main")
    world.branches_before = world.branches()
    world.write_config(
        '[factory]\ndata_dir = "{data}"\n\n' + MODELS + '[repos.demo]\npath = "{user}"\n'
        'test_command = "true"\n'
    )
    outcome = world.invoke("config", "check", "--offline")
    assert outcome.exit_code == 0, outcome.output
    assert 'detected "trunk" (from current branch)' in outcome.stdout
    world.check_nothing_started()


@pytest.mark.docker  # the online check asks the engine too
@pytest.mark.integration
def test_a_github_repository_without_base_branch_uses_githubs_default(world: World) -> None:
    """Read from the repository's API record (a local fake speaking GitHub's REST API)."""
    from tests.support.fake_github import NAME, OWNER, serve_fake_github

    with serve_fake_github(world.root / "github", world.user) as hub:
        world.write_config(
            '[factory]\ndata_dir = "{data}"\n\n'
            + MODELS
            + f'[repos.app]\ngithub = "{OWNER}/{NAME}"\ntest_command = "true"\n'
        )
        env = {"GITHUB_TOKEN": hub.token, "GITHUB_API_URL": hub.api_url}
        outcome = world.invoke("config", "check", env=env)
        offline = world.invoke("config", "check", "--offline", env=env)
    assert outcome.exit_code == 0, outcome.output
    assert 'repos.app.base_branch: not set; detected "main" (GitHub\'s default branch)' in (
        outcome.stdout
    )
    assert offline.exit_code == 0, offline.output
    assert "detected from GitHub's default branch when a run starts" in offline.stdout
    world.check_nothing_started()
