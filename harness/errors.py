"""What can go wrong in the harness, as exception types a caller can tell apart."""


class HarnessError(Exception):
    """Base of every error the harness raises on purpose."""


class ModelError(HarnessError):
    """The model provider could not give an answer. `run_agent` stops with reason `error`."""


class MissingAPIKeyError(ModelError):
    """The environment variable holding a provider's API key is not set."""


class ModelAuthError(ModelError):
    """The provider rejected the credentials (401/403); retrying will not help."""


class ModelRequestError(ModelError):
    """The provider refused the request as malformed or unacceptable (a 4xx other than 429)."""


class ModelUnavailableError(ModelError):
    """Rate limits, server errors, timeouts or dropped connections outlasted every retry."""


class CassetteError(HarnessError):
    """A cassette file is missing, malformed, or has no reply left to play."""


class ReplayMismatchError(HarnessError):
    """Strict replay saw a request that differs from the recorded one."""


class ToolError(Exception):
    """A tool call the model can correct: its message goes back to the model as the result."""
