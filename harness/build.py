"""`build_model`: a `[models.<role>]` config in, a ready `ChatModel` out."""

from __future__ import annotations

from pathlib import Path

from harness.config import ProviderConfig
from harness.model import ChatModel
from harness.replay import RecordingModel
from harness.retry import RetryPolicy


def build_model(
    config: ProviderConfig, *, record: Path | None = None, retry: RetryPolicy | None = None
) -> ChatModel:
    """The provider `config` names; with `record`, every exchange is also written there."""
    model = config.build(retry=retry)
    return RecordingModel(model, record) if record is not None else model
