"""apigen renders through Copier's worker minus one per-file git question: same output."""

from __future__ import annotations

import filecmp
import shutil
import warnings
from pathlib import Path

import copier
import pytest
from copier._main import Worker

from apigen.render import render
from apigen.template import template_root


def test_the_skipped_copier_method_still_exists() -> None:
    """A Copier release that renames it would silently bring the per-file git calls back."""
    assert callable(getattr(Worker, "_sync_git_index_executable_bit", None))


@pytest.mark.parametrize("framework", ["drf", "flask-restful"])
def test_render_writes_what_copier_run_copy_writes(tmp_path: Path, framework: str) -> None:
    template = tmp_path / "template"  # a plain directory, as an installed apigen has it
    template.mkdir()
    shutil.copy(template_root() / "copier.yml", template / "copier.yml")
    shutil.copytree(template_root() / "templates", template / "templates")
    answers = {"project_name": "svc", "framework": framework, "auth": "jwt"}
    render(template, tmp_path / "apigen", answers, None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        copier.run_copy(str(template), tmp_path / "copier", data=answers, defaults=True, quiet=True)
    compared = filecmp.dircmp(tmp_path / "apigen", tmp_path / "copier")
    stack = [compared]
    while stack:
        current = stack.pop()
        assert current.left_only == current.right_only == [], current.left
        _, mismatch, errors = filecmp.cmpfiles(
            current.left, current.right, current.common_files, shallow=False
        )
        assert mismatch == errors == []
        for name in current.common_files:
            left, right = Path(current.left, name), Path(current.right, name)
            assert left.stat().st_mode == right.stat().st_mode, left
        stack.extend(current.subdirs.values())
