import pytest
from pydantic import ValidationError

from sandboxes.config import DockerSandboxConfig, size_in_bytes
from sandboxes.hardening import BASE_ENV, host_config_kwargs, sandbox_env


def test_env_names_that_look_like_secrets_are_refused_with_the_fix() -> None:
    with pytest.raises(ValidationError, match=r"GITHUB_TOKEN.*remove it from \[sandbox\]\.env"):
        DockerSandboxConfig(env={"GITHUB_TOKEN": "x"})


def test_unknown_keys_are_refused() -> None:
    with pytest.raises(ValidationError):
        DockerSandboxConfig.model_validate({"network": "host"})


def test_sandbox_env_is_built_from_the_allowlist_not_the_host(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-should-never-leak")
    env = sandbox_env(DockerSandboxConfig(env={"PIP_NO_INDEX": "1"}), {"CI": "1"})
    assert set(env) == {*BASE_ENV, "PIP_NO_INDEX", "CI"}
    assert "sk-should-never-leak" not in env.values()


def test_memory_notation_becomes_bytes() -> None:
    assert size_in_bytes("512m") == 512 * 2**20
    assert size_in_bytes("2g") == 2 * 2**30
    assert size_in_bytes("1000") == 1000


def test_host_config_has_every_hardening_setting() -> None:
    kwargs = host_config_kwargs(DockerSandboxConfig(memory="1g", cpus=0.5, pids=64), None)
    assert kwargs["network_mode"] == "none"
    assert kwargs["cap_drop"] == ["ALL"]
    assert kwargs["security_opt"] == ["no-new-privileges"]
    assert kwargs["read_only"] is True
    assert kwargs["mem_limit"] == kwargs["memswap_limit"] == 2**30
    assert kwargs["nano_cpus"] == 500_000_000
    assert kwargs["pids_limit"] == 64
    assert kwargs["binds"] is None
