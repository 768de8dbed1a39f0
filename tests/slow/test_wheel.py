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
    # The resource templates are in the wheel too (a dry run renders every one of them).
    output = run(
        apigen, "add", "resource", "authors", "name:string", "--dry-run", cwd=work / "svc-drf"
    )
    assert "A resources/authors/models.py" in output
    # The installed package is the wheel, not this checkout.
    where = run(venv / "bin" / "python", "-c", "import apigen; print(apigen.__file__)", cwd=work)
    assert str(REPO) not in where


def install(wheel_source: Path, tmp_path: Path, name: str) -> Path:
    """Build a wheel of ``wheel_source`` and install it into a fresh venv; its ``bin``."""
    dist = tmp_path / f"dist-{name}"
    run(UV, "build", "--wheel", "--out-dir", dist, wheel_source, cwd=tmp_path)
    venv = tmp_path / f"venv-{name}"
    run(UV, "venv", "--quiet", venv, cwd=tmp_path)
    wheel = next(dist.glob("apigen-*.whl"))
    run(UV, "pip", "install", "--quiet", "--python", venv / "bin" / "python", wheel, cwd=tmp_path)
    return venv / "bin"


def test_a_newer_wheel_updates_a_project_an_older_wheel_made(tmp_path: Path) -> None:
    """Two releases of apigen, each from its own wheel; the project moves between machines."""
    source = tmp_path / "apigen"
    run("git", "clone", "--quiet", "--no-hardlinks", REPO, source, cwd=tmp_path)
    # The clone has the committed tree; bring in the working tree as the first release.
    run(
        "rsync",
        "-a",
        "--delete",
        "--exclude=.git",
        "--exclude=.venv",
        f"{REPO}/",
        source,
        cwd=tmp_path,
    )
    run("git", "add", "--all", cwd=source)
    run("git", "commit", "--quiet", "--allow-empty", "-m", "release 1.0.0", cwd=source)
    run("git", "tag", "v1.0.0", cwd=source)
    old = install(source, tmp_path, "old")

    work = tmp_path / "machine-a"
    work.mkdir()
    run(old / "apigen", "new", "shop", "--defaults", "--framework", "flask-restful", cwd=work)
    project = work / "shop"
    readme = project / "README.md"
    readme.write_text(
        readme.read_text(encoding="utf-8") + "\nOwned by the shop team.\n", encoding="utf-8"
    )
    run("git", "commit", "--quiet", "-am", "Our note", cwd=project)

    template = source / "templates" / "flask_restful"
    (template / "CODEOWNERS").write_text("* @platform-team\n", encoding="utf-8")
    run("git", "add", "--all", cwd=source)
    run("git", "commit", "--quiet", "-m", "release 1.1.0", cwd=source)
    run("git", "tag", "v1.1.0", cwd=source)
    new = install(source, tmp_path, "new")

    # Another machine: the project is cloned elsewhere, the old wheel and its source are gone.
    moved = tmp_path / "machine-b" / "shop"
    run("git", "clone", "--quiet", project, moved, cwd=tmp_path)
    for gone in (old.parent, source, work):
        subprocess.run(["rm", "-rf", str(gone)], check=True)
    output = run(new / "apigen", "update", cwd=moved)
    assert "updated v1.0.0 -> v1.1.0" in output
    assert (moved / "CODEOWNERS").read_text(encoding="utf-8") == "* @platform-team\n"
    assert "Owned by the shop team." in (moved / "README.md").read_text(encoding="utf-8")
    answers = yaml.safe_load((moved / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert answers["_commit"] == "v1.1.0"
