"""The errors apigen reports to people, each with the exit code the CLI ends with.

Library errors (copier's, git's, the OS's) are converted into these at one boundary
per operation, so the CLI only ever prints ``error: <message>`` and exits with ``exit_code``.
"""

from __future__ import annotations

__all__ = [
    "AbortedError",
    "ApigenError",
    "DestinationExistsError",
    "GenerationError",
    "InvalidAnswerError",
    "InvalidNameError",
    "UsageError",
]


class ApigenError(Exception):
    """Base of every error apigen reports; ``exit_code`` is what the process exits with."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(ApigenError):
    """The user asked for something that cannot be done as asked (exit code 2)."""

    exit_code = 2


class InvalidNameError(UsageError):
    """The project name cannot name a project or its Python package."""


class InvalidAnswerError(UsageError):
    """An answer is not an allowed value, or a pair of answers cannot work together."""


class DestinationExistsError(UsageError):
    """The destination exists and is not empty: apigen never writes into it."""


class GenerationError(ApigenError):
    """Rendering or initialising the project failed; nothing was left behind."""


class AbortedError(ApigenError):
    """The user interrupted apigen (Ctrl-C); nothing was left behind."""

    exit_code = 130
