"""Where the template lives: a git history (checkout or bundle) or a plain directory.

A built wheel carries ``apigen/template/`` (``copier.yml`` and ``templates/``) and, when it was
built from a git checkout, ``apigen/template/history.bundle``: the template's tagged history,
so that ``apigen update`` can render any earlier version offline. A source checkout is its own
history.
"""

from __future__ import annotations

import subprocess
from functools import cache
from pathlib import Path

from apigen.errors import GenerationError

BUNDLE_NAME = "history.bundle"
VERSION_NAME = "VERSION"
_HERE = Path(__file__).resolve().parent


@cache
def template_root() -> Path:
    """The directory holding ``copier.yml`` and ``templates/``.

    Raises:
        GenerationError: the installation carries no template.
    """
    for candidate in (_HERE / "template", _HERE.parent.parent):
        if (candidate / "copier.yml").is_file() and (candidate / "templates").is_dir():
            return candidate
    raise GenerationError(f"apigen's template is missing from its installation ({_HERE})")


@cache
def template_history() -> Path | None:
    """A git source of the template's versions (bundle or checkout), if this install has one."""
    bundle = _HERE / "template" / BUNDLE_NAME
    if bundle.is_file():
        return bundle
    root = template_root()
    if (root / ".git").exists():
        return root
    return None


@cache
def template_version() -> str | None:
    """The version of the template in :func:`template_root`, as Copier would record it.

    A wheel records it at build time (``apigen/template/VERSION``); a checkout asks git.
    """
    recorded = _HERE / "template" / VERSION_NAME
    if recorded.is_file():
        return recorded.read_text(encoding="utf-8").strip() or None
    root = template_root()
    if not (root / ".git").exists():
        return None
    result = subprocess.run(
        ["git", "describe", "--tags", "--always"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout.strip() or None
