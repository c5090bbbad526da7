"""Build and cache output that tools write into a worktree and that never belongs in a commit.

Running a repository's tests leaves bytecode, tool caches and coverage data behind. A
repository with a `.gitignore` hides them from git; one without would get them committed
into every step. Step commits therefore leave these paths out whatever the repository
ignores (`git add` with exclude pathspecs). Files the repository already tracks at such a
path are left out as well: the factory's change is what the agents wrote, not tool output.
"""

TOOL_OUTPUT_GLOBS: tuple[str, ...] = (
    "**/__pycache__/**",
    "**/*.py[cod]",
    "**/.pytest_cache/**",
    "**/.mypy_cache/**",
    "**/.ruff_cache/**",
    "**/.hypothesis/**",
    "**/.tox/**",
    "**/.nox/**",
    "**/.coverage",
    "**/.coverage.*",
    "**/htmlcov/**",
    "**/*.egg-info/**",
    "**/node_modules/**",
    "**/.cache/**",
)
"""Glob patterns (git's `glob` pathspec magic: `**/` also matches the top directory)."""


def exclude_pathspecs() -> list[str]:
    """`git add` pathspecs: everything, except the tool output above."""
    return [".", *(f":(exclude,glob){pattern}" for pattern in TOOL_OUTPUT_GLOBS)]
