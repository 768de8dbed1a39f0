"""``apigen add resource`` in real projects: the issue's commands, every field type, its checks.

Each case renders a project, installs it, adds resources exactly as a user would (the
project's own ``makemigrations`` and Ruff run), commits after each add, then runs the
project's lint, format check, type check and test suite (with its coverage threshold) on
the real database, for each framework and ORM.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from apigen import smoke
from apigen.add import add, add_file, run_tool
from apigen.resources import parse_resource
from tests.conftest import commit_all, git
from tests.slow.conftest import require_servers
from tests.test_add import BOOKS

pytestmark = pytest.mark.slow


def _case(framework: str, orm: str, auth: str, database: str) -> smoke.Combination:
    filters = {
        "framework": (framework,),
        "orm": (orm,),
        "auth": (auth,),
        "database": (database,),
        "redis": ("false",),
    }
    (combination,) = smoke.select(filters)
    return combination


# Every framework and ORM on SQLite or PostgreSQL, and on MySQL, under auth (the owner rule).
CASES = [
    _case("drf", "django", "token", "sqlite"),
    _case("drf", "django", "none", "postgresql"),
    _case("flask-restful", "sqlalchemy", "token", "sqlite"),
    _case("flask-restful", "peewee", "basic", "postgresql"),
    _case("drf", "django", "session", "mysql"),
    _case("flask-restful", "sqlalchemy", "jwt", "mysql"),
    _case("flask-restful", "peewee", "apikey", "mysql"),
]

EVERY_TYPE = """\
publishers:
  name: string:unique:max=80
  country: string:optional
specimens:
  label: string:unique:min=3:max=40
  notes: text:optional
  pages: integer:min=1:max=5000
  weight: decimal:min=0:digits=8:places=3
  active: boolean:default=true
  found_on: date:optional
  seen_at: datetime
  contact: email:optional
  homepage: url:optional
  code: uuid:unique
  status: choice:draft/in-review/published:default=draft
  rating: integer:optional:index
  author: ref:authors
  publisher: ref:publishers:optional:cascade
  item: ref:items:optional
  parent: ref:specimens:optional
"""


@pytest.mark.parametrize("combination", CASES, ids=[c.id for c in CASES])
def test_added_resources_pass_the_project_s_own_checks(
    combination: smoke.Combination, environments: smoke.Environments, workdir: Path
) -> None:
    require_servers(combination)
    runner = smoke.Runner(combination, workdir, environments)
    project = runner.project
    try:
        runner.render()
        runner.install()
        if git(project, "status", "--porcelain"):  # uv.lock, from a first install
            commit_all(project, "uv.lock")
        with runner.database():
            assert runner.venv is not None

            # The project's tools in the environment `install` made, on this case's database.
            run = functools.partial(
                run_tool, overrides={**runner.env, "UV_PROJECT_ENVIRONMENT": str(runner.venv)}
            )

            add(project, [parse_resource("authors", ["name:string"])], run=run)
            commit_all(project, "authors")
            add(project, [parse_resource(BOOKS[0], BOOKS[1:])], run=run)
            commit_all(project, "books")
            domain = workdir / "every-type.yaml"
            domain.write_text(EVERY_TYPE, encoding="utf-8")
            add_file(project, domain, run=run)
            new_files = git(project, "status", "-uall", "--short").splitlines()
            assert any("migrations/" in line for line in new_files), new_files
            commit_all(project, "every type")
            runner.lint()
            runner.test()
    except smoke.StepFailedError as exc:
        pytest.fail(f"{exc}\n{exc.output[-6000:]}")
