"""Generation speed, measured the way users get apigen: from a built wheel.

    uv run python benchmarks/generation.py [--runs N]

Builds the wheel, installs it into a fresh venv, then interleaves, run after run:
`apigen new` (whole process, defaults) against plain `copier copy` of the same template with
the same answers (from the installed template directory, and from this git checkout), and
`apigen --help`/`--version` against `python -c pass`. Prints medians, spreads (min-max) and the
ratios the goals are stated in; interleaving makes machine noise hit every side alike.
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
FRAMEWORKS = ("drf", "flask-restful")


def timed(command: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - started


def summary(samples: list[float]) -> str:
    return (
        f"median {statistics.median(samples) * 1000:7.1f} ms"
        f"  (min {min(samples) * 1000:6.1f}, max {max(samples) * 1000:6.1f})"
    )


def install_wheel(work: Path) -> Path:
    uv = shutil.which("uv") or "uv"
    dist = work / "dist"
    subprocess.run([uv, "build", "-q", "--wheel", "--out-dir", dist, REPO], check=True)
    venv = work / "venv"
    subprocess.run([uv, "venv", "-q", "--python", sys.executable, venv], check=True)
    wheel = next(dist.glob("*.whl"))
    subprocess.run([uv, "pip", "install", "-q", "--python", venv / "bin/python", wheel], check=True)
    return venv


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="apigen-bench-"))
    results: dict[str, list[float]] = {}

    def record(name: str, command: list[str]) -> None:
        results.setdefault(name, []).append(timed(command, work))

    try:
        venv = install_wheel(work)
        apigen, copier, python = (str(venv / "bin" / n) for n in ("apigen", "copier", "python"))
        installed = subprocess.run(
            [python, "-c", "from apigen.template import template_root; print(template_root())"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        for run in range(args.runs):
            for fw in FRAMEWORKS:
                answers = ["--data=project_name=svc", f"--data=framework={fw}"]
                copy = [copier, "copy", "--defaults", "--quiet", *answers]
                record(
                    f"apigen new ({fw})",
                    [
                        apigen,
                        "new",
                        "svc",
                        "--defaults",
                        f"--framework={fw}",
                        "--dir",
                        str(work / f"a-{fw}-{run}"),
                    ],
                )
                record(
                    f"copier copy, same dir ({fw})", [*copy, installed, str(work / f"c-{fw}-{run}")]
                )
                record(
                    f"copier copy, git ({fw})",
                    [*copy, "--vcs-ref=HEAD", str(REPO), str(work / f"g-{fw}-{run}")],
                )
            record("python -c pass", [python, "-c", "pass"])
            record("apigen --help", [apigen, "--help"])
            record("apigen --version", [apigen, "--version"])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(
        f"{args.runs} interleaved runs each; Python {sys.version.split()[0]}; apigen from a wheel"
    )
    for name, samples in results.items():
        print(f"  {name:<34} {summary(samples)}")
    median = {name: statistics.median(samples) for name, samples in results.items()}
    print("\nGoals:")
    for fw in FRAMEWORKS:
        for source in ("same dir", "git"):
            ratio = median[f"apigen new ({fw})"] / median[f"copier copy, {source} ({fw})"]
            verdict = "met" if ratio <= 1.0 else "NOT met"
            print(
                f"  apigen new / copier copy, {source} ({fw}): {ratio:.2f}x "
                f"(goal <= 1.00: {verdict})"
            )
    for what in ("apigen --help", "apigen --version"):
        delta = median[what] - median["python -c pass"]
        verdict = "met" if delta <= 0.1 else "NOT met"
        print(f"  {what} - python -c pass: {delta * 1000:+.0f} ms (goal <= +100 ms: {verdict})")


if __name__ == "__main__":
    main()
