"""The questions apigen asks, stated once.

The CLI's flags and prompts, the smoke matrix and the validation of answers all follow from
this module; ``copier.yml`` states the same questions for plain ``copier copy`` and
``tests/test_options.py`` proves the two agree.
"""

from __future__ import annotations

import itertools
import keyword
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache

from apigen.errors import InvalidAnswerError, InvalidNameError

MAX_NAME_LENGTH = 30
_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")


@dataclass(frozen=True)
class Question:
    """One question: its answer's name, the allowed values and the default.

    A boolean question has ``choices == (True, False)``.
    """

    name: str
    help: str
    choices: tuple[str | bool, ...]
    default: str | bool

    @property
    def is_bool(self) -> bool:
        """Whether the answer is a yes/no flag."""
        return isinstance(self.default, bool)


@dataclass(frozen=True)
class Framework:
    """A framework answer and what its template supports."""

    name: str
    title: str
    subdirectory: str
    orms: tuple[str, ...]
    # Answer values the template does not implement yet: refused, never ignored.
    unsupported: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @property
    def default_orm(self) -> str:
        """The framework's own ORM."""
        return self.orms[0]


FRAMEWORKS: dict[str, Framework] = {
    "drf": Framework(
        name="drf",
        title="Django REST Framework",
        subdirectory="drf",
        orms=("django",),
    ),
    "flask-restful": Framework(
        name="flask-restful",
        title="Flask-RESTful",
        subdirectory="flask_restful",
        orms=("sqlalchemy", "peewee"),
    ),
}

QUESTIONS: dict[str, Question] = {
    q.name: q
    for q in (
        Question("framework", "Web framework", tuple(FRAMEWORKS), "drf"),
        Question(
            "orm",
            "ORM (default: the framework's own)",
            tuple(dict.fromkeys(o for f in FRAMEWORKS.values() for o in f.orms)),
            "django",
        ),
        Question(
            "auth",
            "Authentication scheme",
            ("none", "basic", "session", "token", "jwt", "apikey", "remote-user", "oauth2"),
            "none",
        ),
        Question("database", "Database", ("sqlite", "postgresql", "mysql"), "sqlite"),
        Question("redis", "Redis for the cache and throttle counters", (True, False), False),
        Question("docker", "Dockerfile", (True, False), True),
        Question("ci", "CI workflow", ("github", "none"), "github"),
    )
}

Answers = dict[str, str | bool]


def default_for(question: str, answers: Mapping[str, str | bool]) -> str | bool:
    """The default of ``question`` given the answers gathered so far."""
    if question == "orm":
        return FRAMEWORKS[str(answers.get("framework", QUESTIONS["framework"].default))].default_orm
    return QUESTIONS[question].default


def complete(answers: Mapping[str, str | bool | None]) -> Answers:
    """Fill every unanswered question with its default and validate the whole set.

    Raises:
        InvalidAnswerError: a value is not allowed, or a pair of answers cannot work.
    """
    result: Answers = {}
    for name, question in QUESTIONS.items():
        value = answers.get(name)
        if value is None:
            value = default_for(name, result)
        if value not in question.choices:
            allowed = ", ".join(str(c).lower() for c in question.choices)
            raise InvalidAnswerError(f"{name} '{value}' is not allowed: choose one of {allowed}")
        result[name] = value
    check_pairs(result)
    return result


def check_pairs(answers: Mapping[str, str | bool]) -> None:
    """Refuse answers the chosen framework cannot work with or does not implement yet.

    Raises:
        InvalidAnswerError: naming the value and what the framework allows.
    """
    framework = FRAMEWORKS[str(answers["framework"])]
    if answers["orm"] not in framework.orms:
        raise InvalidAnswerError(
            f"orm '{answers['orm']}' does not work with {framework.name}: "
            f"choose {' or '.join(framework.orms)}"
        )
    for name, values in framework.unsupported.items():
        if answers[name] in values:
            raise InvalidAnswerError(
                f"{name} '{answers[name]}' is not implemented by the {framework.name} template yet"
            )


def combinations() -> Iterator[Answers]:
    """Every supported combination of the answers that change the generated service."""
    names = ("framework", "orm", "auth", "database", "redis")
    for values in itertools.product(*(QUESTIONS[n].choices for n in names)):
        answers: dict[str, str | bool | None] = dict(zip(names, values, strict=True))
        try:
            yield complete(answers)
        except InvalidAnswerError:
            continue


def package_name_for(project_name: str) -> str:
    """The Python package name a project name gives (``my-service`` -> ``my_service``)."""
    return project_name.lower().replace("-", "_")


@cache
def reserved_names() -> frozenset[str]:
    """Names a package may not take, as copier.yml states them (read on first use)."""
    import yaml  # noqa: PLC0415 - only `apigen new` pays for YAML

    from apigen.template import template_root  # noqa: PLC0415

    # libyaml's loader where PyYAML has it: the pure-Python one costs ~10x on every `apigen new`.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    spec = yaml.load((template_root() / "copier.yml").read_text(encoding="utf-8"), loader)  # noqa: S506
    return frozenset(spec["reserved_names"]["default"].split()) | frozenset(keyword.kwlist)


def validate_name(name: str) -> str:
    """Check a project name and return the package name it gives.

    Raises:
        InvalidNameError: a one-line message naming the value and what is allowed.
    """
    shown = repr(name)
    if not name.strip():
        raise InvalidNameError("project name is empty: give a name such as 'my-service'")
    if name != name.strip():
        raise InvalidNameError(f"project name {shown} has leading or trailing whitespace")
    if "/" in name or "\\" in name:
        raise InvalidNameError(
            f"project name {shown} contains a path separator: give the name alone and the "
            "location with --dir"
        )
    if ".." in name:
        raise InvalidNameError(f"project name {shown} contains '..'")
    if name.startswith("-"):
        raise InvalidNameError(f"project name {shown} starts with '-'")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidNameError(
            f"project name {shown} is {len(name)} characters long: at most {MAX_NAME_LENGTH}"
        )
    if not _NAME_RE.fullmatch(name):
        raise InvalidNameError(
            f"project name {shown} is invalid: use letters, digits, '-' and '_', "
            "starting with a letter"
        )
    package = package_name_for(name)
    if package in reserved_names():
        raise InvalidNameError(
            f"project name {shown} gives the package name '{package}', which is reserved "
            "(a Python keyword, a standard-library module or a module the service uses): "
            "choose another name"
        )
    return package
