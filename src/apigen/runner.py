"""Run many smoke combinations in parallel and report on them."""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from apigen import report, smoke


def run_all(
    combinations: Sequence[smoke.Combination],
    *,
    template: Path | None = None,
    jobs: int | None = None,
    junit: Path | None = None,
    keep: bool = False,
    python: str | None = None,
    echo: Callable[[str], None] = print,
) -> list[smoke.Result]:
    """Smoke every combination, up to ``jobs`` at once; print progress and a summary.

    Returns:
        Each combination's result, in the order given.
    """
    jobs = jobs or os.cpu_count() or 1
    workdir = smoke.default_workdir()
    environments = smoke.Environments(smoke.default_env_root(), python)
    live = sys.stdout.isatty() and not os.environ.get("CI")
    echo(f"Smoking {len(combinations)} combination(s), {jobs} at a time, in {workdir}")
    started = time.perf_counter()
    results: list[smoke.Result] = []
    with report.Progress(len(combinations), sys.stdout, live) as progress:

        def one(combination: smoke.Combination) -> smoke.Result:
            result = smoke.run_combination(
                combination, workdir, environments, template=template, on_step=progress.step
            )
            progress.finished(result)
            if not keep:
                shutil.rmtree(workdir / combination.id, ignore_errors=True)
            return result

        with ThreadPoolExecutor(max_workers=jobs) as pool:
            results = list(pool.map(one, combinations))
    seconds = time.perf_counter() - started
    echo("")
    echo(report.summary_table(results))
    failed = [r for r in results if not r.ok]
    echo(f"\n{len(results) - len(failed)} passed, {len(failed)} failed in {seconds:.1f} s")
    if failed:
        echo("\n" + report.failure_details(results))
    if junit:
        report.write_junit(results, junit, seconds)
        echo(f"JUnit XML written to {junit}")
    if keep:
        echo(f"Projects and logs kept in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return results
