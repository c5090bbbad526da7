"""`build_model`: a `[models.<role>]` config in, a ready `ChatModel` out."""

from __future__ import annotations

from pathlib import Path

from harness.config import ModelConfig
from harness.errors import CassetteError
from harness.model import ChatModel
from harness.replay import RecordingModel, ReplayModel
from harness.retry import RetryPolicy


def build_model(
    config: ModelConfig, *, record: Path | None = None, retry: RetryPolicy | None = None
) -> ChatModel:
    """The provider `config` names; with `record`, every exchange is also written there."""
    model: ChatModel
    # Imported on demand: each provider SDK costs seconds of start-up.
    if config.provider == "anthropic":
        from harness.anthropic_model import AnthropicModel

        model = AnthropicModel(config, retry=retry)
    elif config.provider == "openai":
        from harness.openai_model import OpenAIModel

        model = OpenAIModel(config, retry=retry)
    else:
        if config.cassette is None:
            raise CassetteError(
                'provider = "replay" needs cassette = "path/to/run.jsonl" in its [models] table'
            )
        model = ReplayModel(config.cassette, mode=config.replay_mode, name=config.model)
    return RecordingModel(model, record) if record is not None else model
