"""Errors the sandbox layer raises; each message is one line that says what to do."""


class SandboxError(RuntimeError):
    """Base of every sandbox failure."""


class EngineUnavailable(SandboxError):
    """The Docker engine cannot be reached."""


class ImageMissing(SandboxError):
    """The configured image is not present on the engine."""


class ImageLacksTools(SandboxError):
    """The image starts but is missing a tool the sandbox needs."""


class SetupFailed(SandboxError):
    """A repository's setup command failed while building its cached image."""


class BuildFailed(SandboxError):
    """The offline base-image builder could not finish."""
