"""Reading and writing notebooks with clear, one-line errors for anything that is not one."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import nbformat
from nbformat import NotebookNode
from nbformat.validator import ValidationError, normalize


class NotebookError(Exception):
    """A file cannot be used as a notebook; the message is one line meant for a human."""


def _first_line(text: object) -> str:
    lines = str(text).strip().splitlines()
    return lines[0] if lines else type(text).__name__


def read_notebook(path: str | Path) -> NotebookNode:
    """Read and validate a Jupyter notebook (converted to nbformat 4).

    Raises:
        NotebookError: the path is missing, is a directory, is not UTF-8 JSON, is not a
            notebook, or is not a valid nbformat document. The message names the file.
    """
    if str(path).strip() == "":
        raise NotebookError("no notebook given")
    path = Path(path)
    if not path.exists():
        raise NotebookError(f"{path}: no such file")
    if path.is_dir():
        raise NotebookError(f"{path}: is a directory, not a notebook")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise NotebookError(f"{path}: is not a text file, so not a Jupyter notebook") from None
    except OSError as error:
        raise NotebookError(f"{path}: cannot be read ({error.strerror or error})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise NotebookError(
            f"{path}: is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg}),"
            " so not a Jupyter notebook") from None
    if not isinstance(data, dict) or not isinstance(data.get("nbformat"), int):
        raise NotebookError(f"{path}: is JSON but not a Jupyter notebook (no 'nbformat' version number)")
    if data["nbformat"] < 4 and "cells" not in data and "worksheets" not in data:
        raise NotebookError(f"{path}: is not a valid notebook: it has no cells")
    if data["nbformat"] >= 4 and not isinstance(data.get("cells"), list):
        raise NotebookError(f"{path}: is not a valid notebook: it has no 'cells' list")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. MissingIDFieldWarning: normalize() adds the ids
            notebook = nbformat.from_dict(data)
            if notebook.nbformat != 4:
                notebook = nbformat.convert(notebook, 4)
            _, normalized = normalize(notebook)
            notebook = nbformat.from_dict(normalized)
            nbformat.validate(notebook)
    except ValidationError as error:
        where = "/".join(str(part) for part in getattr(error, "absolute_path", []))
        raise NotebookError(f"{path}: is not a valid notebook: {_first_line(error.message)}"
                            + (f" (at {where})" if where else "")) from None
    except Exception as error:  # nbformat raises many kinds of errors on malformed input
        raise NotebookError(f"{path}: is not a valid notebook: {_first_line(error)}") from None
    return notebook


def write_notebook(notebook: NotebookNode, path: Path) -> None:
    """Validate ``notebook`` and write it to ``path`` (creating the parent folder)."""
    nbformat.validate(notebook)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, str(path))


def cell_source(cell: NotebookNode) -> str:
    """The cell's source as one string (nbformat allows a list of lines on disk)."""
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def cell_tags(cell: NotebookNode) -> list[str]:
    """The cell's tags (``metadata.tags``), an empty list when it has none."""
    tags = cell.get("metadata", {}).get("tags", [])
    return list(tags) if isinstance(tags, list) else []
