"""Dependency manifests and lock files need a human below L3 (supply-chain changes)."""

from pydantic import BaseModel, ConfigDict, Field

from policies.config import AutonomyLevel
from policies.globs import Glob, matching_paths
from policies.models import GateContext, Outcome, Verdict

NAME = "dependency_manifests"

DEFAULT_MANIFEST_GLOBS = [
    "package.json",
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "requirements*.txt",
    "requirements/*.txt",
    "constraints*.txt",
    "pyproject.toml",
    "setup.py",
    "setup.cfg",
    "Pipfile",
    "Pipfile.lock",
    "poetry.lock",
    "uv.lock",
    "pdm.lock",
    "go.mod",
    "go.sum",
    "Cargo.toml",
    "Cargo.lock",
    "Gemfile",
    "Gemfile.lock",
    "*.gemspec",
    "pom.xml",
    "build.gradle",
    "build.gradle.kts",
    "gradle.lockfile",
    "composer.json",
    "composer.lock",
    "*.csproj",
    "packages.lock.json",
    "Package.swift",
    "Package.resolved",
    "mix.exs",
    "mix.lock",
]


class DependencyManifestsParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    extra_globs: list[Glob] = Field(default_factory=list)
    """More manifest paths for this repo, added to the built-in list."""
    allow_from: AutonomyLevel = AutonomyLevel.L3
    """The level from which dependency changes no longer need a human."""


def manifest_globs(params: DependencyManifestsParams) -> list[str]:
    return [*DEFAULT_MANIFEST_GLOBS, *params.extra_globs]


def evaluate(ctx: GateContext, params: DependencyManifestsParams) -> Verdict:
    touched = matching_paths(ctx.diff.touched_paths, manifest_globs(params))
    if not touched:
        return Verdict(outcome=Outcome.ALLOW, reasons=["no dependency manifest touched"])
    listed = ", ".join(touched)
    if ctx.level.rank >= params.allow_from.rank:
        return Verdict(
            outcome=Outcome.ALLOW,
            reasons=[
                f"dependency change at {ctx.level} (allowed from {params.allow_from}): {listed}"
            ],
        )
    return Verdict(
        outcome=Outcome.NEEDS_HUMAN,
        reasons=[f"dependency change below {params.allow_from}: {listed}"],
    )


PARAMS = DependencyManifestsParams
"""The model of this policy's `[[policies]] params` table (the registry reads it)."""
