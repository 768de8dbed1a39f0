"""Generation speed, measured the way users get apigen: from a built wheel.

    uv run python benchmarks/generation.py [--runs N]

Builds the wheel, installs it into a fresh venv compiled to bytecode (as pip and pipx install),
then interleaves, run after run:
- `apigen new` with every answer given as a flag, outside any git repository (so it also makes
  the repository and its first commit), against `copier copy --data-file` of the installed
  template directory with the same answers: the goal is apigen at most 1.0x Copier;
- `apigen new` inside an existing work tree (a monorepo: no repository is made), for scale;
- `apigen --help`/`--version` against `python -c pass`: the goal is at most +100 ms.

Each command is timed twice: wall clock (what a person waits) and CPU time, user plus system,
of the process and everything it started (steadier on a shared machine, where waiting for a
core inflates wall time). Interleaving makes machine noise hit every side alike; medians and
spreads are printed with the ratios.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ANSWERS = {
    "drf": {"framework": "drf", "orm": "django"},
    "flask-restful": {"framework": "flask-restful", "orm": "sqlalchemy"},
}
COMMON = {"auth": "jwt", "database": "postgresql", "redis": True, "docker": True, "ci": "github"}


def timed(command: list[str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU seconds (user + system, children included) of one run of ``command``."""
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status):
            errors.seek(0)
            raise SystemExit(f"{' '.join(command)} failed:\n{errors.read().decode()}")
    return wall, usage.ru_utime + usage.ru_stime


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
    # As pip and pipx install it: compiled to bytecode, which a machine that sets
    # PYTHONDONTWRITEBYTECODE would otherwise recompile on every run, on both sides.
    install = [uv, "pip", "install", "-q", "--compile-bytecode", "--python", venv / "bin/python"]
    subprocess.run([*install, wheel], check=True)
    return venv


def flags(answers: dict[str, str | bool]) -> list[str]:
    out = []
    for name, value in answers.items():
        if isinstance(value, bool):
            out.append(f"--{name}" if value else f"--no-{name}")
        else:
            out.append(f"--{name}={value}")
    return out


def data_file(work: Path, framework: str, answers: dict[str, str | bool]) -> Path:
    path = work / f"answers-{framework}.yml"
    lines = ["project_name: svc", *(f"{k}: {str(v).lower()}" for k, v in answers.items())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="apigen-bench-"))
    wall: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}

    def record(name: str, command: list[str], cwd: Path = work) -> None:
        w, c = timed(command, cwd)
        wall.setdefault(name, []).append(w)
        cpu.setdefault(name, []).append(c)

    try:
        venv = install_wheel(work)
        apigen, copier, python = (str(venv / "bin" / n) for n in ("apigen", "copier", "python"))
        installed = subprocess.run(
            [python, "-c", "from apigen.template import template_root; print(template_root())"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        monorepo = work / "monorepo"
        monorepo.mkdir()
        subprocess.run(["git", "init", "--quiet"], cwd=monorepo, check=True)
        for run in range(args.runs):
            for fw, own in ANSWERS.items():
                answers = {**own, **COMMON}
                record(
                    f"apigen new ({fw})",
                    [apigen, "new", "svc", *flags(answers), "--dir", str(work / f"a-{fw}-{run}")],
                )
                record(
                    f"copier copy --data-file ({fw})",
                    [
                        *(copier, "copy", "--defaults", "--quiet"),
                        *("--data-file", str(data_file(work, fw, answers))),
                        *(installed, str(work / f"c-{fw}-{run}")),
                    ],
                )
                record(
                    f"apigen new in a monorepo ({fw})",
                    [apigen, "new", "svc", *flags(answers), "--dir", f"m-{fw}-{run}"],
                    monorepo,
                )
            record("python -c pass", [python, "-c", "pass"])
            record("apigen --help", [apigen, "--help"])
            record("apigen --version", [apigen, "--version"])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(
        f"{args.runs} interleaved runs each; Python {sys.version.split()[0]}; apigen from a wheel"
    )
    for title, results in (("Wall clock", wall), ("CPU (user + system)", cpu)):
        print(f"\n{title}:")
        for name, samples in results.items():
            print(f"  {name:<38} {summary(samples)}")
    print("\nGoals:")
    for title, results in (("wall", wall), ("cpu", cpu)):
        median = {name: statistics.median(samples) for name, samples in results.items()}
        for fw in ANSWERS:
            ratio = median[f"apigen new ({fw})"] / median[f"copier copy --data-file ({fw})"]
            verdict = "met" if ratio <= 1.0 else "NOT met"
            print(
                f"  {title}: apigen new / copier copy --data-file ({fw}): {ratio:.2f}x "
                f"(goal <= 1.00: {verdict})"
            )
    median = {name: statistics.median(samples) for name, samples in wall.items()}
    for what in ("apigen --help", "apigen --version"):
        delta = median[what] - median["python -c pass"]
        verdict = "met" if delta <= 0.1 else "NOT met"
        print(
            f"  wall: {what} - python -c pass: {delta * 1000:+.0f} ms (goal <= +100 ms: {verdict})"
        )


if __name__ == "__main__":
    main()
