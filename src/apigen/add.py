"""``apigen add resource``: a team's own resources, written into a generated project.

The framework's :class:`~apigen.scaffold.Scaffold` says what a resource is (its files and the
commands that finish it, such as the migration); this module does the rest, the same way for
every framework: it finds the project and refuses a dirty tree (as ``apigen update`` does),
checks the new resources against the ones added before (the record ``.apigen-resources.yml``),
renders every file in memory, refuses to overwrite a file, writes, runs the finishing commands
in the project, and on any failure puts the project's tree back exactly as it was. Nothing is
committed: the owners review the change and commit it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from apigen.errors import ApigenError, UsageError
from apigen.resources import Resource, field_spec, load_file, resolve
from apigen.scaffold import Changes, Project, scaffold_for
from apigen.update import DirtyTreeError, NotAProjectError, _git, _Repository, read_answers

__all__ = [
    "RECORD",
    "AddError",
    "FileExistsRefusedError",
    "Plan",
    "add",
    "add_file",
    "changed_files",
    "read_record",
]

RECORD = ".apigen-resources.yml"
# The template's own example: a resource every project has, that others may refer to.
BUILT_IN = ("items",)
_HEADER = (
    "# The resources `apigen add resource` added to this project, in the notation of\n"
    "# `apigen add resources FILE` (apigen reads it to check and relate the next ones).\n"
)


class FileExistsRefusedError(UsageError):
    """A file that adding the resources would create exists already."""


class OutdatedProjectError(UsageError):
    """The project predates what added resources build on: it needs `apigen update` first."""


class AddError(ApigenError):
    """A command finishing the resources failed; the project's tree was put back."""


@dataclass(frozen=True)
class Plan:
    """What adding resources does: the resources in order, their files, the commands run."""

    project: Path
    resources: Sequence[Resource]
    changes: Changes
    commands: Sequence[Sequence[str]]


Runner = Callable[[Sequence[str], Path], "subprocess.CompletedProcess[str]"]


