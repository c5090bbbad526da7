"""Owners, domains and scorecards read from each base branch (real git), and `--team`."""

from __future__ import annotations

from pathlib import Path

import pytest

from factory.review.build import ReviewError, ReviewOptions, build_review
from factory.store import Store
from tests.support.review_history import NOW, GitRepo, History, config_for, days_ago

pytestmark = pytest.mark.integration

CATALOG = (
    "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: pay\n"
    "spec:\n  owner: group:payments\n  system: checkout\n  domain: commerce\n"
)


def repos(tmp_path: Path) -> tuple[GitRepo, GitRepo]:
    pay = GitRepo(tmp_path / "pay")
    (pay.path / "catalog-info.yaml").write_text(CATALOG)
    (pay.path / "AGENTS.md").write_text("run pytest\n")
    pay.git("add", "catalog-info.yaml", "AGENTS.md")
    pay.git("commit", "-qm", "catalog", when=days_ago(50))
    bare = GitRepo(tmp_path / "bare")
    (bare.path / ".github").mkdir()
    (bare.path / ".github" / "CODEOWNERS").write_text("* @acme/platform\n")
    bare.git("add", ".github/CODEOWNERS")
    bare.git("commit", "-qm", "owners", when=days_ago(50))
    # On a branch only: an agent's branch cannot give its repository an owner or a catalog.
    bare.git("checkout", "-q", "-b", "factory/x")
    (bare.path / "catalog-info.yaml").write_text(CATALOG)
    bare.git("add", "catalog-info.yaml")
    bare.git("commit", "-qm", "sneaky", when=days_ago(1))
    bare.git("checkout", "-q", "main")
    return pay, bare


def test_scorecards_show_evidence_from_the_base_branch(tmp_path: Path) -> None:
    pay, bare = repos(tmp_path)
    store = Store(f"sqlite:///{tmp_path / 'f.db'}")
    History(store).run(
        "pay",
        "T-1",
        at=days_ago(2),
        status="pr_open",
        level="L1",
        steps=[
            (
                days_ago(2),
                "tests.baseline",
                "system",
                {"sha": "abc", "summary": "3 passed, 1 failed", "exit_code": 1},
            )
        ],
    )
    config = config_for(tmp_path, {"pay": pay.path, "bare": bare.path})
    review = build_review(config, store, ReviewOptions(now=NOW))
    cards = {card.repo: card for card in review.scorecards}
    pay_checks = {check.rule: check for check in cards["pay"].checks}
    assert cards["pay"].owner == "group:payments" and cards["pay"].domain == "commerce"
    assert pay_checks["a catalog entry exists"].passed is True
    assert pay_checks["agent instructions exist (AGENTS.md or equivalent)"].passed is True
    baseline = pay_checks["the test command passes on the base commit"]
    assert baseline.passed is False and "3 passed, 1 failed, exit 1" in baseline.evidence
    assert pay_checks["the autonomy level earned is within the band"].passed is True
    bare_checks = {check.rule: check for check in cards["bare"].checks}
    assert cards["bare"].owner == "@acme/platform"
    assert "CODEOWNERS" in bare_checks["an owner is known"].evidence
    assert bare_checks["a catalog entry exists"].passed is False
    assert bare_checks["the test command passes on the base commit"].passed is None
    assert any(r.title.startswith("pay: below standard") for r in review.risks)
    assert {p.name for p in review.domains} == {"commerce", "(no domain)"}


def test_team_selects_the_repositories_it_owns(tmp_path: Path) -> None:
    pay, bare = repos(tmp_path)
    store = Store(f"sqlite:///{tmp_path / 'f.db'}")
    config = config_for(tmp_path, {"pay": pay.path, "bare": bare.path})
    by_domain = build_review(config, store, ReviewOptions(now=NOW, teams=["commerce"]))
    assert [entry.repo for entry in by_domain.dora] == ["pay"]
    by_owner = build_review(config, store, ReviewOptions(now=NOW, teams=["acme/platform"]))
    assert [entry.repo for entry in by_owner.dora] == ["bare"]
    with pytest.raises(ReviewError, match="no repository is owned by"):
        build_review(config, store, ReviewOptions(now=NOW, teams=["@nobody"]))


def test_a_github_repository_is_read_from_the_factorys_cached_clone(tmp_path: Path) -> None:
    origin = GitRepo(tmp_path / "origin")
    origin.commit("base.txt", days_ago(40))
    origin.commit("fix.txt", days_ago(3), message="human fix")
    clones = tmp_path / "data" / "clones"
    clones.mkdir(parents=True)
    other = clones / "svc-000000000000.git"  # another repository called svc: not this one
    origin.git("clone", "-q", "--bare", str(origin.path), str(other))
    origin.git("-C", str(other), "remote", "set-url", "origin", "https://github.com/else/svc.git")
    mine = clones / "svc-0123456789ab.git"
    origin.git("clone", "-q", "--bare", str(origin.path), str(mine))
    origin.git("-C", str(mine), "remote", "set-url", "origin", "https://github.com/acme/svc.git")
    store = Store(f"sqlite:///{tmp_path / 'f.db'}")
    review = build_review(config_for(tmp_path, {"svc": None}), store, ReviewOptions(now=NOW))
    (entry,) = review.dora
    assert entry.human is not None and entry.human.deployments == 1
    assert "svc: read from the factory's cached clone, as of its last fetch" in review.notes
