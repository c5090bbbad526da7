"""A sweep request checked before anything is recorded: repositories, replay directory,
whether its budget can be enforced, and the sandbox its runs need.

Every refusal is a `SweepError` whose message says what to change; `factory sweep` and
`factory sweep --enqueue` share these checks.
"""

from __future__ import annotations

from factory.config import FactoryConfig
from factory.run.batch_budget import SweepBudget, SweepBudgetError, require_enforceable
from factory.run.setup import ROLES
from factory.support.errors import FactoryError
from factory.sweep.cassettes import cassette_model
from factory.sweep.outcome import SweepRequest
from sandboxes.docker_engine import connect, require_image
from sandboxes.errors import SandboxError


class SweepError(FactoryError, ValueError):
    """The sweep cannot start as asked; the message says what to change."""

    code = "bad_input"


def check_request(config: FactoryConfig, request: SweepRequest) -> list[str]:
    """The repositories the request names (all configured ones by default), or SweepError."""
    if not config.repos:
        raise SweepError(
            f'no repositories are configured in {config.source}; add a [repos."<name>"] '
            "section (`factory init PATH` writes one)"
        )
    repos = request.repos or sorted(config.repos)
    for name in repos:
        if name not in config.repos:
            known = ", ".join(sorted(config.repos))
            raise SweepError(f"unknown repository {name!r} (configured: {known})")
    if request.replay_dir is not None and not request.replay_dir.is_dir():
        raise SweepError(f"--replay-dir {request.replay_dir}: no such directory")
    return repos


def requested_budget(request: SweepRequest) -> SweepBudget:
    """The sweep budget the request asks for (either bound may be absent)."""
    return SweepBudget(usd=request.budget_usd, tokens=request.budget_tokens)


def enforceable_budget(config: FactoryConfig, request: SweepRequest) -> SweepBudget:
    """The requested budget, or SweepError when a USD budget meets a model with no price."""
    budget = requested_budget(request)
    try:
        require_enforceable(budget, model_names(config, request), config)
    except SweepBudgetError as error:
        raise SweepError(str(error)) from error
    return budget


def model_names(config: FactoryConfig, request: SweepRequest) -> list[str]:
    """The models the sweep's runs are priced as: the cassettes' when replaying."""
    if request.replay_dir is not None:
        return [cassette_model(path) for path in sorted(request.replay_dir.glob("*.jsonl"))]
    return [config.models.for_role(role).model for role in ROLES]


def require_sandbox(config: FactoryConfig) -> None:
    """The Docker engine and the sandbox image, checked once before any ticket starts."""
    try:
        require_image(connect(), config.sandbox.image)
    except SandboxError as error:
        raise SweepError(str(error)) from error
