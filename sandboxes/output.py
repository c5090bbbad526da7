"""Bounded capture of a command's output: keep the head and the tail, drop the middle."""

from __future__ import annotations

from collections import deque

TRUNCATION_MARK = "\n[... {dropped} bytes of output dropped by the sandbox ...]\n"


class CappedOutput:
    """Accumulates a byte stream in at most `cap` bytes, whatever the stream's length."""

    def __init__(self, cap: int) -> None:
        self._head_cap = cap // 2
        self._tail_cap = cap - self._head_cap
        self._head = bytearray()
        self._tail: deque[bytes] = deque()
        self._tail_len = 0
        self.dropped = 0

    def write(self, data: bytes | memoryview) -> None:
        chunk = memoryview(data)  # slices below copy only what is kept
        room = self._head_cap - len(self._head)
        if room > 0:
            self._head += chunk[:room]
            chunk = chunk[room:]
        if not chunk:
            return
        if len(chunk) > self._tail_cap:
            self.dropped += len(chunk) - self._tail_cap
            chunk = chunk[len(chunk) - self._tail_cap :]
        self._tail.append(bytes(chunk))
        self._tail_len += len(chunk)
        # Trim whole chunks first, then slice the oldest, so the tail never exceeds its cap.
        while self._tail_len - len(self._tail[0]) >= self._tail_cap:
            self._tail_len -= len(self._tail[0])
            self.dropped += len(self._tail.popleft())
        excess = self._tail_len - self._tail_cap
        if excess > 0:
            self._tail[0] = self._tail[0][excess:]
            self._tail_len -= excess
            self.dropped += excess

    @property
    def truncated(self) -> bool:
        return self.dropped > 0

    def text(self) -> str:
        head = bytes(self._head).decode("utf-8", errors="replace")
        tail = b"".join(self._tail).decode("utf-8", errors="replace")
        if not self.truncated:
            return head + tail
        return head + TRUNCATION_MARK.format(dropped=self.dropped) + tail
