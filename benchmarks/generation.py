"""Generation speed: `apigen new` against plain `copier copy`, and `apigen --help` against
`python -c pass`, interleaved in one run so that machine noise hits both sides alike.

    uv run python benchmarks/generation.py [--runs N]

Prints the median and spread (min-max) of each, and the ratios the goals are stated in.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ANSWERS = {
    "drf": ["framework=drf", "orm=django"],
    "flask-restful": ["framework=flask-restful", "orm=sqlalchemy"],
}


def timed(command: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - started


def summary(samples: list[float]) -> str:
    return (
        f"median {statistics.median(samples) * 1000:7.1f} ms"
        f"  (min {min(samples) * 1000:6.1f}, max {max(samples) * 1000:6.1f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="apigen-bench-"))
    results: dict[str, list[float]] = {}
    try:
        for run in range(args.runs):
            for framework, answers in ANSWERS.items():
                data = [f"--data={a}" for a in answers]
                target = work / f"a-{framework}-{run}"
                apigen = [str(BIN / "apigen"), "new", "svc", "--defaults", "--dir", str(target)]
                apigen += [f"--framework={framework}"]
                copier = [
                    str(BIN / "copier"),
                    "copy",
                    "--defaults",
                    "--quiet",
                    "--vcs-ref=HEAD",
                    "--data=project_name=svc",
                    *data,
                    str(REPO),
                    str(work / f"c-{framework}-{run}"),
                ]
                results.setdefault(f"apigen new ({framework})", []).append(timed(apigen, work))
                results.setdefault(f"copier copy ({framework})", []).append(timed(copier, work))
            results.setdefault("python -c pass", []).append(
                timed([sys.executable, "-c", "pass"], work)
            )
            results.setdefault("apigen --help", []).append(
                timed([str(BIN / "apigen"), "--help"], work)
            )
            results.setdefault("apigen --version", []).append(
                timed([str(BIN / "apigen"), "--version"], work)
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{args.runs} interleaved runs each, on {sys.platform}, Python {sys.version.split()[0]}")
    for name, samples in results.items():
        print(f"  {name:<28} {summary(samples)}")
    median = {name: statistics.median(samples) for name, samples in results.items()}
    print("\nGoals:")
    for framework in ANSWERS:
        ratio = median[f"apigen new ({framework})"] / median[f"copier copy ({framework})"]
        verdict = "met" if ratio <= 1.0 else "NOT met"
        print(f"  apigen new / copier copy ({framework}): {ratio:.2f}x  (goal <= 1.00: {verdict})")
    for what in ("apigen --help", "apigen --version"):
        delta = median[what] - median["python -c pass"]
        verdict = "met" if delta <= 0.1 else "NOT met"
        print(f"  {what} - python -c pass: {delta * 1000:+.0f} ms  (goal <= +100 ms: {verdict})")


if __name__ == "__main__":
    main()
