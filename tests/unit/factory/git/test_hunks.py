"""The diff hunk an inline comment points at, cut as GitHub cuts it."""

from factory.git.hunks import context_excerpt, hunk_at_line

DIFF = """diff --git a/app.py b/app.py
--- a/app.py
+++ b/app.py
@@ -1,3 +1,4 @@
 one
-two
+TWO
+two and a half
 three
@@ -20,2 +21,2 @@ def later():
 twenty
-old
+new
"""


def test_the_hunk_runs_from_its_header_down_to_the_commented_line() -> None:
    assert hunk_at_line(DIFF, 3) == "@@ -1,3 +1,4 @@\n one\n-two\n+TWO\n+two and a half"
    assert hunk_at_line(DIFF, 22).endswith("-old\n+new")  # type: ignore[union-attr]


def test_a_line_no_hunk_shows_has_no_hunk() -> None:
    assert hunk_at_line(DIFF, 10) is None


def test_an_unchanged_file_gets_an_excerpt_ending_at_the_line() -> None:
    excerpt = context_excerpt("b.py", "a\nb\nc\nd\ne\n", 4)
    assert excerpt.splitlines() == [
        "@@ b.py:1-4 (unchanged by the pull request) @@",
        " a",
        " b",
        " c",
        " d",
    ]
