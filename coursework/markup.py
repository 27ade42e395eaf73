"""Parse the course's exercise markup (see instructor_guide.md, "Adding an exercise").

Markdown cells hold MyST directives with backtick or colon fences::

    ```{exercise} Title             :::{exercise} Title
    :label: ex-NN-slug              :label: ex-NN-slug
    ...                             ...
    ```                             :::

    ```{solution} ex-NN-slug        a worked solution (removed from the student edition)
    ```{solution-start} ex-NN-slug  ... cells in between are the worked solution ...
    ```{solution-end}

A code exercise has a code cell tagged ``solution`` whose ``### BEGIN SOLUTION`` ...
``### END SOLUTION`` region is the answer, and a code cell tagged ``check`` whose first line is
``# Check ex-NN-slug``. The exercise's ``:label:`` is its stable id everywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from nbformat import NotebookNode

from .notebooks import cell_source, cell_tags

EXERCISE_ID = re.compile(r"^ex-(?P<chapter>\d{2})-[a-z0-9]+(?:-[a-z0-9]+)*$")
BEGIN_SOLUTION = re.compile(r"^(?P<indent>[ \t]*)###\s*BEGIN SOLUTION\b")
END_SOLUTION = re.compile(r"^[ \t]*###\s*END SOLUTION\b")
CHECK_LINE = re.compile(r"^#\s*Check\s+(?P<id>ex-[\w-]+)")
SOLUTION_TAG = "solution"
CHECK_TAG = "check"
METADATA_KEY = "coursework"

_DIRECTIVE_OPEN = re.compile(
    r"^(?P<indent>[ ]{0,3})(?P<fence>`{3,}|:{3,})\{(?P<name>[A-Za-z][\w-]*)\}[ \t]*(?P<arg>.*?)[ \t]*$")
_PLAIN_FENCE_OPEN = re.compile(r"^[ ]{0,3}(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_OPTION = re.compile(r"^:(?P<key>[\w-]+):[ \t]*(?P<value>.*?)[ \t]*$")
_YAML_OPTION = re.compile(r"^(?P<key>[\w-]+):[ \t]*(?P<value>.*?)[ \t]*$")

Role = Literal["context", "solution", "check"]


class MarkupError(ValueError):
    """The exercise markup is broken in a way that would make a tool's output wrong."""


@dataclass(frozen=True)
class Directive:
    """One fenced MyST directive block found in a markdown cell (line numbers are 0-based)."""

    name: str
    argument: str
    options: dict[str, str]
    start: int
    end: int


def _closing_fence(fence: str) -> re.Pattern[str]:
    return re.compile(rf"^[ ]{{0,3}}{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")


def _options(content: list[str]) -> dict[str, str]:
    options: dict[str, str] = {}
    if content and content[0].strip() == "---":  # YAML-style options block
        for line in content[1:]:
            if line.strip() == "---":
                break
            match = _YAML_OPTION.match(line.strip())
            if match:
                options[match["key"]] = match["value"].strip("'\"")
        return options
    for line in content:
        match = _OPTION.match(line.strip())
        if not match:
            break
        options[match["key"]] = match["value"]
    return options


def find_directives(text: str) -> list[Directive]:
    """Top-level fenced directives of a markdown text, in order.

    A block ends at the first line made of the same fence character at least as long as the
    opening fence (CommonMark/MyST rule), or at the end of the text when it is never closed.
    Directive-looking lines inside ordinary fenced code blocks are ignored.
    """
    lines = text.split("\n")
    found: list[Directive] = []
    index = 0
    while index < len(lines):
        match = _DIRECTIVE_OPEN.match(lines[index])
        plain = None if match else _PLAIN_FENCE_OPEN.match(lines[index])
        if plain and plain["fence"][0] == "`" and "`" in plain["info"]:
            plain = None  # not a fence: an inline code span
        if not match and not plain:
            index += 1
            continue
        fence = match["fence"] if match else plain["fence"]  # type: ignore[index]
        closing = _closing_fence(fence)
        end = index + 1
        while end < len(lines) and not closing.match(lines[end]):
            end += 1
        end = min(end, len(lines) - 1)
        if match:
            found.append(Directive(name=match["name"], argument=match["arg"],
                                   options=_options(lines[index + 1:end]), start=index, end=end))
        index = end + 1
    return found