def run_tool(
    command: Sequence[str], cwd: Path, overrides: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run one of the project's tools in the project ``cwd``; ``overrides`` win over all."""
    # The project's tools run in the project's environment, not in the one apigen runs in;
    # before its first run has made `.env`, with the development values of `.env.example`.
    env = {**example_settings(cwd), **os.environ, **(overrides or {})}
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run(
        list(command), cwd=cwd, capture_output=True, text=True, check=False, env=env
    )


def example_settings(project: Path) -> dict[str, str]:
    """``.env.example``'s settings when the project has no ``.env`` yet (else none)."""
    example = project / ".env.example"
    if (project / ".env").exists() or not example.is_file():
        return {}
    pairs = (
        line.partition("=")
        for line in example.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    )
    return {key.strip(): value.strip() for key, sep, value in pairs if sep}


def read_record(project: Path) -> dict[str, Resource]:
    """The resources added to ``project`` before, by name (none when it has no record)."""
    path = project / RECORD
    if not path.is_file():
        return {}
    return {resource.name: resource for resource in load_file(path)}


def record_text(resources: Sequence[Resource]) -> str:
    """The record of ``resources``: the domain-file notation, long form (with singulars)."""
    document = {
        r.name: {"singular": r.singular, "fields": {f.name: field_spec(f) for f in r.fields}}
        for r in resources
    }
    return _HEADER + yaml.safe_dump(document, sort_keys=False, default_flow_style=False)


def add(
    project_dir: Path,
    resources: Sequence[Resource],
    *,
    dry_run: bool = False,
    run: Runner | None = None,
) -> Plan:
    """Add ``resources`` to the project at ``project_dir``.

    Args:
        project_dir: The generated project (a git work tree, or a directory in one, clean).
        resources: The new resources, parsed (:func:`apigen.resources.parse_resource`).
        dry_run: Only plan: write nothing, run nothing.
        run: Runs one finishing command in the project (default: a subprocess).

    Returns:
        The plan carried out (or, with ``dry_run``, that would be).

    Raises:
        UsageError: a subclass naming the refusal (the tree is untouched).
        AddError: a finishing command failed (the tree was put back).
    """
    root = project_dir.resolve()
    if not root.is_dir():
        raise NotAProjectError(f"'{project_dir}' is not a directory")
    project = Project(root, read_answers(root, versioned=False))
    _Repository.of(root)  # a git work tree, or NotAProjectError
    if _git(root, "status", "--porcelain", "--untracked-files=normal", "--", ".").strip():
        raise DirtyTreeError(
            f"'{root}' has uncommitted changes: commit or stash them, then add resources"
        )
    known = read_record(root)
    ordered = resolve(resources, [*known, *BUILT_IN])
    scaffold = scaffold_for(project)
    _check_requirements(root, scaffold.requirements(project))
    changes = scaffold.render(project, ordered, known)
    target = changes.edited if (root / RECORD).is_file() else changes.created
    target[RECORD] = record_text([*known.values(), *ordered])
    for path in sorted(changes.created):
        if (root / path).exists():
            raise FileExistsRefusedError(
                f"'{path}' exists already: move it away (or commit its removal) and add again"
            )
    commands = scaffold.finish(project, ordered)
    plan = Plan(root, ordered, changes, commands)
    if dry_run:
        return plan
    fresh = _new_directories(root, changes)
    try:
        _write(root, changes)
        for command in commands:
            result = (run or run_tool)(command, root)
            if result.returncode:
                lines = (result.stderr or result.stdout).strip().splitlines() or ["no output"]
                raise AddError(
                    f"`{' '.join(command)}` failed, nothing was added: {lines[-1].strip()}"
                )
    except BaseException:
        _restore(root, fresh)
        raise
    return plan


def _check_requirements(root: Path, requirements: Sequence[tuple[str, str]]) -> None:
    """Refuse a project whose template lacks what the resources' modules build on."""
    for path, text in requirements:
        module = root / path
        if not module.is_file():
            missing = f"'{path}' is missing"
        elif text not in module.read_text(encoding="utf-8"):
            missing = f"'{path}' lacks `{text}`"
        else:
            continue
        raise OutdatedProjectError(
            f"{missing}, which added resources build on: the project predates this apigen, "
            "so run `apigen update` first, then add resources"
        )


def changed_files(project: Path) -> list[str]:
    """The project's files that differ from its last commit, as ``git status`` shows them."""
    status = _git(project, "status", "--porcelain", "--untracked-files=all", "--", ".")
    return [line for line in status.splitlines() if line]


def add_file(
    project_dir: Path, domain: Path, *, dry_run: bool = False, run: Runner | None = None
) -> Plan:
    """Add the resources a domain file describes (see :func:`add`)."""
    return add(project_dir, load_file(domain), dry_run=dry_run, run=run)


def _write(root: Path, changes: Changes) -> None:
    files: Mapping[str, str] = {**changes.created, **changes.edited}
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _new_directories(root: Path, changes: Changes) -> list[Path]:
    """The outermost directories that writing ``changes`` creates."""
    fresh: set[Path] = set()
    for name in changes.created:
        missing = [d for d in (root / name).parents if d.is_relative_to(root) and not d.exists()]
        if missing:
            fresh.add(missing[-1])
    return sorted(fresh)


def _restore(root: Path, fresh: Sequence[Path]) -> None:
    """Put the project's directory back as committed (it was clean before adding).

    The directories adding made go whole, with what Python and the tools cached in them
    (ignored files, which ``git clean`` would leave).
    """
    for directory in fresh:
        shutil.rmtree(directory, ignore_errors=True)
    _git(root, "checkout", "--", ".", check=False)
    _git(root, "clean", "-d", "--force", "--quiet", "--", ".", check=False)
