"""One CODEOWNERS reading for the gate and the forge: GitHub's rules, last match wins."""

from factory.gate.owners import owners_of, owners_of_paths, parse_codeowners

TEXT = """\
*            @acme/core
/docs/       @writer
docs/*       @docs-team ops@example.com
my\\ dir/    @spaces
"""


def test_a_star_in_the_last_segment_owns_only_that_directory_s_own_files() -> None:
    rules = parse_codeowners(TEXT)
    assert owners_of("docs/guide.md", rules) == ["@docs-team", "ops@example.com"]
    assert owners_of("docs/deep/page.md", rules) == ["@writer"]


def test_escaped_spaces_stay_in_the_pattern() -> None:
    assert owners_of("my dir/file.txt", parse_codeowners(TEXT)) == ["@spaces"]


def test_the_gate_sees_the_same_owners_the_forge_requests() -> None:
    owners = owners_of_paths(["docs/deep/page.md", "src/x.py"], TEXT, {})
    assert owners["docs/deep/page.md"] == ["@writer"]
    assert owners["src/x.py"] == ["@acme/core"]
