"""The effective autonomy level of a repository, earned from its track record."""

from collections.abc import Iterable
from datetime import UTC, datetime

from factory.config import FactoryConfig
from factory.config.fingerprint import configuration_hash
from factory.git.base_branch import base_branch_of
from factory.governance.evidence import eval_evidence, under_configuration
from factory.governance.track_record import IncidentIssue, gather_track_record, withdrawn_runs
from factory.store.store import Store
from policies.autonomy import Assessment, assess_autonomy
from policies.config import AutonomyLevel

LEVEL_CHANGED_EVENT = "autonomy.level_changed"
"""Kind of the audit event a run appends when its repo's level moved (payload: Assessment)."""


def previous_level(store: Store, repo: str) -> AutonomyLevel | None:
    """The level the latest run of `repo` ran at, if any run recorded one."""
    for run in store.runs.latest(repo=repo, limit=20):
        if run.autonomy_level in {level.value for level in AutonomyLevel}:
            return AutonomyLevel(run.autonomy_level)
    return None


def assess_repo(
    config: FactoryConfig,
    store: Store,
    repo: str,
    *,
    now: datetime | None = None,
    incidents: Iterable[IncidentIssue] = (),
) -> Assessment:
    """The effective level of `repo` now, with its evidence and the level it moved from.

    A run calls this at intake, stores `level` on the run, and appends
    `assessment.level_change_event()` as a `autonomy.level_changed` event when it is not None.
    """
    settings = config.repo(repo)
    record = gather_track_record(
        store.pull_requests,
        repo,
        settings.path,
        base_branch_of(settings),
        incidents,
        withdrawn=withdrawn_runs(store.runs, repo),
    )
    found = None
    if settings.autonomy_evidence is not None:
        config_hash = configuration_hash(config, settings)
        record = under_configuration(store, repo, record, config_hash)
        found = eval_evidence(store, repo, config_hash)
    return assess_autonomy(
        settings.autonomy,
        record,
        settings.earned_autonomy,
        now or datetime.now(UTC),
        previous=previous_level(store, repo),
        evidence_rule=settings.autonomy_evidence,
        eval_evidence=found,
    )
