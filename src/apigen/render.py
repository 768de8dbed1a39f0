"""The one place apigen calls Copier, and where Copier's errors become apigen's."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from pathlib import Path

from apigen.errors import GenerationError, InvalidAnswerError


def render(
    source: Path, destination: Path, answers: Mapping[str, object], vcs_ref: str | None
) -> None:
    """Render ``source`` (a directory, git repository or bundle) into ``destination``.

    Raises:
        InvalidAnswerError: a validator in copier.yml refused an answer.
        GenerationError: Copier or the file system failed.
    """
    import copier  # noqa: PLC0415 - costs ~0.35 s: only rendering pays it
    from copier.errors import CopierError, CopierWarning  # noqa: PLC0415

    data = {k: v for k, v in answers.items() if not k.startswith("_")}
    try:
        with warnings.catch_warnings():
            # Rendering from a checkout warns about the checkout's state (no tags, dirty
            # tree): nothing the person running apigen can act on.
            warnings.simplefilter("ignore", CopierWarning)
            copier.run_copy(
                str(source),
                str(destination),
                data=data,
                defaults=True,
                overwrite=True,
                unsafe=False,
                quiet=True,
                vcs_ref=vcs_ref,
            )
    except ValueError as exc:
        # Copier raises a bare ValueError for a failed validator or a bad choice.
        raise InvalidAnswerError(_message(exc)) from None
    except CopierError as exc:
        where = f" version {vcs_ref}" if vcs_ref else ""
        raise GenerationError(f"cannot render the template{where}: {_message(exc)}") from None
    except OSError as exc:
        raise GenerationError(f"cannot write the project: {exc}") from None


def _message(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    if text.startswith("Validation error for question ") and ": " in text:
        return text.split(": ", 1)[1]
    return text
