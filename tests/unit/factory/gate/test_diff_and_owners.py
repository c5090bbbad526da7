"""Parsing unified diffs into the gate's DiffSummary, and owners from CODEOWNERS/catalogs."""

import pytest

from factory.gate.diff import DiffParseError, parse_unified_diff
from factory.gate.owners import catalog_owner, owners_of_paths

GIT_DIFF = """\
diff --git a/src/app.py b/src/app.py
index 1111111..2222222 100644
--- a/src/app.py
+++ b/src/app.py
@@ -1,4 +1,5 @@
 import os
--- this removed line starts with two dashes
+++ this added line starts with two pluses
+x = 1
 def main():
     pass
diff --git a/old/name.py b/new/name.py
similarity index 90%
rename from old/name.py
rename to new/name.py
index 3333333..4444444 100644
--- a/old/name.py
+++ b/new/name.py
@@ -1 +1 @@
-a = 1
+a = 2
diff --git a/gone.txt b/gone.txt
deleted file mode 100644
index 5555555..0000000
--- a/gone.txt
+++ /dev/null
@@ -1,2 +0,0 @@
-one
-two
diff --git a/fresh.md b/fresh.md
new file mode 100644
index 0000000..6666666
--- /dev/null
+++ b/fresh.md
@@ -0,0 +1 @@
+hello
\\ No newline at end of file
diff --git a/logo.png b/logo.png
index 7777777..8888888 100644
Binary files a/logo.png and b/logo.png differ
diff --git a/pure/rename.txt b/pure/renamed.txt
similarity index 100%
rename from pure/rename.txt
rename to pure/renamed.txt
"""


def test_git_diff_gives_files_counts_and_kinds() -> None:
    summary = parse_unified_diff(GIT_DIFF)
    by_path = {f.path: f for f in summary.files}
    assert list(by_path) == [
        "src/app.py",
        "new/name.py",
        "gone.txt",
        "fresh.md",
        "logo.png",
        "pure/renamed.txt",
    ]
    app = by_path["src/app.py"]
    assert (app.status, app.added, app.removed) == ("modified", 2, 1)
    assert app.added_lines == ["++ this added line starts with two pluses", "x = 1"]
    renamed = by_path["new/name.py"]
    assert (renamed.status, renamed.old_path, renamed.added, renamed.removed) == (
        "renamed",
        "old/name.py",
        1,
        1,
    )
    assert (by_path["gone.txt"].status, by_path["gone.txt"].removed) == ("deleted", 2)
    assert (by_path["fresh.md"].status, by_path["fresh.md"].added) == ("added", 1)
    assert by_path["logo.png"].binary
    assert by_path["pure/renamed.txt"].old_path == "pure/rename.txt"
    assert "old/name.py" in summary.touched_paths
    assert by_path["gone.txt"].removed_lines == ["one", "two"]
    assert (app.mode, by_path["fresh.md"].mode, by_path["gone.txt"].mode) == (
        "100644",
        "100644",
        None,
    )


def test_modes_name_symlinks_submodules_and_executables() -> None:
    text = (
        "diff --git a/key b/key\n"
        "new file mode 120000\n"
        "index 0000000..1111111\n"
        "--- /dev/null\n"
        "+++ b/key\n"
        "@@ -0,0 +1 @@\n"
        "+/home/ci/.ssh/id_rsa\n"
        "\\ No newline at end of file\n"
        "diff --git a/vendor/lib b/vendor/lib\n"
        "new file mode 160000\n"
        "index 0000000..2222222\n"
        "--- /dev/null\n"
        "+++ b/vendor/lib\n"
        "@@ -0,0 +1 @@\n"
        "+Subproject commit 2222222222222222222222222222222222222222\n"
        "diff --git a/run.sh b/run.sh\n"
        "old mode 100644\n"
        "new mode 100755\n"
    )
    files = {f.path: f for f in parse_unified_diff(text).files}
    assert files["key"].mode == "120000" and files["key"].added_lines == ["/home/ci/.ssh/id_rsa"]
    assert files["vendor/lib"].mode == "160000"
    assert files["run.sh"].mode == "100755"


def test_plain_diff_u_output_is_understood() -> None:
    text = (
        "--- a/notes.txt\t2026-01-01 00:00:00\n"
        "+++ b/notes.txt\t2026-01-02 00:00:00\n"
        "@@ -1,2 +1,2 @@\n"
        " keep\n"
        "-old\n"
        "+new\n"
    )
    (only,) = parse_unified_diff(text).files
    assert (only.path, only.added, only.removed) == ("notes.txt", 1, 1)


def test_quoted_unicode_paths_are_decoded() -> None:
    text = (
        'diff --git "a/caf\\303\\251.txt" "b/caf\\303\\251.txt"\n'
        "new file mode 100644\n"
        "--- /dev/null\n"
        '+++ "b/caf\\303\\251.txt"\n'
        "@@ -0,0 +1 @@\n"
        "+x\n"
    )
    assert parse_unified_diff(text).files[0].path == "café.txt"


@pytest.mark.parametrize("text", ["hello world\n", "not a diff\n--- nope\n"])
def test_text_that_is_not_a_diff_is_a_clear_error(text: str) -> None:
    with pytest.raises(DiffParseError, match="expected a unified diff"):
        parse_unified_diff(text)


def test_owners_use_the_last_matching_codeowners_rule_and_the_nearest_catalog() -> None:
    codeowners = "# owners\n* @acme/all\n/auth/ @acme/security  # sensitive\n*.md @acme/docs\n"
    catalogs = {
        "catalog-info.yaml": "apiVersion: backstage.io/v1alpha1\nspec:\n  owner: group:platform\n",
        "auth/catalog-info.yaml": "kind: Component\nspec:\n  owner: group:identity\n",
    }
    owners = owners_of_paths(["auth/login.py", "auth/README.md", "web/x.js"], codeowners, catalogs)
    assert owners == {
        "auth/login.py": ["@acme/security", "group:identity"],
        "auth/README.md": ["@acme/docs", "group:identity"],
        "web/x.js": ["@acme/all", "group:platform"],
    }


def test_catalog_without_an_owner_or_broken_yaml_gives_none() -> None:
    assert catalog_owner("spec:\n  type: service\n") is None
    assert catalog_owner("spec: [unclosed\n") is None
    assert catalog_owner("---\nkind: Location\n---\nspec:\n  owner: team-a\n") == "team-a"
