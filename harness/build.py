"""`build_model`: a `[models.<role>]` config in, a ready `ChatModel` out."""

from __future__ import annotations

from pathlib import Path

from harness.config import AnthropicConfig, OpenAIConfig, ProviderConfig, ReplayConfig
from harness.errors import CassetteError
from harness.model import ChatModel
from harness.replay import RecordingModel, ReplayModel
from harness.retry import RetryPolicy


def build_model(
    config: ProviderConfig, *, record: Path | None = None, retry: RetryPolicy | None = None
) -> ChatModel:
    """The provider `config` names; with `record`, every exchange is also written there."""
    model = provider_model(config, retry=retry)
    return RecordingModel(model, record) if record is not None else model


def provider_model(config: ProviderConfig, *, retry: RetryPolicy | None = None) -> ChatModel:
    """The provider's own model, without recording. The SDKs cost seconds to import, so each
    is imported only when its provider is chosen."""
    if isinstance(config, AnthropicConfig):
        from harness.anthropic_model import AnthropicModel

        return AnthropicModel(config, retry=retry)
    if isinstance(config, OpenAIConfig):
        from harness.openai_model import OpenAIModel

        return OpenAIModel(config, retry=retry)
    assert isinstance(config, ReplayConfig)
    if config.cassette is None:
        raise CassetteError(
            'provider = "replay" needs cassette = "path/to/run.jsonl" in its [models] table'
        )
    return ReplayModel(config.cassette, mode=config.replay_mode, name=config.model)
