"""Changes to CI and workflow files always need a human: they run with the repo's secrets."""

from pydantic import BaseModel, ConfigDict, Field

from policies.globs import Glob, matching_paths
from policies.models import GateContext, Outcome, Verdict

NAME = "ci_files"

DEFAULT_CI_GLOBS = [
    ".github/workflows/**",
    ".github/actions/**",
    "/action.yml",
    "/action.yaml",
    "/.gitlab-ci.yml",
    ".gitlab/ci/**",
    ".circleci/**",
    ".buildkite/**",
    "/Jenkinsfile",
    "/azure-pipelines.yml",
    "/.travis.yml",
    "/bitbucket-pipelines.yml",
    "/.pre-commit-config.yaml",
]


class CiFilesParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    extra_globs: list[Glob] = Field(default_factory=list)
    """More CI paths for this repo, added to the built-in list (which cannot be shrunk)."""


def ci_globs(params: CiFilesParams) -> list[str]:
    return [*DEFAULT_CI_GLOBS, *params.extra_globs]


def evaluate(ctx: GateContext, params: CiFilesParams) -> Verdict:
    touched = matching_paths(ctx.diff.touched_paths, ci_globs(params))
    if touched:
        return Verdict(
            outcome=Outcome.NEEDS_HUMAN,
            reasons=[f"changes CI/workflow file(s): {', '.join(touched)}"],
        )
    return Verdict(outcome=Outcome.ALLOW, reasons=["no CI or workflow file touched"])


PARAMS = CiFilesParams
"""The model of this policy's `[[policies]] params` table (the registry reads it)."""
