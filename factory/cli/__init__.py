"""The `factory` command line. Thin: each command parses, calls one core function, renders."""

from factory.cli import sandbox as _sandbox  # noqa: F401  (registers `factory sandbox`)
from factory.cli.app import app


def main() -> None:
    app()


__all__ = ["app", "main"]
