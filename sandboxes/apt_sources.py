"""Which Debian mirror and suite this machine already uses (deb822 or one-line sources)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

APT_DIR = Path("/etc/apt")


@dataclass(frozen=True)
class DebianSource:
    uri: str
    suite: str


def machine_debian_source(apt_dir: Path = APT_DIR) -> DebianSource | None:
    """The first main-suite `deb` entry (not -security/-updates), or None when there is none."""
    for candidate in [*_deb822_entries(apt_dir), *_one_line_entries(apt_dir)]:
        if "-" not in candidate.suite and "/" not in candidate.suite:
            return candidate
    return None


def _deb822_entries(apt_dir: Path) -> list[DebianSource]:
    found = []
    for path in sorted((apt_dir / "sources.list.d").glob("*.sources")):
        for stanza in path.read_text(encoding="utf-8", errors="replace").split("\n\n"):
            fields: dict[str, str] = {}
            for line in stanza.splitlines():
                if line.startswith("#") or ":" not in line:
                    continue
                key, _, value = line.partition(":")
                fields[key.strip().lower()] = value.strip()
            if "deb" not in fields.get("types", "").split() or fields.get("enabled") == "no":
                continue
            for uri in fields.get("uris", "").split():
                found += [DebianSource(uri, suite) for suite in fields.get("suites", "").split()]
    return found


def _one_line_entries(apt_dir: Path) -> list[DebianSource]:
    found = []
    paths = [apt_dir / "sources.list", *sorted((apt_dir / "sources.list.d").glob("*.list"))]
    for path in paths:
        if not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            words = [w for w in line.split() if not w.startswith("[")]
            if len(words) >= 3 and words[0] == "deb":
                found.append(DebianSource(words[1], words[2]))
    return found
