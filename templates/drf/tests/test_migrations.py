"""The migrations: they describe the models, and new ones come out formatted."""

from __future__ import annotations

import shutil
import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import LazySettings
from django.core.management import call_command

from resources import APPS

RUFF = shutil.which("ruff")


@pytest.mark.django_db
def test_the_migrations_describe_the_models() -> None:
    """A model change needs its migration in the same commit."""
    output = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=output)
    except SystemExit:
        pytest.fail(f"run makemigrations: a model changed without a migration\n{output.getvalue()}")


@pytest.mark.django_db
@pytest.mark.skipif(RUFF is None, reason="Ruff is a development dependency")
def test_new_migrations_pass_ruff(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: LazySettings
) -> None:
    """The whole schema, written again from scratch, passes the project's Ruff checks."""
    package = tmp_path / "migrations"  # the directory name Ruff's naming rules expect
    package.mkdir()
    (package / "__init__.py").touch()
    monkeypatch.syspath_prepend(str(tmp_path))
    # The added resources' migrations may depend on the api's: they sit this one out.
    added = {config.label: None for config in apps.get_app_configs() if config.name in APPS}
    settings.MIGRATION_MODULES = {**added, "api": "migrations"}
    call_command("makemigrations", "api", stdout=StringIO())
    written = [str(path) for path in package.glob("0*.py")]
    assert written
    config = str(settings.BASE_DIR / "pyproject.toml")
    for command in (("check", "--no-fix"), ("format", "--check")):
        result = subprocess.run(
            [str(RUFF), *command, "--config", config, *written],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
