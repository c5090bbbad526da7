"""Reviewers from CODEOWNERS follow GitHub's matching rules (the last matching line wins)."""

from factory.gate.owners import owners_of, parse_codeowners, reviewer_names

CODEOWNERS = """\
# global owners
*                 @acme/core
*.py              @alice
/docs/            @writer   # anchored directory
docs/*            @docs-team
apps/             @bob
/build/logs/      @ops
src/**/tests      @qa
LICENSE           legal@example.com
"""


def reviewers_for(text: str, paths: list[str]) -> list[str]:
    rules = parse_codeowners(text)
    return reviewer_names(owner for path in paths for owner in owners_of(path, rules))


def test_last_matching_rule_wins() -> None:
    assert reviewers_for(CODEOWNERS, ["README.md"]) == ["acme/core"]
    assert reviewers_for(CODEOWNERS, ["lib/pager.py"]) == ["alice"]
    assert reviewers_for(CODEOWNERS, ["docs/guide.md"]) == ["docs-team"]


def test_directory_and_wildcard_scopes() -> None:
    assert reviewers_for(CODEOWNERS, ["docs/deep/page.md"]) == ["writer"]  # docs/* is one level
    assert reviewers_for(CODEOWNERS, ["nested/apps/x.txt"]) == ["bob"]  # unanchored dir
    assert reviewers_for(CODEOWNERS, ["nested/build/logs/x"]) == ["acme/core"]  # anchored
    assert reviewers_for(CODEOWNERS, ["src/a/b/tests/t.txt"]) == ["qa"]


def test_email_owners_are_dropped_and_reviewers_are_unique_in_order() -> None:
    assert reviewers_for(CODEOWNERS, ["LICENSE"]) == []
    assert reviewers_for(CODEOWNERS, ["a.py", "README", "b.py"]) == ["alice", "acme/core"]
    assert parse_codeowners("# only a comment\n\n") == []
