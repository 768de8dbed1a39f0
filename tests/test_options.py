"""copier.yml and apigen.options state the same questions; plain copier refuses what apigen does."""

from __future__ import annotations

import keyword
import warnings
from pathlib import Path

import copier
import pytest
import yaml

from apigen import options
from apigen.errors import InvalidNameError
from apigen.template import template_root

SPEC = yaml.safe_load((template_root() / "copier.yml").read_text(encoding="utf-8"))


def copier_copy(dst: Path, **data: object) -> dict[str, object]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        copier.run_copy(
            str(template_root()), str(dst), data=data, defaults=True, quiet=True, vcs_ref="HEAD"
        )
    return yaml.safe_load((dst / ".copier-answers.yml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", list(options.QUESTIONS))
def test_copier_yml_has_the_same_choices_and_defaults(name: str) -> None:
    question = options.QUESTIONS[name]
    spec = SPEC[name]
    if question.is_bool:
        assert spec["type"] == "bool"
        assert spec["default"] is question.default
        return
    assert tuple(spec["choices"].values()) == question.choices
    if name != "orm":  # the ORM's default depends on the framework: checked below
        assert spec["default"] == question.default


def test_template_folders_match_the_frameworks() -> None:
    for framework in options.FRAMEWORKS.values():
        assert (template_root() / "templates" / framework.subdirectory).is_dir()
    assert "replace('-', '_')" in SPEC["_subdirectory"]


@pytest.mark.parametrize("framework", list(options.FRAMEWORKS))
def test_copier_defaults_the_orm_to_the_frameworks_own(tmp_path: Path, framework: str) -> None:
    answers = copier_copy(tmp_path / "p", project_name="svc", framework=framework)
    assert answers["orm"] == options.FRAMEWORKS[framework].default_orm


@pytest.mark.parametrize(
    ("framework", "orm"),
    [
        (f, o)
        for f in options.FRAMEWORKS
        for o in options.QUESTIONS["orm"].choices
        if o not in options.FRAMEWORKS[f].orms
    ],
)
def test_copier_refuses_the_same_orm_pairs(tmp_path: Path, framework: str, orm: str) -> None:
    with pytest.raises(ValueError, match=f"orm '{orm}' does not work with {framework}"):
        copier_copy(tmp_path / "p", project_name="svc", framework=framework, orm=orm)
    assert not (tmp_path / "p").exists()
    with pytest.raises(options.InvalidAnswerError, match="does not work with"):
        options.complete({"framework": framework, "orm": orm})


NAMES = [
    "svc",
    "my-service",
    "My_Service2",
    "x" * 30,
    "x" * 31,
    "1svc",
    "my.svc",
    "json",
    "test",
    "class",
    "django",
    "rest_framework",
    "Flask",
    "site",
]


@pytest.mark.parametrize("name", NAMES)
def test_copier_and_apigen_agree_on_names(tmp_path: Path, name: str) -> None:
    try:
        options.validate_name(name)
    except InvalidNameError:
        apigen_accepts = False
    else:
        apigen_accepts = True
    try:
        copier_copy(tmp_path / "p", project_name=name)
    except ValueError:
        copier_accepts = False
    else:
        copier_accepts = True
    assert apigen_accepts == copier_accepts


def test_every_keyword_is_reserved() -> None:
    lowercase = [k for k in keyword.kwlist if k.islower()]
    assert set(lowercase) <= options.reserved_names()


def test_combinations_cover_every_framework_and_value() -> None:
    combos = list(options.combinations())
    # drf with its one ORM, flask-restful with each of its two
    assert len(combos) == (1 + 2) * 8 * 3 * 2
    for name in ("framework", "orm", "auth", "database", "redis"):
        assert {c[name] for c in combos} == set(options.QUESTIONS[name].choices)


def test_the_covering_subset_pairs_every_auth_with_every_framework_and_orm() -> None:
    from apigen.smoke import covering_subset  # noqa: PLC0415 - the smoke module is heavier

    chosen = covering_subset()
    pairs = {(c.answers["framework"], c.answers["orm"], c.answers["auth"]) for c in chosen}
    assert pairs == {
        (framework.name, orm, auth)
        for framework in options.FRAMEWORKS.values()
        for orm in framework.orms
        for auth in options.QUESTIONS["auth"].choices
    }
    # One combination per pair, as few as can hold every auth scheme on each ORM.
    assert len(chosen) == len(pairs)
    for orm in ("django", "sqlalchemy", "peewee"):
        mine = [c for c in chosen if c.answers["orm"] == orm]
        assert {c.answers["database"] for c in mine} == set(options.QUESTIONS["database"].choices)
        assert {c.answers["redis"] for c in mine} == {True, False}
