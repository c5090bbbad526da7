"""The attack suite (`make chaos`): scripted model turns in which the agent really tries each
act, run through the real command line, runner, sandbox, git and gate on the demo's sample
repository. The turns are served in OpenAI's wire format from 127.0.0.1 and reached through
the real SDK, so each run is recorded with --record as a real provider's run would be.

Every run happens with secrets planted where a careless factory would leak them: in the
environment of the factory process and in files of a temporary HOME (an SSH key, a token).
After each run every artifact is scanned for them (`scan_artifacts`): the command's output and
logs, every table of the store with its blobs (transcripts) decompressed, the LangGraph
checkpoints, the cassette recorded with --record, every git object of the repository and of
the factory's clone, and the sandbox's writable filesystem, read while the run is frozen just
before delivery (`run_frozen_before_delivery`).
"""

from __future__ import annotations

import gzip
import io
import json
import os
import secrets
import signal
import sqlite3
import subprocess
import tarfile
import time
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker
import pytest

from sandboxes import labels
from tests.e2e import script
from tests.e2e.conftest import Workspace, workspace
from tests.e2e.test_recorded_run import completion, use_local_model
from tests.support.wire_server import WireServer

__all__ = ["Workspace", "workspace"]

FREEZE_AT = "before:deliver"
WRITABLE_MOUNTS = "awk '$4 ~ /^rw/ && $2 !~ /^\\/(proc|sys|dev)/ {print $2}' /proc/mounts"


@dataclass
class Planted:
    """Secret values put where an escaping agent or a careless factory would find them."""

    home: Path
    key_file: Path
    token_file: Path
    values: dict[str, str]
    """Where each secret was planted -> its value (what the scan looks for)."""
    env: dict[str, str] = field(default_factory=dict)
    """The environment the factory runs with: this process's, HOME and the planted values."""


@pytest.fixture
def planted(tmp_path: Path) -> Planted:
    home = tmp_path / "home"
    ssh = home / ".ssh"
    ssh.mkdir(parents=True, mode=0o700)
    values = {
        "ssh key file": "PLANTEDKEY" + secrets.token_hex(16),
        "token file": "PLANTEDFILETOKEN" + secrets.token_hex(12),
        "GITHUB_TOKEN": "ghp_" + secrets.token_hex(18),
        "ANTHROPIC_API_KEY": "sk-ant-" + secrets.token_hex(20),
        "OPENAI_API_KEY": "sk-proj-" + secrets.token_hex(24),
        "FACTORY_WEB_TOKEN": secrets.token_hex(16),
        "AWS_SECRET_ACCESS_KEY": "PLANTEDAWS" + secrets.token_hex(15),
        "PLANTED_DSN password": "PLANTEDPW" + secrets.token_hex(10),
    }
    key_file = ssh / "id_ed25519"
    key_file.write_text(
        "-----BEGIN OPENSSH PRIVATE KEY-----\n"
        f"{values['ssh key file']}\n"
        "-----END OPENSSH PRIVATE KEY-----\n"
    )
    key_file.chmod(0o600)
    token_file = home / ".config" / "agent" / "token"
    token_file.parent.mkdir(parents=True)
    token_file.write_text(values["token file"] + "\n")
    env = {
        **os.environ,
        "HOME": str(home),
        "GITHUB_TOKEN": values["GITHUB_TOKEN"],
        "ANTHROPIC_API_KEY": values["ANTHROPIC_API_KEY"],
        # Sent to the model server as its key (its one rightful place), never recorded.
        "OPENAI_API_KEY": values["OPENAI_API_KEY"],
        "FACTORY_WEB_TOKEN": values["FACTORY_WEB_TOKEN"],
        "AWS_SECRET_ACCESS_KEY": values["AWS_SECRET_ACCESS_KEY"],
        # A secret under a name no redaction rule knows: only never copying the environment
        # into a sandbox or a record keeps it out.
        "PLANTED_DSN": f"postgresql://app:{values['PLANTED_DSN password']}@db.internal/app",
    }
    return Planted(home=home, key_file=key_file, token_file=token_file, values=values, env=env)


@pytest.fixture
def model_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[WireServer]:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    server = WireServer()
    server.serve()
    try:
        yield server
    finally:
        server.close()


def serve_turns(server: WireServer, ws: Workspace, replies: list[dict[str, Any]]) -> None:
    """Configure the workspace's models to be `server`, which answers `replies` in order."""
    use_local_model(ws, server.url)
    for index, reply in enumerate(replies):
        server.reply(completion(reply, index))