def solution_regions(source: str) -> list[tuple[int, int]]:
    """(begin, end) line numbers of each ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` region.

    Raises:
        MarkupError: a BEGIN without an END, an END without a BEGIN, or nested BEGINs.
    """
    regions: list[tuple[int, int]] = []
    begin: int | None = None
    for number, line in enumerate(source.split("\n")):
        if BEGIN_SOLUTION.match(line):
            if begin is not None:
                raise MarkupError(f"line {number + 1}: '### BEGIN SOLUTION' inside another solution region")
            begin = number
        elif END_SOLUTION.match(line):
            if begin is None:
                raise MarkupError(f"line {number + 1}: '### END SOLUTION' without '### BEGIN SOLUTION'")
            regions.append((begin, number))
            begin = None
    if begin is not None:
        raise MarkupError(f"line {begin + 1}: '### BEGIN SOLUTION' without '### END SOLUTION'")
    return regions


def has_solution_markers(source: str) -> bool:
    """Whether a code cell contains a ``### BEGIN SOLUTION`` or ``### END SOLUTION`` line."""
    return any(BEGIN_SOLUTION.match(line) or END_SOLUTION.match(line) for line in source.split("\n"))


def check_id(source: str) -> str | None:
    """The exercise id named by a check cell's first non-blank line (``# Check ex-NN-slug``)."""
    for line in source.split("\n"):
        if line.strip():
            match = CHECK_LINE.match(line.strip())
            return match["id"] if match else None
    return None


@dataclass
class Exercise:
    """One exercise of a notebook; cell numbers are indices into ``notebook.cells``."""

    id: str
    title: str
    cell: int
    solution_cells: list[int] = field(default_factory=list)
    check_cell: int | None = None
    worked_solution: bool = False

    @property
    def kind(self) -> Literal["code", "explain"]:
        """"code" when the learner writes code that a check cell tests, else "explain"."""
        return "code" if self.solution_cells or self.check_cell is not None else "explain"


@dataclass(frozen=True)
class CellRole:
    """What a code cell is: part of the chapter (context), an exercise's answer, or its check."""

    role: Role
    exercise: str | None = None
    explicit: bool = True  # False when inferred from position only (no tag, marker or gate)


@dataclass
class ParsedNotebook:
    """The exercises of a notebook, the role of each code cell, and any markup problems."""

    exercises: list[Exercise]
    roles: dict[int, CellRole]
    problems: list[str]

    def get(self, exercise_id: str) -> Exercise | None:
        """The exercise with this id, or None."""
        return next((exercise for exercise in self.exercises if exercise.id == exercise_id), None)

    @property
    def code_exercises(self) -> list[Exercise]:
        """The exercises a learner answers in code (graded automatically)."""
        return [exercise for exercise in self.exercises if exercise.kind == "code"]


