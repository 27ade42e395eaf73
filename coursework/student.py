"""The student edition of a chapter: the same notebook without any worked solution.

Usage::

    python -m coursework.student [--out student] [NOTEBOOK ...]   # default: chapters/*.ipynb

What changes (everything else is kept as it is):

* markdown: ``{solution}`` blocks (backtick or colon fences) and everything from
  ``{solution-start}`` to ``{solution-end}`` are removed; a cell left empty is dropped;
* code: each ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` region becomes
  ``# YOUR CODE HERE`` / ``raise NotImplementedError`` (same indentation; code outside the
  markers is kept); a solution cell without markers (tag ``solution`` or inside a
  ``{solution-start}`` gate) becomes the stub as a whole;
* answer and check cells get the standard ``raises-exception`` tag, so "Run All", nbval and
  ``jupyter execute`` go on past an unanswered exercise, and a ``coursework`` metadata entry
  with their exercise id;
* every output and execution count is cleared.
"""

from __future__ import annotations

import argparse
import copy
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from nbformat import NotebookNode

from . import CHAPTERS_DIR, REPO_ROOT
from .markup import METADATA_KEY, MarkupError, find_directives, has_solution_markers, parse_notebook, stub_code
from .notebooks import NotebookError, cell_source, read_notebook, write_notebook

RAISES_EXCEPTION_TAG = "raises-exception"
_REMOVED_DIRECTIVES = {"solution", "solution-start", "solution-end"}


@dataclass(frozen=True)
class EditionSummary:
    """What was removed from one notebook."""

    stubbed_cells: int
    removed_blocks: int
    dropped_cells: int


def strip_markdown_solutions(text: str, gated: bool) -> tuple[str, bool, int]:
    """Remove solution blocks (and gated text) from a markdown cell.

    Args:
        text: the cell's source.
        gated: whether the cell starts inside a ``{solution-start}`` ... ``{solution-end}`` region.

    Returns:
        The new source, whether the cell ends inside a gated region, and the number of
        solution blocks removed. A cell with nothing to remove is returned unchanged.
    """
    lines = text.split("\n")
    keep = [True] * len(lines)
    removed = 0
    position = 0
    for directive in find_directives(text):
        for number in range(position, directive.start):
            keep[number] = not gated
        block = range(directive.start, directive.end + 1)
        if directive.name in _REMOVED_DIRECTIVES:
            removed += 1
            for number in block:
                keep[number] = False
            if directive.name == "solution-start":
                gated = True
            elif directive.name == "solution-end":
                gated = False
        else:
            for number in block:
                keep[number] = not gated
        position = directive.end + 1
    for number in range(position, len(lines)):
        keep[number] = not gated
    if all(keep):
        return text, gated, removed
    result: list[str] = []
    after_removal = False
    for line, kept in zip(lines, keep):
        if not kept:
            after_removal = True
            continue
        if after_removal and not line.strip() and (not result or not result[-1].strip()):
            continue  # don't leave a double blank line where a block was
        after_removal = after_removal and not line.strip()
        result.append(line)
    while result and not result[-1].strip():
        result.pop()
    return "\n".join(result), gated, removed


def _add_tag(cell: NotebookNode, tag: str) -> None:
    tags = list(cell.metadata.get("tags", []))
    if tag not in tags:
        tags.append(tag)
    cell.metadata["tags"] = tags


def make_student_edition(notebook: NotebookNode, source: str | None = None) -> tuple[NotebookNode, EditionSummary]:
    """Return the student edition of an instructor notebook and a summary of what was removed.

    Args:
        notebook: the instructor notebook (not modified).
        source: where it came from (stored in the notebook metadata; the grader uses it to find
            the reference notebook).

    Raises:
        MarkupError: a ``### BEGIN SOLUTION`` region is not closed (nothing is written then).
    """
    parsed = parse_notebook(notebook)
    student = copy.deepcopy(notebook)
    cells: list[NotebookNode] = []
    gated = False
    stubbed = removed = dropped = 0
    for index, cell in enumerate(student.cells):
        text = cell_source(cell)
        if cell.cell_type == "markdown":
            was_gated = gated
            new_text, gated, count = strip_markdown_solutions(text, gated)
            removed += count
            if (count or was_gated) and not new_text.strip():
                dropped += 1
                continue
            cell.source = new_text
        elif cell.cell_type == "code":
            role = parsed.roles.get(index)
            explicit_solution = role is not None and role.role == "solution" and role.explicit
            try:
                if explicit_solution or gated or has_solution_markers(text):
                    cell.source = stub_code(text, whole_cell_if_unmarked=explicit_solution or gated)
                    stubbed += 1
                    _add_tag(cell, RAISES_EXCEPTION_TAG)
                    cell.metadata[METADATA_KEY] = {"exercise": role.exercise if role else None,
                                                   "role": "solution"}
                elif role is not None and role.role == "check":
                    _add_tag(cell, RAISES_EXCEPTION_TAG)
                    cell.metadata[METADATA_KEY] = {"exercise": role.exercise, "role": "check"}
            except MarkupError as error:
                raise MarkupError(f"cell {index}: {error}") from None
            cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop("execution", None)
        elif gated:  # a raw cell inside a worked solution
            dropped += 1
            continue
        cells.append(cell)
    student.cells = cells
    student.metadata[METADATA_KEY] = {"edition": "student", "source": source}
    return student, EditionSummary(stubbed_cells=stubbed, removed_blocks=removed, dropped_cells=dropped)


def display_path(path: Path) -> str:
    """``path`` relative to the repository root when it is inside it, else absolute."""
    path = path.resolve()
    try:
        return str(path.relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def write_student_edition(notebook_path: Path, out_dir: Path) -> tuple[Path, EditionSummary]:
    """Read an instructor notebook and write its student edition to ``out_dir`` (same file name)."""
    notebook = read_notebook(notebook_path)
    try:
        student, summary = make_student_edition(notebook, source=display_path(notebook_path))
    except MarkupError as error:
        raise NotebookError(f"{notebook_path}: {error}") from None
    target = out_dir / notebook_path.name
    write_notebook(student, target)
    return target, summary


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: write the student edition of each notebook (default: every chapter)."""
    parser = argparse.ArgumentParser(prog="python -m coursework.student", description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="instructor notebooks (default: chapters/*.ipynb)")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "student", help="output folder (default: student/)")
    args = parser.parse_args(argv)
    notebooks = args.notebooks or sorted(CHAPTERS_DIR.glob("*.ipynb"))
    if not notebooks:
        print(f"no notebooks found in {CHAPTERS_DIR}: nothing to do", file=sys.stderr)
        return 0
    for notebook_path in notebooks:
        try:
            target, summary = write_student_edition(notebook_path, args.out)
        except NotebookError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        print(f"wrote {target}: {summary.stubbed_cells} answer cell(s) stubbed, "
              f"{summary.removed_blocks} solution block(s) removed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
