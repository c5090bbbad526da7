"""Package re-exports that load on first use (PEP 562 module `__getattr__`).

`factory.git`, `factory.store` and `factory.forges` re-export names whose modules are slow to
import (SQLAlchemy, GitPython, PyGithub) while the CLI must start fast; the outer packages
(`harness`, `policies`) export nothing lazily, so only `factory/` needs this.
"""

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def lazy_exports(
    package: str, homes: Mapping[str, tuple[str, ...]], namespace: dict[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The `__getattr__` and `__dir__` of `package`, which export the names in `homes`
    (module -> names) and import each module the first time one of its names is read."""
    home_of = {name: module for module, names in homes.items() for name in names}

    def __getattr__(name: str) -> Any:
        if name not in home_of:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(home_of[name]), name)
        namespace[name] = value  # later lookups skip this function
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *home_of})

    return __getattr__, __dir__
