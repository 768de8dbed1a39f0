"""``makemigrations``, formatting what it writes with Ruff like the rest of the code.

Django formats new migrations with Black when it finds it; this project formats with Ruff, so
the command runs ``ruff check --fix-only`` and ``ruff format`` on the files it wrote, with the
project's settings (when Ruff is installed: it is a development dependency).
"""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

from django.conf import settings
from django.core.management.commands import makemigrations


class Command(makemigrations.Command):
    """Django's ``makemigrations``; the migrations it writes pass ``ruff format --check``."""

    written_files: list[str]  # the paths ``handle`` wrote, kept by Django's command

    def write_migration_files(self, *args: Any, **kwargs: Any) -> None:
        """Write the migrations, then format them."""
        super().write_migration_files(*args, **kwargs)
        ruff = shutil.which("ruff")
        if ruff is None or not self.written_files:
            return
        config = str(settings.BASE_DIR / "pyproject.toml")
        for command in (("check", "--fix-only"), ("format",)):
            subprocess.run(  # noqa: S603 - Ruff, on the files just written
                [ruff, *command, "--quiet", "--config", config, *self.written_files], check=False
            )
