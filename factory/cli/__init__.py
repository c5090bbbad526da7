"""The `factory` command line. Thin: each command parses, calls one core function, renders."""

from factory.cli import audit as _audit  # noqa: F401  (registers `factory audit`)
from factory.cli import config as _config  # noqa: F401  (registers `factory config`)
from factory.cli import doctor as _doctor  # noqa: F401  (registers `factory doctor`)
from factory.cli import runs as _runs  # noqa: F401  (registers `factory runs`)
from factory.cli import sandbox as _sandbox  # noqa: F401  (registers `factory sandbox`)
from factory.cli.app import app


def main() -> None:
    app()


__all__ = ["app", "main"]
