"""Time a smoke run and break it down by step: what dominates `apigen smoke`?

    uv run python benchmarks/smoke.py [--covering] [-j N] [apigen smoke filters...]

Runs the selected combinations (default: all) exactly as `apigen smoke` does, then prints the
wall time, the sum of each step over all combinations and its share, and the slowest
combinations. Run it twice to see the warm-cache figure (environments are reused across runs).
"""

from __future__ import annotations

import argparse
import os
import time
from collections import defaultdict

from apigen import smoke
from apigen.runner import run_all


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--covering", action="store_true")
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count())
    for name in ("framework", "auth", "database", "redis"):
        parser.add_argument(f"--{name}", action="append", default=[])
    args = parser.parse_args()
    filters = {k: tuple(getattr(args, k)) for k in ("framework", "auth", "database", "redis")}
    chosen = smoke.select(filters, covering=args.covering)
    started = time.perf_counter()
    results = run_all(chosen, jobs=args.jobs)
    wall = time.perf_counter() - started

    per_step: dict[str, float] = defaultdict(float)
    for result in results:
        for step in result.steps:
            per_step[step.name] += step.seconds
    busy = sum(per_step.values())
    print(
        f"\n{len(results)} combinations, -j {args.jobs}: wall {wall:.1f} s, "
        f"step time {busy:.1f} s (parallel efficiency {busy / wall / args.jobs:.0%})"
    )
    print("step      total s   share  mean s/combination")
    for step in smoke.STEPS:
        total = per_step.get(step, 0.0)
        print(f"{step:<8} {total:8.1f}  {total / busy:6.1%}  {total / len(results):8.1f}")
    slowest = sorted(results, key=lambda r: r.seconds, reverse=True)[:5]
    print("slowest: " + ", ".join(f"{r.combination.id} {r.seconds:.0f}s" for r in slowest))


if __name__ == "__main__":
    main()
