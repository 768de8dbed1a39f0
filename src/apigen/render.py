"""The one place apigen calls Copier, and where Copier's errors become apigen's."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from apigen.errors import GenerationError, InvalidAnswerError


def render(
    source: Path, destination: Path, answers: Mapping[str, object], vcs_ref: str | None
) -> None:
    """Render ``source`` (a directory, git repository or bundle) into ``destination``.

    Raises:
        InvalidAnswerError: a validator in copier.yml refused an answer.
        GenerationError: Copier or the file system failed.
    """
    from copier.errors import CopierError, CopierWarning  # noqa: PLC0415 - see _worker

    data = {k: v for k, v in answers.items() if not k.startswith("_")}
    try:
        with warnings.catch_warnings():
            # Rendering from a checkout warns about the checkout's state (no tags, dirty
            # tree): nothing the person running apigen can act on.
            warnings.simplefilter("ignore", CopierWarning)
            # What copier.run_copy does, with the worker below.
            with _worker()(
                src_path=str(source),
                dst_path=destination,
                data=data,
                defaults=True,
                overwrite=True,
                unsafe=False,
                quiet=True,
                vcs_ref=vcs_ref,
            ) as worker:
                worker.run_copy()
    except ValueError as exc:
        # Copier raises a bare ValueError for a failed validator or a bad choice.
        raise InvalidAnswerError(_message(exc)) from None
    except CopierError as exc:
        where = f" version {vcs_ref}" if vcs_ref else ""
        raise GenerationError(f"cannot render the template{where}: {_message(exc)}") from None
    except OSError as exc:
        raise GenerationError(f"cannot write the project: {exc}") from None


@functools.cache
def _worker() -> Any:
    """Copier's worker, for renders into a directory of new, untracked files.

    After writing each file, Copier runs ``git config core.fileMode`` in the destination (and
    more where it is ``false``) to carry the file's executable bit into the git index of an
    already tracked file. apigen renders only into new directories, where no file is tracked
    yet, so the answer is always "nothing to do"; asking it costs a git process per file, a
    third of a render. ``tests/test_copier_worker.py`` checks that the method still exists
    and that the output equals ``copier.run_copy``'s.
    """
    from copier._main import Worker  # noqa: PLC0415 - costs ~0.35 s: only rendering pays it

    class NewFilesWorker(Worker):
        def _sync_git_index_executable_bit(self, dst_relpath: Path, src_mode: int) -> None:
            """No file of a new render is tracked: there is no index entry to update."""

    return NewFilesWorker


def _message(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    if text.startswith("Validation error for question ") and ": " in text:
        return text.split(": ", 1)[1]
    return text
