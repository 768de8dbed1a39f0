"""Every way a new user starts apigen, run as that user would: fresh clone, installed tool.

Each test runs with an empty ``HOME`` (no uv cache, no git identity, no tool config) and only
the machine's Python and the system directories on ``PATH``, so nothing this checkout or its
environment provides can hide a missing step.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from apigen.generate import readme_commands
from tests.conftest import REPO

pytestmark = pytest.mark.slow

# The machine's interpreter (this environment's base), not the environment apigen runs in.
MACHINE_PYTHON_BIN = Path(os.path.realpath(sys._base_executable)).parent
_DROPPED = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM")


def new_user_environment(home: Path) -> dict[str, str]:
    """The environment of someone who just logged in: empty HOME, a bare PATH."""
    home.mkdir(parents=True, exist_ok=True)
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in _DROPPED
        and not key.startswith(("UV_", "XDG_", "PYTEST_", "COPIER_", "APIGEN_"))
    }
    env.update(HOME=str(home), PATH=f"{MACHINE_PYTHON_BIN}:/usr/bin:/bin")
    return env


def sh(command: str, cwd: Path, env: dict[str, str], timeout: float = 900) -> str:
    """Run ``command`` with bash exactly as written; fail with its output if it fails."""
    result = subprocess.run(
        ["bash", "-c", command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, f"$ {command}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def readme_first_command() -> str:
    """README.md's first command, read from the README itself (never a copy of it)."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"^```bash\n(.*?)^```", readme, re.M | re.S)
    assert block, "README.md starts with no bash block"
    return block.group(1).strip().splitlines()[0]


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True
    ).stdout


def run_own_tests(project: Path, env: dict[str, str], tmp_path: Path) -> None:
    """The project's own test command, as its README gives it.

    Its pytest gets a temporary root of its own: pytest sessions that share one (the default,
    ``/tmp/pytest-of-$USER``) prune each other's old directories, and a project suite running
    beside another one here lost that race at its end.
    """
    commands = readme_commands(project)
    assert len(commands) == 2, "the project's README starts with two commands"
    temp_root = tmp_path / "own-tests-tmp"
    temp_root.mkdir()
    sh(commands[1], project, {**env, "TMPDIR": str(temp_root)})


def test_readme_first_command_works_on_a_fresh_clone(tmp_path: Path) -> None:
    """README's first command, verbatim, in a new clone, by a user with nothing set up."""
    clone = tmp_path / "apigen"
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True)
    env = new_user_environment(tmp_path / "home")
    command = readme_first_command()
    assert "apigen new" in command
    output = sh(command, clone, env)
    name = re.search(r"apigen new (\S+)", command)
    assert name
    project = clone / name.group(1)
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert answers["framework"] == "drf"
    assert answers["database"] == "sqlite"
    # The clone is a work tree: the project is left to it, uncommitted, with no repository
    # of its own, and the clone's history is untouched.
    assert not (project / ".git").exists()
    assert "made no repository of its own" in output
    assert git(clone, "status", "--porcelain").splitlines() == [f"?? {name.group(1)}/"]
    assert git(clone, "rev-parse", "HEAD") == git(REPO, "rev-parse", "HEAD")
    run_own_tests(project, env, tmp_path)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """apigen's wheel, built from a clone of the committed tree as a release would be."""
    root = tmp_path_factory.mktemp("wheel")
    clone = root / "apigen"
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True)
    subprocess.run(
        [
            str(Path(sys.executable).parent / "uv"),
            "build",
            "--quiet",
            "--wheel",
            "--out-dir",
            str(root / "dist"),
            str(clone),
        ],
        check=True,
    )
    return next((root / "dist").glob("apigen-*.whl"))


@pytest.fixture(scope="module")
def shared_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One new user's HOME for the installed-tool tests: the first fills its uv cache."""
    return tmp_path_factory.mktemp("home")


