"""The configuration hash moves with models, prompts and policies, and with nothing else."""

from pathlib import Path

import pytest

from factory.config import FactoryConfig, RepoConfig, fingerprint
from factory.config.fingerprint import configuration_hash, configuration_parts
from policies.config import AutonomyLevel, AutonomyRange, PolicySpec


def config(**repo: object) -> FactoryConfig:
    settings = RepoConfig.model_validate({"path": "/srv/app", "test_command": "pytest", **repo})
    return FactoryConfig.model_validate(
        {
            "models": {"default": {"provider": "openai", "model": "m1", "base_url": "http://x/v1"}},
            "repos": {"app": settings.model_dump()},
        }
    )


def digest(cfg: FactoryConfig, **kwargs: str) -> str:
    return configuration_hash(cfg, cfg.repos["app"], **kwargs)


def test_the_same_configuration_gives_the_same_hash() -> None:
    assert digest(config()) == digest(config())
    assert len(digest(config())) == 64


def test_a_model_a_policy_or_a_parameter_changes_it() -> None:
    base = digest(config())
    assert digest(config(), model_override="m2") != base
    assert digest(config(policies=[PolicySpec(name="diff_size", params={"max_lines": 10})])) != base
    assert digest(config(protected_paths=["infra/**"])) != base
    assert digest(config(max_iterations=5)) != base


def test_the_autonomy_range_it_unlocks_does_not() -> None:
    wider = config(autonomy=AutonomyRange(min=AutonomyLevel.L1, max=AutonomyLevel.L3).model_dump())
    assert digest(wider) == digest(config())


def test_a_prompt_file_changes_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("planner.md", "_shared.md"):
        (tmp_path / name).write_text("be careful\n")
    monkeypatch.setattr(fingerprint, "PROMPTS", tmp_path)
    before = digest(config())
    assert set(configuration_parts(config(), config().repos["app"])["prompts"]) == {
        "_shared.md",
        "planner.md",
    }
    (tmp_path / "planner.md").write_text("be bold\n")
    assert digest(config()) != before
