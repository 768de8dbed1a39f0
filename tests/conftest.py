"""Fixtures shared by every tier: isolation from the user's machine and a CLI runner."""

from __future__ import annotations

import os
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
    monkeypatch.setenv("COPIER_SETTINGS_PATH", str(home / "copier-settings.yml"))


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
