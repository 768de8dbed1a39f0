"""`apigen smoke` on a fork of the template: a passing run and a broken one, with JUnit XML."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from apigen.cli import main
from tests.conftest import REPO

pytestmark = pytest.mark.slow

ONE = ["--framework", "drf", "--auth", "none", "--database", "sqlite", "--redis", "false"]


def fork(tmp_path: Path) -> Path:
    """A template tree that is not apigen's own: a plain copy, as a fork's checkout would be."""
    root = tmp_path / "fork"
    root.mkdir()
    shutil.copy(REPO / "copier.yml", root / "copier.yml")
    shutil.copytree(REPO / "templates", root / "templates")
    return root


def test_smoke_of_a_fork_passes_and_writes_junit(tmp_path: Path, runner: CliRunner) -> None:
    junit = tmp_path / "smoke.xml"
    result = runner.invoke(
        main, ["smoke", "--template", str(fork(tmp_path)), *ONE, "-j", "1", "--junit", str(junit)]
    )
    assert result.exit_code == 0, result.output
    assert "drf-none-sqlite-noredis" in result.output
    assert "1 passed, 0 failed" in result.output
    suite = ET.parse(junit).getroot()
    assert suite.get("tests") == "1"
    assert suite.get("failures") == "0"
    (case,) = suite.iter("testcase")
    assert case.get("name") == "drf-none-sqlite-noredis"


def test_a_broken_fork_fails_naming_combination_and_step(tmp_path: Path, runner: CliRunner) -> None:
    root = fork(tmp_path)
    manage = next((root / "templates" / "drf").glob("manage.py*"))
    manage.write_text(manage.read_text(encoding="utf-8") + "\nimport os\n", encoding="utf-8")
    junit = tmp_path / "smoke.xml"
    result = runner.invoke(
        main, ["smoke", "--template", str(root), *ONE, "-j", "1", "--junit", str(junit)]
    )
    assert result.exit_code == 1
    assert "=== drf-none-sqlite-noredis: lint failed: `ruff check .` exited with 1" in result.output
    assert "manage.py" in result.output
    (failure,) = ET.parse(junit).getroot().iter("failure")
    assert failure.get("type") == "lint"
    assert "manage.py" in (failure.text or "")
