"""Fixtures shared by every tier: isolation from the user's machine and a CLI runner."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _isolated(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the user's git identity, git hooks and copier settings out of every test."""
    home = tmp_path_factory.getbasetemp() / "home"
    home.mkdir(exist_ok=True)
    gitconfig = home / ".gitconfig"
    if not gitconfig.exists():
        gitconfig.write_text(
            "[user]\n\tname = apigen tests\n\temail = tests@apigen.invalid\n"
            "[init]\n\tdefaultBranch = main\n",
            encoding="utf-8",
        )
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    settings = home / "copier-settings.yml"
    settings.write_text("{}\n", encoding="utf-8")
    monkeypatch.setenv("COPIER_SETTINGS_PATH", str(settings))


@pytest.fixture
def runner() -> CliRunner:
    """A Click runner for the apigen CLI."""
    return CliRunner()


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run the test from an empty temporary directory."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def server_required(name: str) -> None:
    """Skip outside CI when a server is absent; under CI=true its absence is a failure."""
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"{name} is not reachable on 127.0.0.1 and CI=true: start it")
    pytest.skip(f"{name} is not reachable on 127.0.0.1")


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True
    ).stdout


def add_dependency(project: Path, requirement: str) -> None:
    """What an owner does to pyproject.toml: one more runtime dependency, first in the list."""
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    pyproject.write_text(
        text.replace("dependencies = [", f'dependencies = [\n    "{requirement}",', 1),
        encoding="utf-8",
    )


def commit_all(cwd: Path, message: str) -> None:
    git(cwd, "add", "--all")
    git(cwd, "commit", "--quiet", "-m", message)


@pytest.fixture
def template(tmp_path: Path) -> Path:
    """A template repository holding apigen's template, tagged v1.0.0."""
    repo = tmp_path / "template"
    repo.mkdir()
    shutil.copy(REPO / "copier.yml", repo / "copier.yml")
    shutil.copytree(REPO / "templates", repo / "templates")
    git(repo, "init", "--quiet", "--initial-branch=main")
    commit_all(repo, "template 1.0.0")
    git(repo, "tag", "v1.0.0")
    return repo


def release_v2(template: Path, *, readme_line: str | None = None) -> None:
    """Version 1.1.0: a new file, an extra .gitignore line, optionally a README change."""
    for framework in ("drf", "flask_restful"):
        root = template / "templates" / framework
        (root / "CODEOWNERS").write_text("* @platform-team\n", encoding="utf-8")
        with next(root.glob(".gitignore*")).open("a", encoding="utf-8") as handle:
            handle.write(".apigen-v2-cache/\n")
        readme = next(root.glob("README.md*"))
        if readme_line is not None:
            lines = readme.read_text(encoding="utf-8").splitlines(keepends=True)
            lines.insert(1, readme_line + "\n")
            readme.write_text("".join(lines), encoding="utf-8")
    commit_all(template, "template 1.1.0")
    git(template, "tag", "v1.1.0")
