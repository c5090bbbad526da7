"""`factory review` and `factory incident` from the command line."""

import json
from pathlib import Path

from typer.testing import Result

from factory.store import Store
from tests.unit.factory.cli.conftest import Invoke


def write_config(tmp_path: Path) -> None:
    (tmp_path / "factory.toml").write_text(
        '[repos.svc]\ngithub = "acme/svc"\ntest_command = "pytest"\n\n'
        '[initiatives."billing"]\nowner = "@acme/billing"\ndue = 2026-12-31\n'
    )


def test_an_incident_is_opened_listed_and_resolved(
    invoke: Invoke, tmp_path: Path, db_url: str
) -> None:
    write_config(tmp_path)
    with Store(db_url) as store:
        store.pull_requests.create(
            repo="svc", number=4, title="t", head_branch="factory/1-x", base_branch="main"
        )
    opened = invoke(
        "incident",
        "open",
        "--repo",
        "svc",
        "--title",
        "checkout down",
        "--root-cause",
        "#4",
        "--severity",
        "sev2",
        "--by",
        "ana",
        "--json",
    )
    assert opened.exit_code == 0, opened.output
    incident = json.loads(opened.output)
    assert (incident["root_cause"], incident["severity"]) == ("#4", "sev2")
    assert invoke("incident", "resolve", str(incident["id"]), "--by", "bo").exit_code == 0
    again = invoke("incident", "resolve", str(incident["id"]), "--by", "cy")
    assert again.exit_code == 0 and "already resolved by bo" in again.output
    listed = json.loads(invoke("incident", "list", "--json").output)
    assert listed[0]["resolved_by"] == "bo"
    assert json.loads(invoke("incident", "list", "--open", "--json").output) == []


def test_a_root_cause_must_name_something_that_exists(
    invoke: Invoke, tmp_path: Path, db_url: str
) -> None:
    write_config(tmp_path)
    with Store(db_url) as store:
        run = store.runs.create("acme/svc#1", "svc")
        other = store.runs.create("acme/web#1", "web")

    def open_with(cause: str) -> Result:
        return invoke("incident", "open", "--repo", "svc", "--title", "down", "--root-cause", cause)

    for cause, words in [
        ("the deploy on friday", "is not a commit sha"),
        ("#77", "no pull request #77 in svc"),
        ("r-0000000000", "no such run"),
        (other.id, "a run in web, not in svc"),
    ]:
        refused = open_with(cause)
        assert refused.exit_code == 2 and words in refused.output, (cause, refused.output)
    assert json.loads(invoke("incident", "list", "--json").output) == []
    # A commit of a repository with no local copy is kept, and said to be unchecked.
    unchecked = open_with("abc1234")
    assert unchecked.exit_code == 0 and "was not checked" in unchecked.output
    assert open_with(run.id).exit_code == 0


def test_listing_incidents_of_an_unknown_repository_is_an_error(
    invoke: Invoke, tmp_path: Path
) -> None:
    write_config(tmp_path)
    unknown = invoke("incident", "list", "--repo", "nope")
    assert unknown.exit_code == 2 and "unknown repository 'nope'" in unknown.output
    assert invoke("incident", "list", "--repo", "svc").output.strip() == (
        "no incidents match --repo svc"
    )


def test_incident_input_mistakes_are_one_line_errors(invoke: Invoke, tmp_path: Path) -> None:
    write_config(tmp_path)
    unknown = invoke("incident", "open", "--repo", "nope", "--title", "x")
    assert unknown.exit_code == 2 and "unknown repository 'nope'" in unknown.output
    severity = invoke("incident", "open", "--repo", "svc", "--title", "x", "--severity", "bad")
    assert severity.exit_code == 2 and "unknown severity" in severity.output
    missing = invoke("incident", "resolve", "99")
    assert missing.exit_code == 2 and "no incident 99" in missing.output
    assert "Traceback" not in unknown.output + severity.output + missing.output


def test_review_prints_json_markdown_and_writes_html(invoke: Invoke, tmp_path: Path) -> None:
    write_config(tmp_path)
    as_json = invoke("review", "--since", "7d", "--format", "json", "--no-verify")
    assert as_json.exit_code == 0, as_json.output
    review = json.loads(as_json.output)
    assert review["schema_version"] == "1.2"
    assert review["period"]["days"] == 7.0
    assert review["initiatives"][0]["owner"] == "@acme/billing"
    markdown = invoke("review")
    assert "## Top risks" in markdown.output and "unknown" in markdown.output
    out = tmp_path / "review.html"
    assert invoke("review", "--format", "html", "--output", str(out)).exit_code == 0
    html = out.read_text()
    assert (
        "@media print" in html
        and "<script" not in html
        and "http://" not in html.replace("http://www.w3.org", "")
    )


def test_review_takes_json_as_every_command_does(invoke: Invoke, tmp_path: Path) -> None:
    write_config(tmp_path)
    flag = invoke("review", "--since", "7d", "--until", "2026-11-30", "--json", "--no-verify")
    assert flag.exit_code == 0, flag.output
    formatted = invoke(
        "review", "--since", "7d", "--until", "2026-11-30", "--format", "json", "--no-verify"
    )
    drop = ("generated_at",)
    assert {k: v for k, v in json.loads(flag.stdout).items() if k not in drop} == {
        k: v for k, v in json.loads(formatted.stdout).items() if k not in drop
    }
    both = invoke("review", "--json", "--format", "html")
    assert both.exit_code == 2
    assert "two formats" in json.loads(both.stdout)["error"]["message"]
    failed = invoke("review", "--team", "@acme/nobody", "--json")
    assert failed.exit_code == 2 and json.loads(failed.stdout)["ok"] is False


def test_review_writes_to_output_and_still_to_the_old_out(invoke: Invoke, tmp_path: Path) -> None:
    write_config(tmp_path)
    for spelling in ("--output", "-o", "--out"):
        target = tmp_path / f"review{spelling}.md"
        result = invoke("review", "--no-verify", spelling, str(target))
        assert result.exit_code == 0, result.output
        assert "## Top risks" in target.read_text()
        assert f"wrote {target}" in result.stderr


def test_review_refuses_bad_periods_and_filters(invoke: Invoke, tmp_path: Path) -> None:
    write_config(tmp_path)
    bad = invoke("review", "--since", "yesterday")
    assert bad.exit_code == 2 and "cannot read 'yesterday'" in bad.output
    reversed_period = invoke("review", "--since", "2026-11-10", "--until", "2026-11-01")
    assert reversed_period.exit_code == 2 and "must be before" in reversed_period.output
    team = invoke("review", "--team", "@acme/nobody", "--format", "json")
    assert team.exit_code == 2
    answer = json.loads(team.output)
    assert answer["ok"] is False and "no repository is owned" in answer["error"]["message"]


def test_incident_sync_says_what_it_needs(invoke: Invoke, tmp_path: Path) -> None:
    (tmp_path / "factory.toml").write_text(
        '[repos.local]\npath = "."\ntest_command = "pytest"\n\n'
        '[repos.svc]\ngithub = "acme/svc"\ntest_command = "pytest"\n'
    )
    local = invoke("incident", "sync", "--repo", "local")
    assert local.exit_code == 2 and "not on GitHub" in local.output
    no_token = invoke("incident", "sync", "--repo", "svc", env={"GITHUB_TOKEN": ""})
    assert no_token.exit_code == 2 and "GITHUB_TOKEN is not set" in no_token.output
