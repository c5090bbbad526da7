"""Sandbox speed, each figure against a bare Docker baseline measured in the same run.

- ready: DockerSandbox created with a worktree mounted, first `true` done, removed
  vs bare `docker run --rm IMAGE true`                                   (goal <= 1.5x)
- exec: `sandbox.exec("true")` in a live sandbox vs bare `docker exec CID true`   (goal <= 1.3x)
- pool: `WarmPool.acquire()` of a ready sandbox plus its first `true`
  vs bare `docker run --rm IMAGE true`                                   (goal <= 0.3x)

Medians of --rounds rounds (default 20). Run: `.venv/bin/python -m bench.sandbox [--rounds N]`
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from sandboxes.config import DockerSandboxConfig
from sandboxes.docker_engine import connect, require_image
from sandboxes.docker_sandbox import DockerSandbox
from sandboxes.pool import WarmPool

GOALS = {"ready": 1.5, "exec": 1.3, "pool": 0.3}


def median_seconds(action: Callable[[], object], rounds: int) -> float:
    action()  # warm-up: first-use costs (image layers in page cache, client pools) are not measured
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    cfg = DockerSandboxConfig()
    client = connect()
    require_image(client, cfg.image)
    run_id = f"bench-{uuid.uuid4().hex[:8]}"
    label = f"agent-factory.run={run_id}"

    def bare_run() -> None:
        subprocess.run(["docker", "run", "--rm", "--label", label, cfg.image, "true"], check=True)

    with tempfile.TemporaryDirectory(prefix="bench-sandbox-") as scratch:
        worktree = Path(scratch)

        def sandbox_ready() -> None:
            with DockerSandbox(cfg, worktree=worktree, run_id=run_id, client=client) as sandbox:
                sandbox.exec("true")

        results = {
            "ready": (
                median_seconds(sandbox_ready, args.rounds),
                median_seconds(bare_run, args.rounds),
            )
        }

        with DockerSandbox(cfg, worktree=worktree, run_id=run_id, client=client) as live:
            assert live.container_id is not None
            container_id = live.container_id

            def bare_exec() -> None:
                subprocess.run(["docker", "exec", container_id, "true"], check=True)

            results["exec"] = (
                median_seconds(lambda: live.exec("true"), args.rounds),
                median_seconds(bare_exec, args.rounds),
            )

    with WarmPool(cfg, size=1, run_id=run_id, client=client) as pool:
        samples = []
        for _ in range(args.rounds + 1):
            pool.wait_until_full(timeout=120)
            started = time.perf_counter()
            sandbox = pool.acquire()
            sandbox.exec("true")
            samples.append(time.perf_counter() - started)
            sandbox.remove()
            if sandbox.worktree is not None:
                shutil.rmtree(sandbox.worktree)
        results["pool"] = (statistics.median(samples[1:]), median_seconds(bare_run, args.rounds))

    print(f"sandbox benchmark, {args.rounds} rounds each, medians (image {cfg.image})")
    print(f"{'measure':<8}{'factory':>12}{'baseline':>12}{'ratio':>9}{'goal':>9}")
    for name, (ours, bare) in results.items():
        ratio = ours / bare
        verdict = "ok" if ratio <= GOALS[name] else "MISSED"
        print(
            f"{name:<8}{ours * 1000:>10.1f}ms{bare * 1000:>10.1f}ms{ratio:>8.2f}x"
            f"{'<= ' + str(GOALS[name]) + 'x':>9} {verdict}"
        )


if __name__ == "__main__":
    main()
