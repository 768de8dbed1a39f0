"""A plain (non-editable) install of the built wheel can generate a project."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO

pytestmark = pytest.mark.slow

UV = Path(sys.executable).parent / "uv"


def run(*args: str | Path, cwd: Path) -> str:
    result = subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_wheel_carries_the_templates_and_generates(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    run(UV, "build", "--wheel", "--out-dir", dist, REPO, cwd=tmp_path)
    wheel = next(dist.glob("apigen-*.whl"))
    venv = tmp_path / "venv"
    run(UV, "venv", "--quiet", venv, cwd=tmp_path)
    run(UV, "pip", "install", "--quiet", "--python", venv / "bin" / "python", wheel, cwd=tmp_path)
    apigen = venv / "bin" / "apigen"
    work = tmp_path / "work"
    work.mkdir()
    env_check = {**os.environ}
    assert "apigen" not in env_check.get("PYTHONPATH", "")
    for framework in ("drf", "flask-restful"):
        run(apigen, "new", f"svc-{framework}", "--defaults", "--framework", framework, cwd=work)
        project = work / f"svc-{framework}"
        answers = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
        assert answers["framework"] == framework
        assert (project / "README.md").is_file()
        assert (project / "pyproject.toml").is_file()
    # The installed package is the wheel, not this checkout.
    where = run(venv / "bin" / "python", "-c", "import apigen; print(apigen.__file__)", cwd=work)
    assert str(REPO) not in where
