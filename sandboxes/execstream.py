"""One command in a running container: streamed, capped, bounded in time, killable as a group.

The low-level exec API is used so output is read frame by frame from the attached socket
(never buffered whole) and so a deadline can be enforced without a thread per command.
"""

from __future__ import annotations

import contextlib
import select
import socket
import struct
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from docker import APIClient

from sandboxes.output import CappedOutput

KILL_GRACE_S = 5.0
"""How long output may still drain after the group was killed before the socket is cut."""
_HEADER = struct.Struct(">BxxxL")
_STDOUT, _STDERR = 1, 2


@dataclass(frozen=True)
class StreamOutcome:
    exit_code: int
    stdout: str
    stderr: str
    truncated: bool
    timed_out: bool
    duration_s: float


def group_wrapped(argv: Sequence[str], pgid_file: str) -> list[str]:
    """`argv` run as the leader of a new session, its group id written to `pgid_file` first.

    `setsid -w` forks when needed and waits, so the exit status is the command's own.
    """
    return ["setsid", "-w", "sh", "-c", 'echo $$ > "$0" && exec "$@"', pgid_file, *argv]


def kill_group_argv(pgid_file: str) -> list[str]:
    # A very short timeout may fire before the wrapper wrote its group id: wait up to 5 s.
    script = (
        'for _ in $(seq 50); do [ -s "$0" ] && break; sleep 0.1; done; '
        'kill -KILL "-$(cat "$0")" 2>/dev/null; rm -f "$0"'
    )
    return ["sh", "-c", script, pgid_file]


def run_exec(
    api: APIClient,
    container_id: str,
    argv: Sequence[str],
    *,
    user: str,
    workdir: str,
    env: Mapping[str, str],
    timeout: float,
    cap: int,
) -> StreamOutcome:
    """Run `argv` in the container; on timeout kill its whole process group, not the container."""
    pgid_file = f"/dev/shm/.agent-factory-{uuid.uuid4().hex}.pgid"
    started = time.monotonic()
    exec_id = api.exec_create(
        container_id,
        group_wrapped(argv, pgid_file),
        user=user,
        workdir=workdir,
        environment=dict(env),
        stdout=True,
        stderr=True,
    )["Id"]
    attached = api.exec_start(exec_id, socket=True)
    stdout, stderr = CappedOutput(cap), CappedOutput(cap)

    def kill_group() -> None:
        # Detached: the group's death is observed as EOF on the command's own stream.
        killer = api.exec_create(container_id, kill_group_argv(pgid_file), user=user)["Id"]
        api.exec_start(killer, detach=True)

    try:
        timed_out = _pump(attached, started + timeout, stdout, stderr, kill_group)
    finally:
        _close(attached)
    info = api.exec_inspect(exec_id)
    code = info.get("ExitCode")
    exit_code = -1 if timed_out or code is None else int(code)
    return StreamOutcome(
        exit_code=exit_code,
        stdout=stdout.text(),
        stderr=stderr.text(),
        truncated=stdout.truncated or stderr.truncated,
        timed_out=timed_out,
        duration_s=time.monotonic() - started,
    )


def _pump(
    attached: Any,
    deadline: float,
    stdout: CappedOutput,
    stderr: CappedOutput,
    on_timeout: Callable[[], None],
) -> bool:
    """Demultiplex frames into the two buffers until EOF; returns whether the deadline hit."""
    sock: socket.socket = getattr(attached, "_sock", attached)
    sock.setblocking(False)  # read whatever is there; poll only when nothing is
    poller = select.poll()
    poller.register(sock, select.POLLIN | select.POLLPRI | select.POLLHUP)
    pending = bytearray()
    timed_out = False
    while True:
        try:
            chunk = sock.recv(1 << 20)
        except BlockingIOError:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                if timed_out:
                    return True  # the group is dead but something still holds the pipe: cut it
                timed_out = True
                on_timeout()
                deadline = time.monotonic() + KILL_GRACE_S
                continue
            poller.poll(remaining * 1000)
            continue
        if not chunk:
            return timed_out
        pending += chunk
        pos = 0
        view = memoryview(pending)
        while len(pending) - pos >= _HEADER.size:
            stream, size = _HEADER.unpack_from(pending, pos)
            end = pos + _HEADER.size + size
            if len(pending) < end:
                break
            (stderr if stream == _STDERR else stdout).write(view[pos + _HEADER.size : end])
            pos = end
        view.release()
        del pending[:pos]
        if time.monotonic() > deadline and not timed_out:
            timed_out = True  # output that never pauses must not outrun the deadline
            on_timeout()
            deadline = time.monotonic() + KILL_GRACE_S
        elif timed_out and time.monotonic() > deadline:
            return True


def _close(attached: Any) -> None:
    sock = getattr(attached, "_sock", attached)
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        attached.close()
