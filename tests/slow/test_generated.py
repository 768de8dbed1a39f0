"""Generated projects install, lint, pass their own tests and serve live over HTTP.

CI runs the covering subset (every option value with every framework, on the lowest supported
Python, plus one combination per framework on the highest); ``apigen smoke`` runs them all.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from apigen import report, smoke
from tests.slow.conftest import HIGHEST_PYTHON, require_servers

pytestmark = pytest.mark.slow

CASES = [(c, None) for c in smoke.covering_subset()] + [
    (c, HIGHEST_PYTHON)
    for c in smoke.select({"auth": ("jwt",), "database": ("postgresql",), "redis": ("true",)})
]


@pytest.mark.parametrize(
    ("combination", "python"),
    CASES,
    ids=[f"{c.id}-py{p or 'default'}" for c, p in CASES],
)
def test_generated_project_installs_lints_tests_and_serves(
    combination: smoke.Combination,
    python: str | None,
    environments: dict[str | None, smoke.Environments],
    workdir: Path,
) -> None:
    require_servers(combination)
    result = smoke.run_combination(combination, workdir, environments[python])
    assert result.ok, report.failure_details([result])
