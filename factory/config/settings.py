"""factory.toml: the typed configuration of the whole factory (`config/loading.py` finds and
reads it).

Each package owns the model of its own section (`harness.config`, `sandboxes.config`,
`policies.config`); this module composes them and adds `[factory]`, `[queue]` and
`[repos."<name>"]`. Secrets never live in the file: `Secrets.from_env()` reads them from the
environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    model_validator,
)

from factory.config.errors import ConfigError
from factory.config.forges import (
    GITHUB_TOKEN_ENV,
    ForgeSettings,
    GitHubForgeSettings,
    LocalForgeSettings,
)
from factory.config.git import BotIdentity
from factory.config.initiatives import InitiativeConfig
from factory.config.limits import LimitsConfig
from factory.config.schedule import ScheduleConfig
from factory.config.sweep import SweepConfig
from harness.config import BudgetConfig, ModelPrice, ModelsConfig, StuckConfig
from policies.config import (
    AutonomyRange,
    EarnedAutonomyRule,
    EvidenceRule,
    PolicySpec,
    RiskRule,
)
from policies.globs import Glob
from sandboxes.config import SandboxConfig

__all__ = [
    "CoreConfig",
    "FactoryConfig",
    "RepoConfig",
    "Secrets",
]

CONFIG_FILE_NAME = "factory.toml"


class CoreConfig(BaseModel):
    """`[factory]`: where the factory keeps its records and how it logs."""

    model_config = ConfigDict(extra="forbid")

    database_url: str | None = None
    """Any SQLAlchemy URL; unset means SQLite (WAL mode) at `<data_dir>/factory.db`."""
    data_dir: Path = Path(".factory/data")
    """Database, worktrees and blobs live here; relative paths start at the config file."""
    log_format: Literal["auto", "json", "console"] = "auto"
    """`auto` prints readable lines on a terminal and JSON lines everywhere else."""
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    busy_timeout_s: float = Field(default=30.0, gt=0, le=3600)
    """SQLite: how long a writer retries (with backoff) while another process holds the write
    lock, before failing with a message naming that process."""
    checkpoint_retention: Literal["latest", "all"] = "latest"
    """LangGraph checkpoints kept once a run is finished: `latest` keeps the one checkpoint
    `factory resume` and `runs show` read and deletes the steps before it; `all` keeps every
    step (LangGraph's own default; the tables then grow with every node of every run).
    Applied on PostgreSQL; SQLite's checkpointer has no pruning and keeps every step."""

    lease_ttl_s: float = Field(default=60.0, ge=1.0, le=3600.0)
    """Seconds a run's driver may go without a heartbeat (sent every third of this) before
    another process may take the run over; a dead driver on this host is replaced at once."""


class QueueConfig(BaseModel):
    """`[queue]`: workers on procrastinate, for a PostgreSQL store (`factory worker`)."""

    model_config = ConfigDict(extra="forbid")

    stalled_after_seconds: float = Field(default=60, ge=2, le=3600)
    """A worker whose heartbeat is this old is dead: its job is retried and the run resumes
    from its last checkpoint on another worker. Heartbeats go out three times as often.
    At least `[factory] lease_ttl_s` (checked where workers can run: a PostgreSQL store, or a
    `[queue]` section): by then a dead worker's run lease has expired too, so the retry on
    another host is not refused (a dead worker on the same host is seen by its pid at once)."""
    recover_every_seconds: int = Field(default=15, ge=1, le=59)
    """How often a worker looks for jobs whose worker died (a periodic task)."""
    max_attempts: int = Field(default=5, ge=1, le=100)
    """A run job is retried this many times at most (a worker stopping gracefully, a worker
    dying); then it stays failed for a person to look at."""
    webhook_label: str = Field(default="agent-ready", min_length=1)
    """GitHub webhooks: adding this label to an issue of a configured repository queues a run
    (as does an issue comment `/factory run` by an owner, member or collaborator)."""


class RepoConfig(BaseModel):
    """`[repos."<name>"]`: one repository the factory works on, and how much it may do there."""

    model_config = ConfigDict(extra="forbid")

    path: Path | None = None
    """A local git repository (relative paths start at the config file)."""
    github: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
    """`owner/name` on GitHub; the token comes from GITHUB_TOKEN."""
    base_branch: str | None = Field(default=None, min_length=1)
    """Where branches start and merges land. Omitted: detected before every run (the remote's
    HEAD branch, else the branch checked out), as `factory config check` shows."""
    setup: list[str] = Field(default_factory=list)
    """Commands run once in the sandbox, with network, before agents start (then it is cut)."""
    test_command: str = Field(min_length=1)
    """The command that says whether the repository's tests pass, run inside the sandbox."""
    autonomy: AutonomyRange = Field(default_factory=AutonomyRange)
    earned_autonomy: EarnedAutonomyRule = Field(default_factory=EarnedAutonomyRule)
    """How the effective level moves inside `autonomy` with the factory's track record here."""
    autonomy_evidence: EvidenceRule | None = None
    """When set, a level above L1 needs a passing eval under the current configuration, and
    only merges made under it count toward promotion (docs/eval.md)."""
    risk: RiskRule = Field(default_factory=RiskRule)
    """The risk score that decides whether L2 may merge a change by itself."""
    policies: list[PolicySpec] = Field(default_factory=list)
    protected_paths: list[Glob] = Field(default_factory=list)
    """Glob patterns agents may never change without a human (e.g. `.github/**`)."""
    budget: BudgetConfig | None = None
    """Overrides `[budgets]` for runs in this repository."""
    max_iterations: int = Field(default=3, ge=1, le=20)
    """Rounds of code -> test -> review before the run stops and asks a human."""
    max_followup_rounds: int = Field(default=3, ge=0, le=50)
    """Follow-up rounds (review feedback, CI fixes, conflicts together) one pull request may
    get; past it the run waits for a person (docs/pull-requests.md)."""
    followup_budget_usd: float = Field(default=2.0, ge=0, le=1_000_000)
    """Dollars the follow-up rounds of one pull request may spend, all rounds together."""
    feedback_bots: list[str] = Field(default_factory=list)
    """Bot logins (e.g. `linter-bot[bot]`) whose comments may start a round; other bots'
    comments are ignored, as are the factory's own."""
    feedback_mention: str = Field(default="/factory", min_length=1, max_length=100)
    """A PR comment starts a round only when it contains this (reviews and inline comments
    always do)."""
    backlog_label: str = Field(default="agent-ready", min_length=1)
    """`factory sweep` takes this repository's open GitHub issues carrying this label."""
    flaky_reruns: int = Field(default=1, ge=0, le=5)
    """A failed forge check is rerun this many times per head commit, with no agent, before
    it counts as a real (deterministic) failure; one that passes on a rerun was flaky."""
    max_ci_fix_rounds: int = Field(default=2, ge=0, le=10)
    """Fix rounds a pull request's failing CI may start (a coder round with the failing log
    as feedback); past it the run needs a human."""
    ci_command: str | None = Field(default=None, min_length=1)
    """Local forge only: a second suite, run in the sandbox on the pull request's head beside
    `test_command` (which is the local forge's CI)."""
    required_checks: list[str] | None = None
    """Forge check names a merge needs besides those branch protection requires (None: branch
    protection's alone; on the local forge, every suite is required)."""
    backlog_dir: Path | None = None
    """A directory of Markdown tickets `factory sweep` takes for this repository (relative
    paths start at the config file); a file's front matter may set `priority`."""

    @model_validator(mode="after")
    def _one_location(self) -> RepoConfig:
        if (self.path is None) == (self.github is None):
            raise ValueError(
                "set exactly one of `path` (a local repository) or `github` (owner/name)"
            )
        if self.ci_command is not None and self.github is not None:
            raise ValueError(
                "`ci_command` is the local forge's second suite; on GitHub the repository's "
                "own CI runs it (list its check in `required_checks` to require it)"
            )
        return self

    def forge_settings(self, name: str) -> ForgeSettings:
        """Where this repository's pull requests live: GitHub, or the embedded local forge."""
        if self.github is not None:
            return GitHubForgeSettings(repo=self.github)
        assert self.path is not None  # the validator above requires exactly one
        return LocalForgeSettings(name=name, path=self.path)


class FactoryConfig(BaseModel):
    """The whole resolved configuration. `source` says where it came from."""

    model_config = ConfigDict(extra="forbid")

    factory: CoreConfig = Field(default_factory=CoreConfig)
    models: ModelsConfig = Field(default_factory=ModelsConfig)
    budgets: BudgetConfig = Field(default_factory=BudgetConfig)
    stuck: StuckConfig = Field(default_factory=StuckConfig)
    """`[stuck]`: when an agent going round in circles is stopped (see harness/stuck.py)."""
    limits: LimitsConfig = Field(default_factory=LimitsConfig)
    """`[limits]`: daily and monthly spend of the whole factory and of each repository."""
    pricing: dict[str, ModelPrice] = Field(default_factory=dict)
    """US dollars per million tokens, keyed by model name (`[pricing."claude-sonnet-4-5"]`)."""
    sandbox: SandboxConfig = Field(default_factory=SandboxConfig)
    git: BotIdentity = Field(default_factory=BotIdentity)
    """`[git]`: the name and email on every commit the factory makes."""
    queue: QueueConfig = Field(default_factory=QueueConfig)
    """`[queue]`: workers on procrastinate (PostgreSQL stores)."""
    sweep: SweepConfig = Field(default_factory=SweepConfig)
    """`[sweep]`: back-off, leases and the stop grace period of `factory sweep`."""
    schedule: ScheduleConfig = Field(default_factory=ScheduleConfig)
    """`[schedule]`: the nightly sweep as a periodic task of the workers (cron syntax)."""
    repos: dict[str, RepoConfig] = Field(default_factory=dict)
    initiatives: dict[str, InitiativeConfig] = Field(default_factory=dict)
    """`[initiatives."<name>"]`: owner and due date of the tickets labelled `initiative:<name>`."""

    _source: str = PrivateAttr(default="built-in defaults")

    @model_validator(mode="after")
    def _stalled_after_the_lease(self) -> FactoryConfig:
        # A job retried before its dead worker's run lease expired would find the run driven.
        # Workers need PostgreSQL: a one-process SQLite factory with no [queue] has no jobs.
        workers_possible = "queue" in self.model_fields_set or self.database_url.startswith(
            "postgresql"
        )
        if workers_possible and self.queue.stalled_after_seconds < self.factory.lease_ttl_s:
            raise ValueError(
                f"[queue] stalled_after_seconds ({self.queue.stalled_after_seconds:g}) must be at "
                f"least [factory] lease_ttl_s ({self.factory.lease_ttl_s:g}): a job retried "
                "sooner finds its dead worker's run lease still live"
            )
        return self

    @model_validator(mode="after")
    def _scheduled_repos_exist(self) -> FactoryConfig:
        unknown = sorted(set(self.schedule.sweep_repos) - set(self.repos))
        if unknown:
            raise ValueError(
                f"[schedule] sweep_repos names unknown repositories {', '.join(unknown)} "
                f"(configured: {', '.join(sorted(self.repos)) or 'none'})"
            )
        return self

    @model_validator(mode="after")
    def _limited_repos_exist(self) -> FactoryConfig:
        known = ", ".join(sorted(self.repos)) or "none"
        unknown = sorted(set(self.limits.repos) - set(self.repos))
        if unknown:
            raise ValueError(
                f"[limits.repos] names unknown repositories {', '.join(unknown)} (configured: "
                f"{known})"
            )
        issue = self.limits.alert_issue
        on_github = issue is not None and bool(getattr(self.repos.get(issue.repo), "github", None))
        if issue is not None and not on_github:
            raise ValueError(
                f"[limits] alert_issue.repo {issue.repo!r} must name a configured repository "
                f'on GitHub (github = "owner/name"); configured: {known}'
            )
        return self

    @property
    def source(self) -> str:
        """The file this came from, or "built-in defaults"."""
        return self._source

    @property
    def database_url(self) -> str:
        """The configured URL, or SQLite in the data directory."""
        if self.factory.database_url:
            return self.factory.database_url
        return f"sqlite:///{self.factory.data_dir / 'factory.db'}"

    def repo(self, name: str) -> RepoConfig:
        """The repository called `name`; a ConfigError lists the known names otherwise."""
        if name not in self.repos:
            known = ", ".join(sorted(self.repos)) or "none configured"
            raise ConfigError(
                f'unknown repository {name!r} (known: {known}); add [repos."{name}"] to '
                f"{self.source}"
            )
        return self.repos[name]

    def budget_for(self, repo: str | None) -> BudgetConfig:
        """The repository's own budget if it has one, else `[budgets]`."""
        if repo is not None and repo in self.repos and self.repos[repo].budget is not None:
            budget = self.repos[repo].budget
            assert budget is not None
            return budget
        return self.budgets

    def redacted(self) -> dict[str, Any]:
        """JSON-ready view for `factory config show`, with the secrets' presence (never values)."""
        data = self.model_dump(mode="json")
        data["secrets"] = Secrets.from_env().presence()
        data["source"] = self.source
        return data


class Secrets(BaseModel):
    """API keys and tokens. Read from the environment only; never written to disk or logs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    anthropic_api_key: SecretStr | None = None
    openai_api_key: SecretStr | None = None
    github_token: SecretStr | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Secrets:
        env = os.environ if environ is None else environ

        def secret(name: str) -> SecretStr | None:
            value = env.get(name)
            return SecretStr(value) if value else None

        return cls(
            anthropic_api_key=secret("ANTHROPIC_API_KEY"),
            openai_api_key=secret("OPENAI_API_KEY"),
            github_token=secret(GITHUB_TOKEN_ENV),
        )

    def presence(self) -> dict[str, str]:
        return {
            name.upper(): ("set (redacted)" if getattr(self, name) else "not set")
            for name in type(self).model_fields
        }