def parse_notebook(notebook: NotebookNode) -> ParsedNotebook:
    """Find every exercise of a notebook (instructor or student edition) and its cells."""
    exercises: dict[str, Exercise] = {}
    roles: dict[int, CellRole] = {}
    problems: list[str] = []
    current: str | None = None
    gated: str | None = None
    for index, cell in enumerate(notebook.cells):
        source = cell_source(cell)
        where = f"cell {index}"
        if cell.cell_type == "markdown":
            for directive in find_directives(source):
                if directive.name == "exercise":
                    label = directive.options.get("label", "").strip()
                    if not label:
                        problems.append(f"{where}: {{exercise}} '{directive.argument}' has no :label:")
                        continue
                    if not EXERCISE_ID.match(label):
                        problems.append(f"{where}: exercise label '{label}' is not of the form ex-NN-slug")
                    if label in exercises:
                        problems.append(f"{where}: exercise label '{label}' is used twice")
                        continue
                    exercises[label] = Exercise(id=label, title=directive.argument, cell=index)
                    current = label
                elif directive.name == "solution":
                    target = directive.argument.strip()
                    if target in exercises:
                        exercises[target].worked_solution = True
                    else:
                        problems.append(f"{where}: {{solution}} refers to unknown exercise '{target}'")
                elif directive.name == "solution-start":
                    if gated is not None:
                        problems.append(f"{where}: {{solution-start}} inside the solution of '{gated}'")
                    gated = directive.argument.strip() or current or "?"
                    if gated in exercises:
                        exercises[gated].worked_solution = True
                    else:
                        problems.append(f"{where}: {{solution-start}} refers to unknown exercise '{gated}'")
                elif directive.name == "solution-end":
                    if gated is None:
                        problems.append(f"{where}: {{solution-end}} without {{solution-start}}")
                    gated = None
            continue
        if cell.cell_type != "code":
            continue
        tags = cell_tags(cell)
        meta = cell.get("metadata", {}).get(METADATA_KEY, {})
        meta = meta if isinstance(meta, dict) else {}
        named = check_id(source)
        try:
            marked = bool(solution_regions(source))
        except MarkupError as error:
            problems.append(f"{where}: {error}")
            marked = True
        if named or CHECK_TAG in tags or meta.get("role") == "check":
            target = named or meta.get("exercise") or current
            if target not in exercises:
                problems.append(f"{where}: check cell for unknown exercise '{target}'")
                roles[index] = CellRole("context")
                continue
            if exercises[target].check_cell is not None:
                problems.append(f"{where}: second check cell for '{target}'")
            exercises[target].check_cell = index
            roles[index] = CellRole("check", target)
        elif SOLUTION_TAG in tags or marked or gated or meta.get("role") == "solution":
            target = meta.get("exercise") or gated or current
            if target not in exercises:
                roles[index] = CellRole("solution", None)  # solution code outside any exercise
                continue
            exercises[target].solution_cells.append(index)
            roles[index] = CellRole("solution", target)
        else:
            roles[index] = CellRole("context", current)
    if gated is not None:
        problems.append(f"{{solution-start}} of '{gated}' is never closed by {{solution-end}}")
    ordered = sorted(exercises.values(), key=lambda exercise: exercise.cell)
    for exercise in ordered:  # an answer cell that lost its tag: the code between task and check
        if exercise.check_cell is not None and not exercise.solution_cells:
            for index in range(exercise.cell + 1, exercise.check_cell):
                role = roles.get(index)
                if role is not None and role.role == "context":
                    roles[index] = CellRole("solution", exercise.id, explicit=False)
                    exercise.solution_cells.append(index)
    return ParsedNotebook(exercises=ordered, roles=roles, problems=problems)


def markup_problems(notebook: NotebookNode, chapter_number: str | None = None) -> list[str]:
    """Everything in a chapter that departs from the exercise markup (empty list when none)."""
    parsed = parse_notebook(notebook)
    problems = list(parsed.problems)
    for exercise in parsed.exercises:
        match = EXERCISE_ID.match(exercise.id)
        if chapter_number is not None and match and match["chapter"] != chapter_number:
            problems.append(f"{exercise.id}: the label's number should be this chapter's, {chapter_number}")
        if not exercise.worked_solution:
            problems.append(f"{exercise.id}: no worked solution ({{solution}} block or {{solution-start}} cells)")
        if exercise.kind != "code":
            continue
        if exercise.check_cell is None:
            problems.append(f"{exercise.id}: code exercise without a check cell ('# Check {exercise.id}')")
        else:
            check = notebook.cells[exercise.check_cell]
            if check_id(cell_source(check)) != exercise.id:
                problems.append(f"{exercise.id}: the check cell must start with '# Check {exercise.id}'")
            if CHECK_TAG not in cell_tags(check):
                problems.append(f"{exercise.id}: the check cell is not tagged '{CHECK_TAG}'")
        if not exercise.solution_cells:
            problems.append(f"{exercise.id}: code exercise without a solution cell")
        for index in exercise.solution_cells:
            cell = notebook.cells[index]
            if SOLUTION_TAG not in cell_tags(cell):
                problems.append(f"{exercise.id}: solution cell {index} is not tagged '{SOLUTION_TAG}'")
            if not has_solution_markers(cell_source(cell)):
                problems.append(f"{exercise.id}: solution cell {index} has no '### BEGIN SOLUTION' marker")
    return problems
