"""The unit tier needs neither Docker nor a database server, and keeps it that way.

`make check` runs this tier between edits, so a test here that waits on the Docker engine,
PostgreSQL or a slow real repository would slow every edit. Such a test belongs in
tests/integration/<package>/ (or tests/e2e/); its marks say so, and collection refuses them
here. Real git in a temporary directory is fine when it is as fast as the tests around it
(tests/unit/factory/config/test_init_repo.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).parent
NOT_UNIT = ("docker", "integration", "e2e")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    misplaced = sorted(
        item.nodeid
        for item in items
        if item.path.is_relative_to(HERE)
        and any(item.get_closest_marker(mark) for mark in NOT_UNIT)
    )
    if misplaced:
        raise pytest.UsageError(
            f"tests/unit holds no test marked {', '.join(NOT_UNIT)}; move these to "
            f"tests/integration/<package>/: {', '.join(misplaced)}"
        )


@pytest.fixture(autouse=True)
def _no_docker_engine(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A unit test that reaches for the engine fails at once instead of passing only on machines
    # that have one; tests of the "engine unreachable" paths set their own DOCKER_HOST.
    nowhere = tmp_path_factory.getbasetemp() / "no-docker-engine.sock"
    monkeypatch.setenv("DOCKER_HOST", f"unix://{nowhere}")
