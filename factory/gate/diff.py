"""Parsing a unified diff (`git diff` or `diff -u` output) into the policies' DiffSummary."""

import re

from factory.support.errors import FactoryError
from policies.models import DiffSummary, FileChange

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_INDEX_MODE = re.compile(r"^index [0-9a-f]+\.\.[0-9a-f]+ (\d{6})$")
_GIT_HEADER = re.compile(r'^diff --git ("?)a/(.+?)\1 ("?)b/(.+?)\3$')


class DiffParseError(FactoryError, ValueError):
    """The text is not a unified diff; the message says what was expected."""

    code = "bad_input"


def _unquote(path: str) -> str:
    """Git C-quotes unusual paths ("a/caf\\303\\251.txt"); undo that."""
    path = path.strip()
    if len(path) >= 2 and path.startswith('"') and path.endswith('"'):
        raw = path[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")
        return raw.encode("latin-1").decode("utf-8", "replace")
    return path


def _side(header_value: str, prefix: str) -> str | None:
    value = _unquote(header_value.split("\t", 1)[0])
    if value == "/dev/null":
        return None
    return value[len(prefix) :] if value.startswith(prefix) else value


class _FileBuilder:
    def __init__(self, old: str | None = None, new: str | None = None) -> None:
        self.old, self.new = old, new
        self.status = "modified"
        self.added = self.removed = 0
        self.binary = False
        self.lines: list[str] = []
        self.removed_lines: list[str] = []
        self.mode: str | None = None

    def build(self) -> FileChange | None:
        if self.old is None and self.new is None:
            return None
        if self.new is None:
            self.status = "deleted"
        elif self.old is None:
            self.status = "added"
        elif self.old != self.new:
            self.status = "renamed"
        path = self.new if self.new is not None else self.old
        assert path is not None
        return FileChange(
            path=path,
            old_path=self.old if self.status == "renamed" else None,
            status=self.status,
            added=self.added,
            removed=self.removed,
            binary=self.binary,
            added_lines=self.lines,
            removed_lines=self.removed_lines,
            mode=None if self.status == "deleted" else self.mode,
        )


def parse_unified_diff(text: str) -> DiffSummary:
    """Files, line counts, renames, deletions, binaries, modes and lines of a unified diff
    (git format, or plain `diff -u`). Hunk lengths are followed exactly, so a removed line
    that starts with `--` is never mistaken for a file header."""
    files: list[FileChange] = []
    current: _FileBuilder | None = None
    old_left = new_left = 0
    lines = text.splitlines()

    def finish() -> None:
        if current is not None:
            built = current.build()
            if built is not None:
                files.append(built)

    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if old_left > 0 or new_left > 0:
            if line.startswith("+"):
                assert current is not None
                current.added += 1
                current.lines.append(line[1:])
                new_left -= 1
            elif line.startswith("-"):
                assert current is not None
                current.removed += 1
                current.removed_lines.append(line[1:])
                old_left -= 1
            elif line.startswith("\\"):
                pass  # "\ No newline at end of file"
            else:
                old_left -= 1
                new_left -= 1
            continue
        if line.startswith("diff --git "):
            finish()
            match = _GIT_HEADER.match(line)
            current = _FileBuilder(*(match.group(2, 4) if match else (None, None)))
        elif line.startswith("--- ") and i < len(lines) and lines[i].startswith("+++ "):
            if current is None or current.added or current.removed:
                finish()
                current = _FileBuilder()
            current.old = _side(line[4:], "a/")
            current.new = _side(lines[i][4:], "b/")
            i += 1
        elif current is None:
            continue  # preamble (a mail header, a commit message) before the first file
        elif line.startswith("new file mode"):
            current.old = None
            current.mode = line.rsplit(" ", 1)[-1]
        elif line.startswith("deleted file mode"):
            current.new = None
        elif line.startswith("new mode "):
            current.mode = line.rsplit(" ", 1)[-1]
        elif (index := _INDEX_MODE.match(line)) is not None:
            current.mode = index.group(1)
        elif line.startswith("rename from ") or line.startswith("copy from "):
            current.old = _unquote(line.split(" from ", 1)[1])
        elif line.startswith("rename to ") or line.startswith("copy to "):
            current.new = _unquote(line.split(" to ", 1)[1])
        elif line.startswith("Binary files ") or line.startswith("GIT binary patch"):
            current.binary = True
        elif (hunk := _HUNK.match(line)) is not None:
            old_left = int(hunk.group(2)) if hunk.group(2) is not None else 1
            new_left = int(hunk.group(4)) if hunk.group(4) is not None else 1
    finish()
    if not files and text.strip():
        raise DiffParseError(
            "no file changes found: expected a unified diff (`git diff` or `diff -u` output)"
        )
    return DiffSummary(files=files)
