"""build_model: a `[models.<role>]` table in, the right ChatModel out."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.build import build_model
from harness.config import AnthropicConfig, ReplayConfig
from harness.errors import CassetteError, MissingAPIKeyError
from harness.replay import RecordingModel, ReplayModel


def test_replay_provider_plays_its_cassette(tmp_path: Path) -> None:
    cassette = tmp_path / "c.jsonl"
    cassette.write_text('{"reply": {"text": "hi"}}\n')
    config = ReplayConfig(provider="replay", model="claude-sonnet-5-5", cassette=str(cassette))
    model = build_model(config)
    assert isinstance(model, ReplayModel) and model.name == "claude-sonnet-5-5"
    assert model.complete([], [], system="").text == "hi"


def test_replay_provider_without_cassette_says_what_to_add() -> None:
    with pytest.raises(CassetteError, match='needs cassette = "path/to/run.jsonl"'):
        build_model(ReplayConfig(provider="replay"))


def test_record_wraps_the_model(tmp_path: Path) -> None:
    cassette = tmp_path / "c.jsonl"
    cassette.write_text('{"reply": {"text": "hi"}}\n')
    config = ReplayConfig(provider="replay", cassette=str(cassette))
    model = build_model(config, record=tmp_path / "out" / "rec.jsonl")
    assert isinstance(model, RecordingModel)
    model.complete([], [], system="s")
    assert '"text": "hi"' in (tmp_path / "out" / "rec.jsonl").read_text()


def test_real_provider_without_key_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    with pytest.raises(MissingAPIKeyError, match="ANTHROPIC_API_KEY"):
        build_model(AnthropicConfig(provider="anthropic"))
