"""Rendering through pytest-copie: every combination renders cleanly and passes its linters."""

from __future__ import annotations

import os
import re
import runpy
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from apigen import options
from apigen.generate import readme_commands
from apigen.smoke import Combination
from tests import deployment

TEXT_SUFFIXES = {
    ".py",
    ".toml",
    ".md",
    ".txt",
    ".cfg",
    ".ini",
    ".yml",
    ".yaml",
    ".env",
    ".example",
    "",
}
# `${{ ... }}` is GitHub Actions' own expression syntax, not leftover Jinja.
LEFTOVER = re.compile(r"(?<!\$)\{\{|\{%|\{#|%\}")
BIN = Path(sys.executable).parent

COMBINATIONS = [Combination(a) for a in options.combinations()]
REPO = Path(__file__).resolve().parent.parent

# Deployment files' problems by fingerprint: most combinations render the same files (they vary
# by framework, database, Redis and little else), so each distinct output is checked once.
_DEPLOYMENT_CHECKED: dict[str, list[str]] = {}


def render(copie: object, answers: dict[str, object]) -> Path:
    result = copie.copy(extra_answers={"project_name": "demo-svc", **answers})  # type: ignore[attr-defined]
    assert result.exit_code == 0, result.exception
    return Path(result.project_dir)


def tool(name: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / name), *args], cwd=cwd, capture_output=True, text=True, check=False
    )


def leftovers(project: Path) -> list[str]:
    found = []
    for path in project.rglob("*"):
        if ".git" in path.parts:
            continue
        relative = path.relative_to(project)
        if "{{" in str(relative) or path.suffix == ".jinja":
            found.append(f"{relative}: unrendered name")
        if path.is_file() and (path.suffix in TEXT_SUFFIXES or path.name == "Dockerfile"):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if LEFTOVER.search(line):
                    found.append(f"{relative}:{number}: {line.strip()}")
    return found


@pytest.mark.parametrize("combination", COMBINATIONS, ids=[c.id for c in COMBINATIONS])
def test_combination_renders_clean(copie: object, combination: Combination) -> None:
    project = render(copie, {**combination.answers, "docker": True, "ci": "github"})
    assert leftovers(project) == []
    for empty in (p for p in project.rglob("*") if p.is_file() and ".git" not in p.parts):
        if empty.suffix == ".py" and empty.name != "__init__.py":
            assert empty.read_text(encoding="utf-8").strip(), f"{empty} is empty"
    check = tool("ruff", "check", "--no-cache", ".", cwd=project)
    assert check.returncode == 0, check.stdout + check.stderr
    fmt = tool("ruff", "format", "--check", "--no-cache", ".", cwd=project)
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr
    dockerfile = project / "Dockerfile"
    assert dockerfile.is_file()
    hadolint = tool("hadolint", str(dockerfile), cwd=project)
    assert hadolint.returncode == 0, hadolint.stdout + hadolint.stderr
    workflow = project / ".github" / "workflows" / "ci.yml"
    assert workflow.is_file()
    actionlint = tool("actionlint", str(workflow), cwd=project)
    assert actionlint.returncode == 0, actionlint.stdout + actionlint.stderr
    assert deployment_problems(project, combination.answers) == []


def deployment_problems(project: Path, answers: dict[str, object]) -> list[str]:
    key = deployment.fingerprint(project)
    if key not in _DEPLOYMENT_CHECKED:
        _DEPLOYMENT_CHECKED[key] = deployment.problems(project, answers)
    return _DEPLOYMENT_CHECKED[key]