def _uv_tool(wheel: Path, tmp_path: Path, env: dict[str, str]) -> Callable[[str], str]:
    bin_dir = tmp_path / "tools" / "bin"
    env.update(UV_TOOL_DIR=str(tmp_path / "tools" / "lib"), UV_TOOL_BIN_DIR=str(bin_dir))
    sh(f"python3 -m pip install --quiet uv && uv tool install --quiet {wheel}", tmp_path, env)
    return lambda args: f"{bin_dir}/apigen {args}"


def _pipx(wheel: Path, tmp_path: Path, env: dict[str, str]) -> Callable[[str], str]:
    bin_dir = tmp_path / "pipx" / "bin"
    env.update(PIPX_HOME=str(tmp_path / "pipx" / "home"), PIPX_BIN_DIR=str(bin_dir))
    sh(f"python3 -m venv {tmp_path}/pipx-venv", tmp_path, env)
    sh(f"{tmp_path}/pipx-venv/bin/pip install --quiet pipx", tmp_path, env)
    sh(f"{tmp_path}/pipx-venv/bin/pipx install --quiet {wheel}", tmp_path, env)
    return lambda args: f"{bin_dir}/apigen {args}"


def _uvx(wheel: Path, tmp_path: Path, env: dict[str, str]) -> Callable[[str], str]:
    sh("python3 -m pip install --quiet uv", tmp_path, env)
    return lambda args: f"uvx --from {wheel} apigen {args}"


@pytest.mark.parametrize(
    ("installer", "answers"),
    [
        pytest.param(_uv_tool, "--framework drf --auth token", id="uv-tool-install"),
        pytest.param(_pipx, "--framework flask-restful --orm peewee", id="pipx-install"),
        pytest.param(_uvx, "--framework flask-restful --auth jwt", id="uvx"),
    ],
)
def test_an_installed_apigen_generates_outside_any_repository(
    tmp_path: Path,
    wheel: Path,
    shared_home: Path,
    installer: Callable[[Path, Path, dict[str, str]], Callable[[str], str]],
    answers: str,
) -> None:
    env = new_user_environment(shared_home)
    apigen = installer(wheel, tmp_path, env)
    work = tmp_path / "work"
    work.mkdir()
    output = sh(apigen(f"new shop --defaults {answers}"), work, env)
    project = work / "shop"
    assert "cd shop" in output
    # Outside a work tree the project is a repository of its own, committed and clean, made
    # with a throwaway identity since this user has none.
    assert git(project, "log", "--format=%s %ae").strip() == (
        "Initial commit from apigen apigen@localhost"
    )
    assert git(project, "status", "--porcelain") == ""
    recorded = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert Path(recorded["_src_path"]).name == "history.bundle"
    run_own_tests(project, env, tmp_path)


def test_an_installed_apigen_in_a_monorepo_generates_and_updates(
    tmp_path: Path, wheel: Path, shared_home: Path
) -> None:
    """`services/billing` in a team's repository: no nested repository, then an update."""
    env = new_user_environment(shared_home)
    apigen = _uvx(wheel, tmp_path, env)
    monorepo = tmp_path / "monorepo"
    monorepo.mkdir()
    identity = "-c user.name=Team -c user.email=team@example.com"
    sh(f"git init --quiet && git {identity} commit --quiet --allow-empty -m Start", monorepo, env)
    output = sh(apigen("new billing --defaults --dir services/billing"), monorepo, env)
    project = monorepo / "services" / "billing"
    assert "made no repository of its own" in output
    assert not (project / ".git").exists()
    assert git(monorepo, "log", "--format=%s").splitlines() == ["Start"]
    sh(f"git add services && git {identity} commit --quiet -m 'Add billing'", monorepo, env)

    output = sh(apigen("update services/billing --set auth=token"), monorepo, env)
    assert "auth" in (project / ".copier-answers.yml").read_text(encoding="utf-8")
    changed = git(monorepo, "status", "--porcelain").splitlines()
    assert changed, output
    assert all(line[3:].startswith("services/billing/") for line in changed), changed
    assert (project / "api" / "auth.py").is_file()
    assert git(monorepo, "log", "--format=%s", "-1").strip() == "Add billing"
