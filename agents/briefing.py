"""What every agent is told about the repository and the ticket.

The ticket is untrusted text from outside: what renders as nothing is removed from it
(`agents.untrusted`), it travels in a delimited block that it cannot close early, and the rules
that precede it say it is data, not instructions.
"""

from __future__ import annotations

from pathlib import Path

from agents.untrusted import clean_untrusted
from harness.tools import ConfinedRoot
from harness.tools.reading import worktree_files

PROMPTS = Path(__file__).parent / "prompts"
RULE_FILES = (("AGENTS.md", "CLAUDE.md"), ("CONTRIBUTING.md",))
MAX_RULES_CHARS = 12_000
MAX_TREE_ENTRIES = 300


def system_prompt(role: str) -> str:
    """The role's prompt followed by the rules shared by every agent."""
    return (PROMPTS / f"{role}.md").read_text() + "\n" + (PROMPTS / "_shared.md").read_text()


def ticket_block(title: str, body: str, labels: list[str]) -> str:
    """The ticket as a delimited, inert block: cleaned of what renders as nothing, and a
    closing tag inside it defused."""

    def defuse(text: str) -> str:
        text = clean_untrusted(text).text
        return text.replace("</ticket", "<\\/ticket").replace("<ticket", "<\\ticket")

    label_line = ", ".join(labels) if labels else "(none)"
    return (
        "<ticket>\n"
        f"title: {defuse(title)}\n"
        f"labels: {defuse(label_line)}\n\n"
        f"{defuse(body).strip()}\n"
        "</ticket>"
    )


def repository_rules(worktree: Path) -> str:
    """AGENTS.md (CLAUDE.md when there is none) and CONTRIBUTING.md, size-capped."""
    sections = []
    for alternatives in RULE_FILES:
        for name in alternatives:
            path = worktree / name
            if path.is_file() and not path.is_symlink():
                text = path.read_text(errors="replace")[:MAX_RULES_CHARS]
                sections.append(f"### {name}\n{text.strip()}")
                break
    return "\n\n".join(sections) if sections else "(this repository has no agent rules)"


def file_tree(worktree: Path, limit: int = MAX_TREE_ENTRIES) -> str:
    """The tracked files, one per line, cut at `limit` with a note saying how many more."""
    files = sorted(worktree_files(ConfinedRoot(worktree), Path(worktree)))
    shown = files[:limit]
    more = len(files) - len(shown)
    return "\n".join(shown) + (f"\n... and {more} more files (use list_files)" if more else "")


def repository_context(worktree: Path) -> str:
    return f"## Repository rules\n{repository_rules(worktree)}\n\n## Files\n{file_tree(worktree)}"
