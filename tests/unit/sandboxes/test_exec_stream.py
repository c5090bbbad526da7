"""The multiplexed attach stream, read from a real socket pair speaking Docker's frame format."""

import socket
import struct
import threading
import time

import pytest

from sandboxes import execstream
from sandboxes.execstream import _pump
from sandboxes.output import CappedOutput


def _frame(stream: int, payload: bytes) -> bytes:
    return struct.pack(">BxxxL", stream, len(payload)) + payload


def _serve(peer: socket.socket, data: bytes, *, piece: int, close: bool = True) -> threading.Thread:
    def send() -> None:
        for start in range(0, len(data), piece):
            peer.sendall(data[start : start + piece])
        if close:
            peer.close()

    thread = threading.Thread(target=send)
    thread.start()
    return thread


def test_frames_split_across_reads_are_demultiplexed_in_order() -> None:
    ours, peer = socket.socketpair()
    wire = _frame(1, b"out-1 ") + _frame(2, b"err-1") + _frame(1, b"out-2")
    sender = _serve(peer, wire, piece=3)  # every header and payload arrives in pieces
    stdout, stderr = CappedOutput(100), CappedOutput(100)
    timed_out = _pump(ours, time.monotonic() + 10, stdout, stderr, lambda: None)
    sender.join()
    assert not timed_out
    assert (stdout.text(), stderr.text()) == ("out-1 out-2", "err-1")


def test_a_stream_that_stays_silent_past_the_deadline_calls_the_killer() -> None:
    ours, peer = socket.socketpair()
    kills: list[float] = []

    def kill() -> None:
        kills.append(time.monotonic())
        peer.sendall(_frame(2, b"killed\n"))
        peer.close()  # the group died: the stream ends

    started = time.monotonic()
    timed_out = _pump(ours, started + 0.2, CappedOutput(10), stderr := CappedOutput(10), kill)
    assert timed_out
    assert len(kills) == 1 and kills[0] - started >= 0.2
    assert stderr.text() == "killed\n"


def test_a_stream_that_never_ends_is_cut_after_the_grace(monkeypatch: pytest.MonkeyPatch) -> None:
    ours, _peer = socket.socketpair()  # the peer never closes: something kept the pipe open
    monkeypatch.setattr(execstream, "KILL_GRACE_S", 0.2)
    started = time.monotonic()
    assert _pump(ours, started + 0.1, CappedOutput(10), CappedOutput(10), lambda: None)
    assert time.monotonic() - started < 5


def test_endless_output_is_capped_in_memory() -> None:
    ours, peer = socket.socketpair()
    wire = b"".join(_frame(1, b"y" * 32_768) for _ in range(300))  # ~10 MB
    sender = _serve(peer, wire, piece=65_536)
    stdout = CappedOutput(1_000)
    _pump(ours, time.monotonic() + 30, stdout, CappedOutput(10), lambda: None)
    sender.join()
    assert stdout.truncated
    assert len(stdout.text()) < 1_200
