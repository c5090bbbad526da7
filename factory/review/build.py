"""`build_review`: the factory's record for a period, turned into one `Review`.

Reads the store once (records.py), each configured repository's base branch once (git history,
owners, catalog), verifies the audit chain (unless told not to), then computes.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field

from factory.config import FactoryConfig
from factory.git import GitError
from factory.review.clones import HistorySource, history_source
from factory.review.dora import REWORK_LABELS, Change, dora_figures
from factory.review.dora_tiers import DORA_SOURCE
from factory.review.failures import mark_failures
from factory.review.followups import human_pull_requests, pull_request_figures
from factory.review.git_history import GitDeployment, GitHistory, read_history
from factory.review.initiatives import initiative_statuses
from factory.review.ownership import Ownership, read_ownership
from factory.review.period import make_period
from factory.review.pillars import build_pillars, select_group
from factory.review.records import ReviewRecords, load_records
from factory.review.risks import RiskInputs, find_risks
from factory.review.schema import (
    AuditStatus,
    OperationalReview,
    OutcomeGroup,
    Period,
    Pillars,
    RepoDora,
)
from factory.review.scorecards import scorecard
from factory.store import Store
from factory.support.errors import FactoryError
from policies.models import RevertRecord

HOTFIX_WORDS = ("hotfix", "hot fix", "hot-fix")


class ReviewError(FactoryError, ValueError):
    """The review cannot be made as asked (unknown repository or team); the message says why."""

    code = "bad_input"


class ReviewOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    since: str = "30d"
    until: str | None = None
    repos: list[str] = Field(default_factory=list)
    teams: list[str] = Field(default_factory=list)
    """Owners or domains (`@org/payments`, `payments`); repositories they own are reviewed."""
    verify_audit: bool = True
    now: datetime | None = None


def build_review(config: FactoryConfig, store: Store, options: ReviewOptions) -> OperationalReview:
    period = make_period(options.since, options.until, options.now)
    notes: list[str] = []
    sources = {name: history_source(config, settings) for name, settings in config.repos.items()}
    ownership = {name: read_ownership(source.path, source.base) for name, source in sources.items()}
    selected = _select_repos(config, store, options, ownership)
    records = load_records(store, period, selected or None)
    names = sorted(
        set(selected or [])
        | {run.repo for run in records.runs.values()}
        | (set() if selected else set(config.repos))
    )
    histories: dict[str, GitHistory] = {}
    for name in names:
        settings = config.repos.get(name)
        source = sources.get(name) or HistorySource(None, None, "not in factory.toml")
        if settings is None or source.path is None or source.base is None:
            notes.append(f"{name}: {source.note}; human changes and reverts unseen")
            continue
        if source.note:
            notes.append(f"{name}: {source.note}")
        try:
            histories[name] = read_history(source.path, source.base, period.previous_since)
        except GitError as error:
            notes.append(f"{name}: git history unreadable ({error})")
    changes = _agent_changes(records, histories) + _human_changes(histories)
    reverts: dict[str, list[RevertRecord]] = {r: h.reverts for r, h in histories.items()}
    linked = mark_failures(changes, reverts, records.incidents)
    agent = [c for c in changes if c.author == "agent"]
    audit_all, audit_by_repo = _audit(store, records, options.verify_audit)

    def pillars(group: str, name: str, repos: set[str], everything: bool = False) -> Pillars:
        data = select_group(records, repos, agent, everything)
        audit = audit_all if everything else _merge_audit(audit_by_repo, repos, audit_all.checked)
        return build_pillars(
            group,  # type: ignore[arg-type]
            name,
            data,
            period.since,
            period.until,
            period.previous_since,
            audit,
            linked,
        )

    repositories = [pillars("repository", name, {name}) for name in names]
    owners: dict[str, set[str]] = defaultdict(set)
    domains: dict[str, set[str]] = defaultdict(set)
    for name in names:
        found = ownership.get(name) or Ownership(readable=False)
        owners[found.owner or "(no owner)"].add(name)
        domains[found.domain or "(no domain)"].add(name)
    dora = [
        RepoDora(
            repo=name,
            agent=dora_figures([c for c in agent if c.repo == name], period),
            human=(
                dora_figures([c for c in changes if c.repo == name and c.author == "human"], period)
                if name in histories
                else None
            ),
            history_note=None if name in histories else "git history not read",
        )
        for name in names
    ]
    factory = pillars("factory", "factory", set(names), everything=True)
    initiatives = initiative_statuses(records, config.initiatives, period)
    scorecards = [
        scorecard(
            name,
            config.repos[name],
            ownership[name],
            [run for run in records.runs.values() if run.repo == name],
            _merge_audit(audit_by_repo, {name}, audit_all.checked),
        )
        for name in names
        if name in config.repos
    ]
    human_pulls = {repo: human_pull_requests(h.deployments) for repo, h in histories.items()}
    pull_requests = [
        pull_request_figures(
            "factory",
            "factory",
            list(records.runs.values()),
            [pull for pulls in human_pulls.values() for pull in pulls] if human_pulls else None,
            period,
        ),
        *(
            pull_request_figures(
                "repository",
                name,
                [run for run in records.runs.values() if run.repo == name],
                human_pulls.get(name),
                period,
            )
            for name in names
        ),
    ]
    return OperationalReview(
        generated_at=options.now or datetime.now(UTC),
        period=period,
        filters={"repo": options.repos, "team": options.teams},
        dora_source=DORA_SOURCE,
        dora=dora,
        factory_dora=dora_figures(agent, period),
        factory=factory,
        repositories=repositories,
        owners=[pillars("owner", o, r) for o, r in sorted(owners.items())],
        domains=[pillars("domain", d, r) for d, r in sorted(domains.items())],
        initiatives=initiatives,
        scorecards=scorecards,
        risks=find_risks(RiskInputs(repositories, dora, initiatives, scorecards, factory)),
        outcome_groups=outcome_groups(agent, records, period),
        pull_requests=pull_requests,
        notes=notes,
    )


def _select_repos(
    config: FactoryConfig, store: Store, options: ReviewOptions, ownership: dict[str, Ownership]
) -> list[str]:
    chosen: list[str] = []
    for repo in options.repos:
        if repo not in config.repos and not store.runs.latest(repo=repo, limit=1):
            known = ", ".join(sorted(config.repos)) or "none configured"
            raise ReviewError(f"unknown repository {repo!r} (known: {known})")
        chosen.append(repo)
    for team in options.teams:
        wanted = team.lower().lstrip("@")
        owned = [
            name
            for name, found in ownership.items()
            if wanted
            in {
                (found.owner or "").lower().lstrip("@"),
                (found.domain or "").lower(),
                (found.system or "").lower(),
            }
        ]
        if not owned:
            raise ReviewError(
                f"no repository is owned by or in the domain {team!r}; owners come from "
                "catalog-info.yaml spec.owner/spec.domain or CODEOWNERS on each base branch"
            )
        chosen.extend(owned)
    return sorted(set(chosen))


def _agent_changes(records: ReviewRecords, histories: dict[str, GitHistory]) -> list[Change]:
    """Each factory change once, whoever merged it: the merge the store recorded (the
    factory's own, `factory pr merge`, GitHub's button seen through the forge or webhook),
    else the first-parent commit on the base branch that brought the run's `Factory-Run`
    commits (a merge no command recorded: by hand, or on GitHub before anyone asked it)."""
    pulls = {pull.run_id: pull for pull in records.pulls if pull.run_id and pull.status == "merged"}
    deployed: dict[str, tuple[str, GitDeployment]] = {}
    shas_of_run: dict[str, set[str]] = defaultdict(set)
    for repo, history in histories.items():
        for deployment in history.deployments:  # oldest first: a run's first deployment wins
            if deployment.factory_run:
                deployed.setdefault(deployment.factory_run, (repo, deployment))
                shas_of_run[deployment.factory_run] |= deployment.shas
    changes = []
    for run in records.runs.values():
        facts = run.facts
        found = deployed.pop(run.id, None)
        in_git = found[1] if found is not None and found[0] == run.repo else None
        if facts.merged_at is None and in_git is None:
            continue
        pull = pulls.get(run.id)
        merged_at = facts.merged_at or (in_git.at if in_git else None)
        assert merged_at is not None
        sha = facts.merge_sha or (pull.merged_sha if pull else None)
        sha = sha or (in_git.sha if in_git else None) or run.id
        first_commit = facts.first_commit_at or (in_git.first_commit_at if in_git else None)
        ticket = records.tickets.get(run.ticket_ref)
        labels = {label.lower() for label in (ticket.labels if ticket else [])}
        changes.append(
            Change(
                repo=run.repo,
                sha=sha,
                merged_at=merged_at,
                first_commit_at=first_commit,
                ticket_opened_at=ticket.created_at if ticket else None,
                author="agent",
                run_id=run.id,
                pr=pull.number if pull else None,
                rework=bool(labels & REWORK_LABELS),
                shas={sha, *facts.commits, *shas_of_run.get(run.id, set())},
                merged_by=facts.merged_by,
            )
        )
    # Runs this store holds no record of in the window (older, or another factory's): git
    # alone says the factory's commits reached the base branch.
    for run_id, (repo, deployment) in deployed.items():
        if run_id in records.runs:
            continue
        changes.append(
            Change(
                repo=repo,
                sha=deployment.sha,
                merged_at=deployment.at,
                first_commit_at=deployment.first_commit_at,
                ticket_opened_at=None,
                author="agent",
                run_id=run_id,
                shas=set(deployment.shas),
            )
        )
    return changes


def _human_changes(histories: dict[str, GitHistory]) -> list[Change]:
    return [
        Change(
            repo=repo,
            sha=deployment.sha,
            merged_at=deployment.at,
            first_commit_at=deployment.first_commit_at,
            ticket_opened_at=None,
            author="human",
            rework=any(word in deployment.subject.lower() for word in HOTFIX_WORDS),
            shas=set(deployment.shas),
        )
        for repo, history in histories.items()
        for deployment in history.deployments
        if deployment.factory_run is None
    ]


def _audit(
    store: Store, records: ReviewRecords, verify_audit: bool
) -> tuple[AuditStatus, dict[str, AuditStatus]]:
    if not verify_audit:
        return AuditStatus(checked=False, ok=None), {}
    from factory.store.audit import verify

    report = verify(store)
    by_repo: dict[str, AuditStatus] = {}
    repo_of = {run.id: run.repo for run in records.runs.values()}
    for found in report.breaks:
        repo = repo_of.get(found.run_id or "") or (
            _repo_of_run(store, found.run_id) if found.run_id else None
        )
        status = by_repo.setdefault(repo or "(unknown)", AuditStatus(checked=True, ok=False))
        status.breaks.append(found.describe())
    whole = AuditStatus(
        checked=True,
        ok=report.ok,
        runs=report.runs,
        events=report.events,
        breaks=[found.describe() for found in report.breaks[:20]],
    )
    return whole, by_repo


def _repo_of_run(store: Store, run_id: str) -> str | None:
    run = store.runs.find(run_id)
    return run.repo if run else None


def _merge_audit(by_repo: dict[str, AuditStatus], repos: set[str], checked: bool) -> AuditStatus:
    if not checked:
        return AuditStatus(checked=False, ok=None)
    breaks = [
        line
        for repo in sorted(repos)
        for line in by_repo.get(repo, AuditStatus(checked=True, ok=True)).breaks
    ]
    return AuditStatus(checked=True, ok=not breaks, breaks=breaks)


def outcome_groups(
    agent: list[Change], records: ReviewRecords, period: Period
) -> list[OutcomeGroup]:
    """The factory's changes grouped by the configuration hash of their run, then by the
    autonomy level it ran at: which configuration and which level fail, revert, rework."""
    keys = {
        "config_hash": lambda run: run.config_hash,
        "autonomy_level": lambda run: run.level,
    }
    groups: list[OutcomeGroup] = []
    for by, key in keys.items():
        split: dict[str, list[Change]] = defaultdict(list)
        for change in agent:
            run = records.runs.get(change.run_id or "")
            split[(key(run) if run is not None else None) or "unknown"].append(change)
        for value, members in sorted(split.items()):
            groups.append(
                OutcomeGroup(
                    by=by,
                    value=value,
                    changes=len(members),
                    reverted=sum(
                        1
                        for c in members
                        if any(e.startswith("reverted by") for e in c.failure_evidence)
                    ),
                    dora=dora_figures(members, period),
                )
            )
    return groups
