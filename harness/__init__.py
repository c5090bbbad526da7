"""The agent loop: model providers, tools, budgets, metering, record and replay."""
