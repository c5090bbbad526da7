"""structlog: JSON lines off a terminal, the run id on every line logged inside a run."""

import io
import json
import sys

import pytest

from factory.support.logs import bind_run, configure_logging, get_logger, resolve_format


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_auto_format_is_json_off_a_terminal_and_console_on_one() -> None:
    assert resolve_format("auto", io.StringIO()) == "json"
    assert resolve_format("auto", FakeTerminal()) == "console"
    assert resolve_format("json", FakeTerminal()) == "json"


def test_every_line_inside_a_run_carries_its_id_and_lines_outside_do_not() -> None:
    out = io.StringIO()
    configure_logging("json", stream=out)
    log = get_logger("factory.test")
    log.info("before")
    with bind_run("r-abc123", repo="demo"):
        log.info("plan.created", steps=3)
        get_logger("another.module").warning("tool.failed")
    log.info("after")
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["event"] for line in lines] == ["before", "plan.created", "tool.failed", "after"]
    assert [line.get("run_id") for line in lines] == [None, "r-abc123", "r-abc123", None]
    assert lines[1]["steps"] == 3 and lines[1]["repo"] == "demo"
    assert lines[2]["level"] == "warning" and lines[2]["logger"] == "another.module"


def test_console_format_is_readable_text_not_json() -> None:
    out = io.StringIO()
    configure_logging("console", stream=out)
    with bind_run("r-xyz"):
        get_logger().info("hello")
    text = out.getvalue()
    assert "hello" in text and "run_id=r-xyz" in text
    assert not text.lstrip().startswith("{")


def test_level_filter_drops_debug_lines() -> None:
    out = io.StringIO()
    configure_logging("json", level="info", stream=out)
    get_logger().debug("noise")
    get_logger().info("signal")
    assert [json.loads(line)["event"] for line in out.getvalue().splitlines()] == ["signal"]


def test_logs_follow_stderr_after_a_borrowed_stream_is_closed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    borrowed = io.StringIO()
    monkeypatch.setattr(sys, "stderr", borrowed)
    configure_logging("json")
    get_logger("test").info("while borrowed")
    borrowed.close()
    monkeypatch.undo()
    get_logger("test").info("after the borrower closed its stream")
    assert "after the borrower closed its stream" in capsys.readouterr().err
