"""How ``apigen add resource`` writes a resource into a project of each framework.

:mod:`apigen.add` does the rest (finding the project, the clean-tree rule, the domain record
``.apigen-resources.yml``, atomicity, ``--dry-run``); a :class:`Scaffold` per framework says
which files a resource is and which commands finish it (the migration, made by the
project's own tool).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from apigen.resources import Resource

__all__ = ["Changes", "Project", "Scaffold", "scaffold_for"]


@dataclass(frozen=True)
class Project:
    """A generated project: its directory and its answers (``.copier-answers.yml``)."""

    root: Path
    answers: Mapping[str, object]

    def answer(self, name: str) -> str:
        """One answer, as a string."""
        return str(self.answers[name])

    @property
    def framework(self) -> str:
        """``drf`` or ``flask-restful``."""
        return self.answer("framework")

    @property
    def orm(self) -> str:
        """``django``, ``sqlalchemy`` or ``peewee``."""
        return self.answer("orm")

    @property
    def package_name(self) -> str:
        """The project's Python package."""
        return self.answer("package_name")


@dataclass
class Changes:
    """What adding resources writes: new files, and new contents of existing ones.

    Paths are relative to the project root, with ``/`` separators.
    """

    created: dict[str, str] = field(default_factory=dict)
    edited: dict[str, str] = field(default_factory=dict)


class Scaffold(Protocol):
    """One framework's (and ORM's) way of writing resources."""

    def requirements(self, project: Project) -> list[tuple[str, str]]:
        """``(path, text)``: what the project must hold for the written modules to work.

        Each file must exist and contain its text (which may be empty: the file alone).

        The registration points and the shared helpers the resources import, which projects
        made by an older apigen may lack until ``apigen update`` brings them.
        """

    def render(
        self, project: Project, new: Sequence[Resource], known: Mapping[str, Resource]
    ) -> Changes:
        """The files of ``new`` (in reference order); ``known`` has every added resource."""

    def finish(self, project: Project, new: Sequence[Resource]) -> list[list[str]]:
        """Commands run in the project after the files are written (its migration tool)."""


def scaffold_for(project: Project) -> Scaffold:
    """The scaffold of the project's framework and ORM."""
    if project.framework == "drf":
        from apigen.scaffold.drf import DrfScaffold  # noqa: PLC0415

        return DrfScaffold()
    from apigen.scaffold.flask_restful import FlaskRestfulScaffold  # noqa: PLC0415

    return FlaskRestfulScaffold()
