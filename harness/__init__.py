"""The agent loop: model providers, tools, budgets, metering, record and replay.

Nothing is re-exported here: the provider SDKs take seconds to import and `factory.config`
reads `harness.config` on every CLI start, so callers import each name from its module.

- `loop`: `run_agent`, one agent's turns until it submits or a limit stops it (`StopReason`).
- `stuck`: the stuck detector, the patterns of an agent going round in circles (`[stuck]`).
- `model`, `messages`: the `ChatModel` protocol and the messages, tool calls and usage it trades.
- `config`, `build`: the `[models.*]`, `[budgets]` and `[pricing]` tables as pure data, and
  `build_model`, which turns a provider's table into its model.
- `anthropic_model`, `openai_model`, `sdk_model`, `provider_errors`: the SDK-backed providers.
- `replay`: cassettes, played (`ReplayModel`) and recorded (`RecordingModel`).
- `budget`, `pricing`, `retry`: a run's limits and spend, the price table, backoff on 429/5xx.
- `tools/`: the confined file tools and the sandbox command tool.
- `events`, `context`, `redact`, `errors`: what the loop reports, history trimming, secret
  redaction, the harness's errors.
"""