def test_deployment_files_pass_checkov(copie: object, tmp_path: Path) -> None:
    """Dockerfile, compose file and manifests of each framework, database and Redis choice.

    One checkov run over all of them (it takes seconds to start); the checks skipped on purpose
    are listed with their reasons in tests/checkov.yaml. checkov has no Compose framework: its
    secrets scan reads compose.yaml and the env file examples, and tests/deployment.py checks
    the Compose file's hardening.
    """
    scanned = tmp_path / "scanned"
    # Each database once per framework, Redis alternating: every branch of the templates.
    databases = options.QUESTIONS["database"].choices
    choices = [
        (framework, database, i % 2 == 0)
        for framework in options.FRAMEWORKS
        for i, database in enumerate(databases)
    ]
    for framework, database, redis in choices:
        project = render(
            copie, {"framework": framework, "database": database, "redis": redis, "auth": "jwt"}
        )
        target = scanned / f"{framework}-{database}-{'redis' if redis else 'noredis'}"
        target.mkdir(parents=True)
        for path in ("Dockerfile", *(p.name for p in project.glob("compose*"))):
            shutil.copy(project / path, target / path)
        shutil.copytree(project / "deploy", target / "deploy")
    started = time.perf_counter()
    result = tool(
        "checkov", "--config-file", str(REPO / "tests" / "checkov.yaml"), "-d", ".", cwd=scanned
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Failed checks: 0" in result.stdout, result.stdout
    print(f"checkov: {time.perf_counter() - started:.1f} s")


@pytest.mark.parametrize("framework", list(options.FRAMEWORKS))
@pytest.mark.parametrize("auth", options.QUESTIONS["auth"].choices)
def test_longest_name_sorting_first_stays_lint_clean(
    copie: object, framework: str, auth: str
) -> None:
    """Names go into imports and commands: the longest one, sorting before `api`, still fits."""
    name = "a" + "b" * (options.MAX_NAME_LENGTH - 1)
    result = copie.copy(  # type: ignore[attr-defined]
        extra_answers={"project_name": name, "framework": framework, "auth": auth}
    )
    assert result.exit_code == 0, result.exception
    project = Path(result.project_dir)
    check = tool("ruff", "check", "--no-cache", ".", cwd=project)
    assert check.returncode == 0, check.stdout + check.stderr
    fmt = tool("ruff", "format", "--check", "--no-cache", ".", cwd=project)
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr


@pytest.mark.parametrize("framework", list(options.FRAMEWORKS))
def test_without_docker_and_ci_there_is_no_trace_of_them(copie: object, framework: str) -> None:
    project = render(copie, {"framework": framework, "docker": False, "ci": "none"})
    assert not (project / "Dockerfile").exists()
    assert not (project / ".dockerignore").exists()
    assert not list(project.glob("compose*"))
    assert not (project / "deploy").exists()
    assert not (project / ".github").exists()
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert "docker build" not in readme.lower()


@pytest.mark.parametrize("framework", list(options.FRAMEWORKS))
def test_readme_starts_with_the_two_commands(copie: object, framework: str) -> None:
    project = render(copie, {"framework": framework})
    readme = (project / "README.md").read_text(encoding="utf-8")
    commands = readme_commands(project)
    assert len(commands) == 2
    # Both come before any prose section: they are what a newcomer reads first.
    assert readme.index(commands[1]) < readme.index("\n## ")
    assert "uv run" in commands[0]
    assert "pytest" in commands[1]


@pytest.mark.parametrize("framework", list(options.FRAMEWORKS))
def test_options_not_chosen_leave_no_trace(copie: object, framework: str) -> None:
    project = render(copie, {"framework": framework, "auth": "none", "redis": False})
    text = "\n".join(
        p.read_text(encoding="utf-8") for p in project.rglob("*.py") if ".git" not in p.parts
    ).lower()
    for word in (
        "jwt",
        "redis",
        "authtoken",
        "csrf_token",
        "simplejwt",
        "api_key",
        "remote_user",
        "oauth2",
    ):
        assert word not in text, word


def test_apigens_own_workflows_pass_actionlint() -> None:
    workflows = sorted((Path(__file__).parent.parent / ".github" / "workflows").glob("*.yml"))
    assert workflows
    result = tool("actionlint", *map(str, workflows), cwd=workflows[0].parent)
    assert result.returncode == 0, result.stdout + result.stderr


# Words that give away an ORM, in any file of a generated project (the lock file aside).
ORM_TRACES = {
    "sqlalchemy": re.compile(r"sqlalchemy|alembic|flask[-_]migrate", re.IGNORECASE),
    "peewee": re.compile(r"peewee|playhouse", re.IGNORECASE),
}


@pytest.mark.parametrize("auth", options.QUESTIONS["auth"].choices)
@pytest.mark.parametrize("orm", options.FRAMEWORKS["flask-restful"].orms)
def test_a_flask_project_shows_no_trace_of_the_other_orm(
    copie: object, orm: str, auth: str
) -> None:
    project = render(
        copie, {"framework": "flask-restful", "orm": orm, "auth": auth, "database": "postgresql"}
    )
    found = []
    for other, pattern in ORM_TRACES.items():
        if other == orm:
            continue
        for path in project.rglob("*"):
            if path.is_file() and ".git" not in path.parts:
                relative = path.relative_to(project)
                if pattern.search(str(relative)):
                    found.append(f"{relative}: named after {other}")
                for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                    if pattern.search(line):
                        found.append(f"{relative}:{number}: {line.strip()}")
    assert found == []
    assert ORM_TRACES[orm].search((project / "pyproject.toml").read_text(encoding="utf-8"))


# cgroup v2's cpu.max ("quota period", or "max period" without a limit) -> CPUs, of 4 allowed.
CPU_QUOTAS = {"max 100000": 4, "150000 100000": 2, "50000 100000": 1, "800000 100000": 4, "": 4}


@pytest.mark.parametrize("framework", list(options.FRAMEWORKS))
def test_gunicorn_workers_follow_the_containers_cpu_limit(
    copie: object, framework: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """2 workers per CPU of the cgroup quota, plus one; not per CPU of the machine."""
    project = render(copie, {"framework": framework})
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1, 2, 3}, raising=False)
    read_text = Path.read_text
    for cpu_max, cpus in CPU_QUOTAS.items():

        def fake_read_text(
            path: Path, *args: object, cpu_max: str = cpu_max, **kwargs: object
        ) -> str:
            if str(path) != "/sys/fs/cgroup/cpu.max":
                return read_text(path, *args, **kwargs)  # type: ignore[arg-type]
            if not cpu_max:
                raise FileNotFoundError(path)
            return cpu_max + "\n"

        monkeypatch.setattr(Path, "read_text", fake_read_text)
        settings = runpy.run_path(str(project / "gunicorn.conf.py"))
        assert settings["cpu_limit"]() == cpus, cpu_max
        assert settings["workers"] == min(2 * cpus + 1, 8 if framework == "flask-restful" else 9)
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    assert runpy.run_path(str(project / "gunicorn.conf.py"))["workers"] == 3


def test_deployment_names_suit_kubernetes_and_docker(copie: object) -> None:
    """Upper case, '_' and a trailing '-' are fine in a project name, not in these names."""
    result = copie.copy(extra_answers={"project_name": "Shop_API-", "database": "postgresql"})  # type: ignore[attr-defined]
    assert result.exit_code == 0, result.exception
    project = Path(result.project_dir)
    answers = {"framework": "drf", "database": "postgresql", "redis": False}
    assert deployment.problems(project, answers) == []
    compose = (project / "compose.yaml").read_text(encoding="utf-8")
    assert "image: shop-api:latest" in compose
