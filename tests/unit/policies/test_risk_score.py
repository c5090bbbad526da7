import pytest

from policies.builtin.ci_files import DEFAULT_CI_GLOBS
from policies.builtin.dependency_manifests import DEFAULT_MANIFEST_GLOBS
from policies.config import RiskRule
from policies.models import DiffSummary, FileChange
from policies.risk import score_risk


def diff(*files: FileChange) -> DiffSummary:
    return DiffSummary(files=list(files))


@pytest.mark.parametrize(
    ("files", "score", "factors"),
    [
        ([], 0, []),
        ([FileChange(path="a.py", added=100)], 2, ["size", "breadth"]),
        ([FileChange(path="a.py", added=101)], 3, ["size", "breadth"]),
        ([FileChange(path=f"f{i}.py", added=1) for i in range(6)], 3, ["size", "breadth"]),
        ([FileChange(path="uv.lock", added=1)], 5, ["size", "breadth", "dependencies"]),
        ([FileChange(path=".github/workflows/ci.yml")], 4, ["breadth", "sensitive_paths"]),
        (
            [FileChange(path="old.py", removed=3, status="deleted")],
            3,
            ["size", "breadth", "deletions"],
        ),
        ([FileChange(path="logo.png", binary=True)], 2, ["breadth", "binaries"]),
    ],
)
def test_risk_score_adds_documented_points(
    files: list[FileChange], score: int, factors: list[str]
) -> None:
    result = score_risk(diff(*files), RiskRule(), DEFAULT_CI_GLOBS, DEFAULT_MANIFEST_GLOBS)
    assert result.score == score
    assert [f.name for f in result.factors] == factors
    assert result.low is (score <= 3)
