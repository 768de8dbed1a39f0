"""The ``apigen`` command line: Click only, over :mod:`apigen.generate` and friends.

Nothing heavy is imported at module level so that ``apigen --help`` stays instant.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from apigen import __version__, options
from apigen.errors import ApigenError, UsageError

F = TypeVar("F", bound=Callable[..., Any])


def _report(exc: ApigenError) -> None:
    click.secho(f"error: {exc.message}", fg="red", err=True)
    sys.exit(exc.exit_code)


def _answer_options(func: F) -> F:
    """Add one flag per question in :data:`apigen.options.QUESTIONS`."""
    for question in reversed(options.QUESTIONS.values()):
        if question.is_bool:
            flag = f"--{question.name}/--no-{question.name}"
            decorator = click.option(flag, default=None, help=f"{question.help}.")
        else:
            default = "the framework's own" if question.name == "orm" else question.default
            decorator = click.option(
                f"--{question.name}",
                type=click.Choice([str(c) for c in question.choices], case_sensitive=False),
                default=None,
                help=f"{question.help} [default: {default}]",
            )
        func = decorator(func)
    return func


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="apigen")
def main() -> None:
    """Generate Django REST Framework or Flask-RESTful API services and keep them up to date."""


@main.command()
@click.argument("name")
@click.option(
    "--dir",
    "destination",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Directory to create (default: ./NAME). It must not exist or must be empty.",
)
@_answer_options
@click.option(
    "--defaults",
    "--no-input",
    "no_input",
    is_flag=True,
    help="Ask nothing: every answer not given as a flag takes its default.",
)
def new(name: str, destination: Path | None, no_input: bool, **given: str | bool | None) -> None:
    """Create the API service NAME.

    Answers not given as flags are asked on a terminal; without a terminal, or with
    --defaults, they take their defaults.
    """
    from apigen.generate import generate, next_steps  # noqa: PLC0415

    try:
        options.validate_name(name)
        if not no_input and _is_terminal():
            given = _prompt(given)
        project = generate(name, given, destination)
    except ApigenError as exc:
        _report(exc)
    click.echo(next_steps(project))


def _is_terminal() -> bool:
    return sys.stdin.isatty()


def _prompt(given: dict[str, str | bool | None]) -> dict[str, str | bool | None]:
    answers: dict[str, str | bool | None] = dict(given)
    for name, question in options.QUESTIONS.items():
        if answers.get(name) is not None:
            continue
        default = options.default_for(name, answers)  # type: ignore[arg-type]
        if name == "orm":
            framework = options.FRAMEWORKS[str(answers["framework"])]
            if len(framework.orms) == 1:
                answers[name] = framework.default_orm
                continue
            choices: tuple[str, ...] = framework.orms
        elif question.is_bool:
            answers[name] = click.confirm(question.help, default=bool(default))
            continue
        else:
            choices = tuple(str(c) for c in question.choices)
        answers[name] = str(
            click.prompt(
                question.help, type=click.Choice(choices, case_sensitive=False), default=default
            )
        )
    return answers


@main.command()
@click.argument(
    "path", type=click.Path(path_type=Path, file_okay=False), default=Path(), required=False
)
@click.option("--to", "to", metavar="VERSION", help="Target version (default: this apigen's).")
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="KEY=VALUE",
    help="Change an answer on the way, e.g. --set auth=jwt (repeatable).",
)
@click.option("--dry-run", is_flag=True, help="Show what would change; touch nothing.")
def update(path: Path, to: str | None, sets: tuple[str, ...], dry_run: bool) -> None:
    """Bring the project at PATH (default: .) up to a newer template, keeping its edits.

    Works offline: the template's history ships inside apigen. The project must be a git
    repository with a clean tree. Changes are left uncommitted for review; conflicting
    files keep inline markers, are listed, and the exit code is 1.
    """
    from apigen.update import ConflictError  # noqa: PLC0415
    from apigen.update import update as run_update  # noqa: PLC0415

    try:
        plan = run_update(path, to=to, sets=sets, dry_run=dry_run)
    except ConflictError as exc:
        click.secho(f"error: {exc.message}", fg="red", err=True)
        click.echo("Resolve the markers (<<<<<<< ours / >>>>>>> theirs), then `git add` them.")
        sys.exit(exc.exit_code)
    except ApigenError as exc:
        _report(exc)
    verb = "would update" if dry_run else "updated"
    if plan.old_version == plan.new_version and not plan.changed:
        click.echo(f"Already at {plan.new_version}: nothing to do.")
        return
    click.echo(f"{verb} {plan.old_version} -> {plan.new_version}")
    for key in sorted(plan.new_answers):
        old, new = plan.old_answers.get(key), plan.new_answers[key]
        if old != new and not key.startswith("_"):
            click.echo(f"  answer {key}: {old} -> {new}")
    for name in plan.changed:
        mark = "C" if name in plan.conflicts else "M"
        click.echo(f"  {mark} {name}")
    if dry_run and plan.conflicts:
        click.echo(f"{len(plan.conflicts)} file(s) would conflict: {', '.join(plan.conflicts)}")
    elif not dry_run:
        click.echo("Review with `git diff HEAD`, run the tests, then commit.")


def _multi(question: str) -> Callable[[F], F]:
    choices = [str(c).lower() for c in options.QUESTIONS[question].choices]
    return click.option(
        f"--{question}",
        multiple=True,
        type=click.Choice(choices, case_sensitive=False),
        help=f"Only these {question} values (repeatable; default: all).",
    )


@main.command()
@click.option(
    "--template",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    default=None,
    help="A template root holding copier.yml (default: apigen's own), e.g. a fork's checkout.",
)
@_multi("framework")
@_multi("orm")
@_multi("auth")
@_multi("database")
@_multi("redis")
@click.option(
    "--covering",
    is_flag=True,
    help="Only a covering subset: every option value with every framework at least once.",
)
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None, help="Parallel runs.")
@click.option("--junit", type=click.Path(path_type=Path, dir_okay=False), help="JUnit XML file.")
@click.option("--keep", is_flag=True, help="Keep the generated projects and their logs.")
@click.option("--python", "python", default=None, help="Python the projects run on (for uv).")
def smoke(
    template: Path | None,
    framework: tuple[str, ...],
    orm: tuple[str, ...],
    auth: tuple[str, ...],
    database: tuple[str, ...],
    redis: tuple[str, ...],
    covering: bool,
    jobs: int | None,
    junit: Path | None,
    keep: bool,
    python: str | None,
) -> None:
    """Generate, install, add resources to, lint, test and serve every selected combination.

    Each combination is rendered into a temporary directory, installed with uv (one shared
    cache, one environment per distinct set of dependencies), linted, tested against the real
    PostgreSQL, MySQL and Redis on 127.0.0.1, then served by gunicorn and checked over HTTP.
    Exits non-zero if any combination fails, naming it, the step and the tail of its output.
    """
    from apigen import smoke as smoke_  # noqa: PLC0415
    from apigen.runner import run_all  # noqa: PLC0415

    filters = {
        "framework": framework,
        "orm": orm,
        "auth": auth,
        "database": database,
        "redis": redis,
    }
    chosen = smoke_.select(filters, covering=covering)
    if not chosen:
        _report(UsageError("no supported combination matches those options"))
    try:
        results = run_all(
            chosen,
            template=template,
            jobs=jobs,
            junit=junit,
            keep=keep,
            python=python,
            echo=click.echo,
        )
    except ApigenError as exc:
        _report(exc)
    sys.exit(0 if all(r.ok for r in results) else 1)


@main.group()
def add() -> None:
    """Add resources to the generated project: model, migration, API, OpenAPI and tests.

    Run inside the project (or give --project); its git tree must be clean. Nothing is
    committed: review the change, run the project's checks, then commit it.
    """


_project_option = click.option(
    "--project",
    "project_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path(),
    help="The project's directory (default: .).",
)
_dry_run_option = click.option(
    "--dry-run", is_flag=True, help="List the files that would be written; write nothing."
)


@add.command("resource", no_args_is_help=True)
@click.argument("name")
@click.argument("fields", nargs=-1, required=True, metavar="FIELD...")
@click.option("--singular", default=None, help="The singular of NAME, if not NAME minus its 's'.")
@_project_option
@_dry_run_option
def add_resource(
    name: str, fields: tuple[str, ...], singular: str | None, project_dir: Path, dry_run: bool
) -> None:
    """Add the resource NAME (plural, e.g. books) with its FIELDs, each name:type[:...].

    \b
    Types: string text integer decimal boolean date datetime email url uuid
           choice:a/b/c  ref:<resources>
    Modifiers: optional unique index cascade default=V min=N max=N digits=N places=N

    \b
    Examples:
      apigen add resource authors name:string
      apigen add resource books title:string price:decimal:min=0 author:ref:authors
      apigen add resource tags label:string:unique:max=30 --singular tag
    """  # noqa: D301 - \b is Click's "do not rewrap" mark
    from apigen.add import add as run_add  # noqa: PLC0415
    from apigen.resources import parse_resource  # noqa: PLC0415

    try:
        resource = parse_resource(name, fields, singular)
        plan = run_add(project_dir, [resource], dry_run=dry_run)
    except ApigenError as exc:
        _report(exc)
    _report_plan(plan, dry_run)


@add.command("resources", no_args_is_help=True)
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@_project_option
@_dry_run_option
def add_resources(file: Path, project_dir: Path, dry_run: bool) -> None:
    """Add every resource FILE (YAML) describes, with their references to each other.

    \b
    authors:
      name: string:max=200
    books:
      title: string
      author: ref:authors
    """  # noqa: D301 - \b is Click's "do not rewrap" mark
    from apigen.add import add_file  # noqa: PLC0415

    try:
        plan = add_file(project_dir, file, dry_run=dry_run)
    except ApigenError as exc:
        _report(exc)
    _report_plan(plan, dry_run)


def _report_plan(plan: Any, dry_run: bool) -> None:
    from apigen.add import changed_files  # noqa: PLC0415

    names = ", ".join(r.name for r in plan.resources)
    if dry_run:
        click.echo(f"would add {names}:")
        for name in sorted(plan.changes.created):
            click.echo(f"  A {name}")
        for name in sorted(plan.changes.edited):
            click.echo(f"  M {name}")
        for command in plan.commands:
            click.echo(f"  then run: {' '.join(command)}")
        return
    click.echo(f"added {names}:")
    for line in changed_files(plan.project):
        click.echo(f"  {line}")
    click.echo(f"Ran: {'; '.join(' '.join(command) for command in plan.commands)}")
    click.echo(
        "Review with `git status` and `git diff`, run the project's checks "
        "(uv run ruff check . && uv run mypy . && uv run pytest), then commit."
    )


if __name__ == "__main__":  # pragma: no cover
    main()
