"""Resources added to a Flask-RESTful service keep it passing its own checks.

Each case generates a service, adds ``authors``, then ``books`` (referring to authors), then
a resource with every member type and modifier, one add at a time as a team would, writing
each migration with the project's own ``flask db migrate``; then the project's linters,
type checker and test suite (its coverage threshold included) run over the result, against
a database of the run's own.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from apigen import options, smoke
from apigen.resources import Resource, parse_resource, resolve
from apigen.scaffold import Project
from apigen.scaffold.flask_restful import FlaskRestfulScaffold
from tests.slow.conftest import require_servers

pytestmark = pytest.mark.slow

ADDS = (
    ("authors", ["name:string"]),
    (
        "books",
        [
            "title:string",
            "price:decimal",
            "published:date",
            "in_print:boolean",
            "author:ref:authors",
        ],
    ),
    (
        "gadgets",
        [
            "label:string:unique",
            "notes:text:optional",
            "count:integer:min=0:max=1000",
            "weight:decimal:digits=6:places=3:min=0",
            "active:boolean:default=true",
            "released:date:optional",
            "seen_at:datetime",
            "contact:email:optional",
            "homepage:url",
            "code:uuid:unique",
            "status:choice:draft/published/archived:default=draft",
            "maker:ref:authors:optional:cascade",
            "book:ref:books:cascade",
            "nickname:string:min=3:max=20:index",
            "parent:ref:gadgets:optional",
        ],
    ),
)

CASES = [
    smoke.Combination(
        options.complete(
            {"framework": "flask-restful", "orm": orm, "auth": auth, "database": database}
        )
    )
    for orm, auth, database in (
        ("sqlalchemy", "token", "sqlite"),
        ("peewee", "basic", "postgresql"),
        ("sqlalchemy", "session", "postgresql"),
    )
]


def add(runner: smoke.Runner, new: list[Resource], known: dict[str, Resource]) -> None:
    """What ``apigen add`` does with the writer: write the files, run its commands."""
    answers = yaml.safe_load((runner.project / ".copier-answers.yml").read_text())
    project = Project(runner.project, answers)
    scaffold = FlaskRestfulScaffold()
    changes = scaffold.render(project, new, known)
    for path, text in {**changes.created, **changes.edited}.items():
        target = runner.project / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    for command in scaffold.finish(project, new):
        # The project's tools from the shared environment the runner installed.
        runner.run(command[2:] if command[:2] == ["uv", "run"] else command)


@pytest.mark.parametrize("combination", CASES, ids=[c.id for c in CASES])
def test_added_resources_pass_the_projects_own_checks(
    combination: smoke.Combination, environments: smoke.Environments, workdir: Path
) -> None:
    require_servers(combination)
    runner = smoke.Runner(combination, workdir, environments)
    runner.render()
    runner.install()
    known: dict[str, Resource] = {}
    try:
        with runner.database():
            # `flask db` reads .env, as a developer's checkout has it (README's first step).
            env_file = runner.project / ".env"
            env_file.write_text((runner.project / ".env.example").read_text())
            for name, specs in ADDS:
                new = resolve([parse_resource(name, specs)], known)
                known |= {resource.name: resource for resource in new}
                add(runner, new, known)
            env_file.unlink()
            runner.lint()
            runner.test()
    except smoke.StepFailedError as exc:
        pytest.fail(f"{exc}\n" + "\n".join(exc.output.splitlines()[-smoke.TAIL_LINES :]))
    files = {p.name for p in (runner.project / runner.package / "api" / "resources").iterdir()}
    assert {"authors.py", "books.py", "gadgets.py"} <= files
