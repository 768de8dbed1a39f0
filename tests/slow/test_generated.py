"""Generated projects install, lint, pass their own tests and serve live over HTTP.

On the highest supported Python, one combination per framework and ORM. The lowest (the
interpreter apigen runs on) is ``apigen smoke``'s: README's test command runs it over every
combination right after pytest, so repeating a subset of it here would only cost CI time;
``uv run apigen smoke --covering`` runs the covering subset on its own.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from apigen import report, smoke
from tests.slow.conftest import HIGHEST_PYTHON, require_servers

pytestmark = pytest.mark.slow

CASES = smoke.select({"auth": ("jwt",), "database": ("postgresql",), "redis": ("true",)})


@pytest.mark.parametrize("combination", CASES, ids=[f"{c.id}-py{HIGHEST_PYTHON}" for c in CASES])
def test_generated_project_installs_lints_tests_and_serves(
    combination: smoke.Combination, environments: smoke.Environments, workdir: Path
) -> None:
    require_servers(combination)
    result = smoke.run_combination(combination, workdir, environments)
    assert result.ok, report.failure_details([result])
