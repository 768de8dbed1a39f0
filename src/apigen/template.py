"""Where the template (copier.yml and templates/) lives: inside the wheel, or in a checkout."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from apigen.errors import GenerationError


@cache
def template_root() -> Path:
    """The directory holding ``copier.yml`` and ``templates/``.

    A built wheel carries them as ``apigen/template/``; a source checkout (editable install)
    has them at the repository root.

    Raises:
        GenerationError: the installation carries no template.
    """
    here = Path(__file__).resolve().parent
    for candidate in (here / "template", here.parent.parent):
        if (candidate / "copier.yml").is_file() and (candidate / "templates").is_dir():
            return candidate
    raise GenerationError(f"apigen's template is missing from its installation ({here})")
