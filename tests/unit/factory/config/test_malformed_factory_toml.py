"""Every way a person gets factory.toml wrong ends in one message that says where and what."""

from pathlib import Path

import pytest

from factory.config import ConfigError, load_config

VALID_REPO = '[repos.demo]\npath = "."\ntest_command = "pytest -q"\n'

CASES = [
    pytest.param(
        "[factory]\nlog_format = \n",
        "{path}:2:14: TOML syntax error: Invalid value",
        id="syntax-missing-value",
    ),
    pytest.param(
        '[factory]\ndata_dir = "x"\n[factory]\n',
        "{path}:3:9: TOML syntax error: Cannot declare ('factory',) twice",
        id="syntax-table-twice",
    ),
    pytest.param(
        '[factory]\ndatabse_url = "sqlite://"\n',
        "{path}: factory.databse_url: unknown key; allowed here: "
        "busy_timeout_s, checkpoint_retention, data_dir, database_url, lease_ttl_s, "
        "log_format, log_level",
        id="unknown-key-in-factory",
    ),
    pytest.param(
        "[sandbx]\ncpus = 2\n",
        "{path}: sandbx: unknown key; allowed here: "
        "budgets, factory, git, initiatives, limits, models, pricing, queue, repos, sandbox, "
        "schedule, stuck, sweep",
        id="unknown-section",
    ),
    pytest.param(
        '[budgets]\nmax_steps = "many"\n',
        '{path}: budgets.max_steps = "many": should be a valid integer, '
        "unable to parse string as an integer",
        id="wrong-type",
    ),
    pytest.param(
        "[budgets]\nmax_usd = -1\n",
        "{path}: budgets.max_usd = -1: should be greater than 0",
        id="out-of-range",
    ),
    pytest.param(
        '[factory]\nlog_format = "yaml"\n',
        "{path}: factory.log_format = \"yaml\": should be 'auto', 'json' or 'console'",
        id="bad-enum-log-format",
    ),
    pytest.param(
        VALID_REPO + 'autonomy = { min = "L1", max = "L9" }\n',
        "{path}: repos.demo.autonomy.max = \"L9\": should be 'L0', 'L1', 'L2' or 'L3'",
        id="bad-enum-autonomy",
    ),
    pytest.param(
        '[repos.demo]\npath = "."\n',
        "{path}: repos.demo.test_command: required key is missing",
        id="missing-test-command",
    ),
    pytest.param(
        '[repos.demo]\ntest_command = "pytest"\n',
        "{path}: repos.demo: set exactly one of `path` (a local repository) "
        "or `github` (owner/name)",
        id="missing-repo-location",
    ),
    pytest.param(
        '[repos."web app"]\ngithub = "not a slug"\ntest_command = "npm test"\n',
        '{path}: repos."web app".github = "not a slug": should match pattern '
        "'^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$'",
        id="bad-github-slug",
    ),
    pytest.param(
        VALID_REPO + 'autonomy = { min = "L3", max = "L1" }\n',
        "{path}: repos.demo.autonomy: min (L3) is above max (L1)",
        id="autonomy-min-above-max",
    ),
    pytest.param(
        VALID_REPO + '[[repos.demo.policies]]\nname = "diff_size"\nparms = { max_lines = 400 }\n',
        "{path}: repos.demo.policies[0].parms: unknown key; allowed here: name, params",
        id="policy-typo",
    ),
    pytest.param(
        '[models.default]\nprovider = "anthropic"\napi_key = "sk-ant-abc123456789"\n',
        "{path}: models.default.api_key looks like a secret; secrets come only from the "
        "environment (ANTHROPIC_API_KEY, OPENAI_API_KEY, GITHUB_TOKEN): delete it from the file",
        id="secret-in-file",
    ),
    pytest.param(
        '[models.coder]\nbase_url = "http://localhost:11434"\nmodel = "ghp_abcdefghijklmnop"\n',
        "{path}: models.coder.model looks like a secret; secrets come only from the "
        "environment (ANTHROPIC_API_KEY, OPENAI_API_KEY, GITHUB_TOKEN): delete it from the file",
        id="secret-shaped-value",
    ),
    pytest.param(
        'sandbox = "docker"\n',
        '{path}: sandbox = "docker": should be a table ([section] or { key = value })',
        id="section-as-string",
    ),
    pytest.param(
        VALID_REPO + "max_iterations = 0\n",
        "{path}: repos.demo.max_iterations = 0: should be greater than or equal to 1",
        id="max-iterations-zero",
    ),
    pytest.param(
        '[pricing."claude-sonnet-4-5"]\ninput = 3.0\n',
        "{path}: pricing.claude-sonnet-4-5.output: required key is missing",
        id="price-missing-output",
    ),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_malformed_config_names_file_key_value_and_allowed(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = tmp_path / "factory.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    assert str(caught.value) == expected.replace("{path}", str(path))


def test_every_problem_in_a_file_is_reported_one_per_line(tmp_path: Path) -> None:
    path = tmp_path / "factory.toml"
    path.write_text('[factory]\nlog_level = "loud"\n[budgets]\nmax_usd = 0\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    assert str(caught.value).splitlines() == [
        f"{path}: factory.log_level = \"loud\": should be 'debug', 'info', 'warning' or 'error'",
        f"{path}: budgets.max_usd = 0: should be greater than 0",
    ]


def test_unreadable_encoding_is_reported_not_raised(tmp_path: Path) -> None:
    path = tmp_path / "factory.toml"
    path.write_bytes(b"\xff\xfe[factory]")
    with pytest.raises(ConfigError, match=r"not UTF-8 text"):
        load_config(path, environ={})
