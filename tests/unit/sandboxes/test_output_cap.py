from hypothesis import given
from hypothesis import strategies as st

from sandboxes.output import CappedOutput


def test_short_output_is_kept_whole_and_not_marked() -> None:
    out = CappedOutput(100)
    out.write(b"hello ")
    out.write(b"world")
    assert out.text() == "hello world"
    assert not out.truncated


def test_long_output_keeps_head_and_tail_and_marks_the_gap() -> None:
    out = CappedOutput(20)
    out.write(b"HEAD-" + b"x" * 1000 + b"-TAIL")
    text = out.text()
    assert text.startswith("HEAD-")
    assert text.endswith("-TAIL")
    assert out.truncated
    assert "990 bytes of output dropped" in text


@given(chunks=st.lists(st.binary(max_size=300), max_size=40), cap=st.integers(2, 128))
def test_kept_bytes_never_exceed_cap_and_account_for_every_byte(
    chunks: list[bytes], cap: int
) -> None:
    out = CappedOutput(cap)
    for chunk in chunks:
        out.write(chunk)
    total = b"".join(chunks)
    kept = len(out._head) + sum(len(c) for c in out._tail)
    assert kept <= cap
    assert kept + out.dropped == len(total)
    assert bytes(out._head) == total[: len(out._head)]
    tail = b"".join(out._tail)
    assert total.endswith(tail)
