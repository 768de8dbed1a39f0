"""Progress, summary table and JUnit XML for ``apigen smoke``."""

from __future__ import annotations

import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from apigen.smoke import STEPS, TAIL_LINES, Combination, Result


class Progress:
    """Shows what is running.

    On a terminal: a live line per running combination and an overall bar, redrawn in place.
    Elsewhere (CI logs): one plain line per finished step.
    """

    def __init__(self, total: int, stream: TextIO, live: bool) -> None:
        self.total = total
        self.stream = stream
        self.live = live
        self.done = 0
        self.failed = 0
        self.running: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()
        self._drawn = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._redraw_loop, daemon=True)

    def __enter__(self) -> Progress:
        if self.live:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self.live:
            self._thread.join()
            with self._lock:
                self._clear()

    def step(self, combination: Combination, step: str) -> None:
        """A combination starts a step."""
        with self._lock:
            self.running[combination.id] = (step, time.monotonic())
        if not self.live:
            self.write(f"[{self.done}/{self.total}] {combination.id}: {step}")

    def finished(self, result: Result) -> None:
        """A combination is done."""
        with self._lock:
            self.running.pop(result.combination.id, None)
            self.done += 1
            self.failed += not result.ok
            failed = result.failed_step
            verdict = "ok" if failed is None else f"FAILED at {failed.name}"
            line = f"[{self.done}/{self.total}] {result.combination.id}: {verdict}"
            line += f" ({result.seconds:.1f} s)"
            if self.live:
                self._clear()
            self.write(line)

    def write(self, text: str) -> None:
        """Write whole lines."""
        self.stream.write(text + "\n")
        self.stream.flush()

    def _clear(self) -> None:
        if self._drawn:
            # Up to the first drawn line, then erase to the end of the screen.
            self.stream.write(f"\x1b[{self._drawn}F\x1b[J")
            self._drawn = 0

    def _redraw_loop(self) -> None:
        while not self._stop.wait(0.5):
            with self._lock:
                self._clear()
                now = time.monotonic()
                lines = [
                    f"  {cid}: {step} ({now - started:.0f} s)"
                    for cid, (step, started) in sorted(self.running.items())
                ]
                width = 30
                filled = width * self.done // max(self.total, 1)
                lines.append(
                    f"  [{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total}"
                    f"  failed: {self.failed}"
                )
                self.write("\n".join(lines))
                self._drawn = len(lines)


def summary_table(results: Sequence[Result]) -> str:
    """A plain-text table: each combination, each step's verdict and the time."""
    header = ["combination", *STEPS, "time"]
    rows = [header]
    for result in results:
        verdicts = {s.name: ("ok" if s.ok else "FAIL") for s in result.steps}
        rows.append(
            [
                result.combination.id,
                *(verdicts.get(step, "-") for step in STEPS),
                f"{result.seconds:.1f}s",
            ]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def failure_details(results: Sequence[Result]) -> str:
    """For each failed combination: the step, the message and the tail of the output."""
    parts = []
    for result in results:
        failed = result.failed_step
        if failed is None:
            continue
        tail = "\n".join(failed.output.splitlines()[-TAIL_LINES:])
        parts.append(
            f"=== {result.combination.id}: {failed.name} failed: {failed.message}\n{tail}".rstrip()
        )
    return "\n\n".join(parts)


def write_junit(results: Sequence[Result], path: Path, seconds: float) -> None:
    """Write JUnit XML: one test case per combination, the failed step as its failure."""
    suite = ET.Element(
        "testsuite",
        name="apigen-smoke",
        tests=str(len(results)),
        failures=str(sum(not r.ok for r in results)),
        errors="0",
        time=f"{seconds:.3f}",
    )
    for result in results:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"apigen.smoke.{result.combination.answers['framework']}",
            name=result.combination.id,
            time=f"{result.seconds:.3f}",
        )
        failed = result.failed_step
        if failed is not None:
            failure = ET.SubElement(
                case, "failure", message=f"{failed.name}: {failed.message}", type=failed.name
            )
            failure.text = "\n".join(failed.output.splitlines()[-TAIL_LINES * 4 :])
        steps = ", ".join(f"{s.name}={s.seconds:.1f}s" for s in result.steps)
        ET.SubElement(case, "system-out").text = steps
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)
