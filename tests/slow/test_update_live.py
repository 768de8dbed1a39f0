"""An edited project updated to a newer template still installs, lints and passes its tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from apigen import options, report, smoke
from apigen import update as update_module
from apigen.generate import generate
from tests.conftest import add_dependency, commit_all, git, release_v2

pytestmark = pytest.mark.slow


def edit_like_an_owner(project: Path) -> None:
    """A new dependency, a changed setting, an edited test and a test of their own."""
    add_dependency(project, "humanize>=4")
    gunicorn = project / "gunicorn.conf.py"
    gunicorn.write_text(
        gunicorn.read_text(encoding="utf-8") + "\ngraceful_timeout = 20\n", encoding="utf-8"
    )
    test_file = sorted(project.glob("**/test_*.py"))[0]
    test_file.write_text(
        test_file.read_text(encoding="utf-8")
        + '\n\ndef test_humanize_is_installed() -> None:\n    """Our own check."""\n'
        "    import humanize\n\n"
        '    assert humanize.intcomma(1000) == "1,000"\n',
        encoding="utf-8",
    )
    commit_all(project, "Owner edits")


@pytest.mark.parametrize("framework", list(options.FRAMEWORKS))
def test_edited_project_passes_its_tests_after_update(
    tmp_path: Path, template: Path, framework: str
) -> None:
    combination = smoke.Combination(options.complete({"framework": framework}))
    made = generate(
        combination.project_name,
        {"framework": framework},
        tmp_path / combination.id,
        template=template,
        vcs_ref="v1.0.0",
    )
    edit_like_an_owner(made.path)
    release_v2(template)
    plan = update_module.update(made.path, source=template)
    assert plan.conflicts == []
    assert "graceful_timeout = 20" in (made.path / "gunicorn.conf.py").read_text(encoding="utf-8")
    assert (made.path / "CODEOWNERS").is_file()
    commit_all(made.path, "Update to v1.1.0")
    assert git(made.path, "status", "--porcelain") == ""

    runner = smoke.Runner(combination, tmp_path, smoke.Environments(smoke.default_env_root()))
    result = smoke.Result(combination)
    for step in ("install", "lint"):
        try:
            getattr(runner, step)()
        except smoke.StepFailedError as exc:
            result.steps.append(smoke.StepResult(step, False, 0, str(exc), exc.output))
            pytest.fail(report.failure_details([result]))
    with runner.database():
        try:
            runner.test()
        except smoke.StepFailedError as exc:
            result.steps.append(smoke.StepResult("test", False, 0, str(exc), exc.output))
            pytest.fail(report.failure_details([result]))