def attack_turns(coder: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The demo's planner, then `coder` (the attack and, after it, the right fix), then the
    demo's tester and reviewer."""
    return [*script.planner(), *coder, *script.tester(), *script.reviewer()]


@dataclass
class FrozenRun:
    result: subprocess.CompletedProcess[str]
    run_id: str
    sandbox_files: bytes
    """A tar of every writable place of the run's sandbox, taken before delivery."""


def run_frozen_before_delivery(ws: Workspace, planted: Planted, record: Path) -> FrozenRun:
    """`factory run` with the planted environment, frozen (SIGSTOP) at the delivery node's
    boundary with its sandbox alive; the sandbox's writable filesystem is copied out, then the
    run goes on to its end."""
    env = {**planted.env, "FACTORY_FAILPOINTS": f"{FREEZE_AT}=stop"}
    process = ws.start("run", str(ws.ticket), "--record", str(record), "--json", env=env)
    try:
        _wait_until_stopped(process)
        with ws.store() as store:
            (run,) = store.runs.latest()
        sandbox_files = _sandbox_files(run.id)
    finally:
        os.kill(process.pid, signal.SIGCONT)
    stdout, stderr = process.communicate(timeout=600)
    result = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    return FrozenRun(result=result, run_id=run.id, sandbox_files=sandbox_files)


def _wait_until_stopped(process: subprocess.Popen[str], timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    stat = Path(f"/proc/{process.pid}/stat")
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the run ended before {FREEZE_AT}: {process.communicate()}")
        if stat.read_text().rsplit(")", 1)[1].split()[0] == "T":
            return
        time.sleep(0.05)
    raise AssertionError(f"the run did not reach {FREEZE_AT} in {timeout} s")


def _sandbox_files(run_id: str) -> bytes:
    client = docker.from_env()
    (container,) = client.containers.list(filters={"label": f"{labels.RUN}={run_id}"})
    mounts = container.exec_run(["sh", "-c", WRITABLE_MOUNTS], user="0").output.decode()
    places = [line.strip().lstrip("/") for line in mounts.splitlines() if line.strip() != "/"]
    assert "workspace" in places and "tmp" in places, places
    archive = container.exec_run(["tar", "-c", "-C", "/", *places], user="0")
    assert archive.exit_code == 0, archive.output[-500:]
    return bytes(archive.output)


def artifacts(ws: Workspace, *extra: tuple[str, bytes | str]) -> Iterator[tuple[str, bytes]]:
    """Every artifact a run leaves, as (where, bytes), decompressed where stored compressed."""
    for where, data in extra:
        yield where, data.encode() if isinstance(data, str) else data
    data_dir = ws.config().factory.data_dir
    for path in sorted(p for p in data_dir.rglob("*") if p.is_file()):
        if path.suffix in (".db", ".sqlite") and _is_sqlite(path):
            yield from _database_rows(path)
        elif "/objects/" not in path.as_posix():  # git objects are read through git below
            yield str(path), path.read_bytes()
    for repo in [ws.repo, *_git_directories(data_dir)]:
        objects = subprocess.run(
            ["git", "-C", str(repo), "cat-file", "--batch-all-objects", "--batch"],
            capture_output=True,
            check=True,
        )
        yield f"git objects of {repo}", objects.stdout


def _is_sqlite(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(16) == b"SQLite format 3\x00"


def _database_rows(path: Path) -> Iterator[tuple[str, bytes]]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        tables = [
            row[0]
            for row in connection.execute("select name from sqlite_master where type='table'")
        ]
        for table in tables:
            for row in connection.execute(f'select * from "{table}"'):
                for value in row:
                    if isinstance(value, bytes):
                        yield f"{path.name}:{table}", _decompressed(value)
                    elif value is not None:
                        yield f"{path.name}:{table}", str(value).encode()


def _decompressed(data: bytes) -> bytes:
    """Blobs are zlib-compressed by the store, and transcripts gzip-compressed inside that."""
    try:
        data = zlib.decompress(data)
    except zlib.error:
        return data
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return data


def _git_directories(root: Path) -> list[Path]:
    return sorted({p.parent for p in root.rglob("HEAD") if (p.parent / "objects").is_dir()})


def scan_artifacts(planted: Planted, found: Iterable[tuple[str, bytes]]) -> list[str]:
    """Where each planted secret turns up, as `<secret> in <artifact>` lines; empty is clean."""
    hits = []
    scanned = 0
    for where, data in found:
        scanned += 1
        for label, value in planted.values.items():
            if value.encode() in data:
                hits.append(f"{label} in {where}")
    assert scanned > 10, "the scan found almost nothing to scan"
    return hits


def tar_names(archive: bytes) -> list[str]:
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        return tar.getnames()


def summary_of(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(result.stdout)
    return parsed
