"""Removing worked solutions from markdown: the part of the student edition otter cannot do.

otter removes the solution *code* (``coursework/assign.py`` marks it up for otter). The
chapters' worked solutions in markdown are MyST directives that otter does not know:
``strip_markdown_solutions`` removes ``{solution}`` blocks (backtick or colon fences) and
everything from ``{solution-start}`` to ``{solution-end}``, across cells, before the chapter is
given to otter, so no worked solution ever reaches otter or a student.
"""

from __future__ import annotations

from .markup import find_directives

RAISES_EXCEPTION_TAG = "raises-exception"  # answer and check cells: "Run All" and nbval go on past them
_REMOVED_DIRECTIVES = {"solution", "solution-start", "solution-end"}


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
