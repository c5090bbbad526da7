import os
import socket
import subprocess
import sys

from sandboxes import labels
from sandboxes.prune import _is_stale


def test_owner_label_names_this_host_and_process() -> None:
    assert labels.parse_owner(labels.owner_label()) == (socket.gethostname(), os.getpid())


def test_malformed_owner_label_parses_to_none() -> None:
    assert labels.parse_owner("") is None
    assert labels.parse_owner("host:notapid") is None


def test_container_of_a_dead_local_owner_is_stale() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    owner = f"{socket.gethostname()}:{child.pid}"
    assert _is_stale(owner, "run-1", None)


def test_container_of_a_live_local_owner_is_kept_even_if_its_run_looks_inactive() -> None:
    assert not _is_stale(labels.owner_label(), "run-1", lambda run: False)


def test_foreign_owner_is_judged_by_run_activity_only() -> None:
    owner = "some-other-host:1"
    assert _is_stale(owner, "run-1", lambda run: False)
    assert not _is_stale(owner, "run-1", lambda run: True)
    assert not _is_stale(owner, "run-1", None)
