"""Run every benchmark module's `main()` (or the ones named on the command line)."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
import traceback
from pathlib import Path


def discover() -> list[str]:
    return sorted(
        info.name
        for info in pkgutil.iter_modules([str(Path(__file__).parent)])
        if not info.name.startswith("_")
    )


def run(names: list[str]) -> int:
    failed: list[str] = []
    for name in names:
        print(f"== bench.{name}", flush=True)
        started = time.perf_counter()
        # Each module parses its own options; it sees no arguments meant for this runner.
        sys.argv = [f"bench.{name}"]
        try:
            importlib.import_module(f"bench.{name}").main()
        except Exception:  # one broken benchmark must not hide the others' numbers
            traceback.print_exc()
            failed.append(name)
        print(f"== bench.{name} took {time.perf_counter() - started:.1f}s\n", flush=True)
    if failed:
        print(f"benchmarks that failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


def main() -> int:
    available = discover()
    wanted = sys.argv[1:] or available
    unknown = [name for name in wanted if name not in available]
    if unknown:
        print(
            f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(available)}",
            file=sys.stderr,
        )
        return 2
    return run(wanted)


if __name__ == "__main__":
    sys.exit(main())
