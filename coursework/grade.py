"""Grade a submitted notebook: per code exercise, passed / failed / not attempted.

Usage::

    python -m coursework.grade NOTEBOOK [--json OUT.json] [--timeout SECONDS]
                               [--reference INSTRUCTOR.ipynb] [--hidden-checks DIR ...]
    make grade NB=NOTEBOOK [JSON=OUT.json] [TIMEOUT=SECONDS]

The notebook is executed cell by cell in a fresh kernel (nbclient) with a time limit per cell.
A student's exception never stops grading; an infinite loop fails its exercise (the kernel is
interrupted, or restarted and the earlier cells re-run) and grading goes on.

For each code exercise the grader runs the answer cell(s), then the public check, then the
hidden check (``coursework/hidden_checks``), all in the student's kernel, at the place of the
exercise's check cell. The public check is taken from the reference (instructor) notebook,
found through the student edition's metadata or by exercise ids among ``chapters/*.ipynb``,
so a deleted or edited check cell changes nothing; without a reference the notebook's own
check cells are used. An exercise is *not attempted* when its answer cell is missing, empty,
still the ``raise NotImplementedError`` stub, or raises ``NotImplementedError``.

Exit status: 0 when the notebook was graded (whatever the score), 2 when it cannot be graded
(missing file, not a notebook, no exercises), 3 on an internal error. Errors are one line.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

from nbformat import NotebookNode

from . import CHAPTERS_DIR, REPO_ROOT
from .hidden import DEFAULT_HIDDEN_DIR, HiddenCheck, function_name, kernel_code, load_hidden_checks
from .kernel import KernelLost, KernelSession, RunResult
from .markup import METADATA_KEY, Exercise, ParsedNotebook, is_unanswered, parse_notebook
from .notebooks import NotebookError, cell_source, read_notebook
from .student import display_path

Status = Literal["passed", "failed", "not attempted", "manual"]
DEFAULT_TIMEOUT = 300  # per cell; the same limit as `make nbval`


@dataclass
class ExerciseResult:
    """The grade of one exercise. ``public``/``hidden``: passed, failed, missing or not run."""

    id: str
    title: str
    kind: str
    status: Status
    public_check: str = "not run"
    hidden_check: str = "not run"
    message: str = ""


@dataclass
class GradeReport:
    """Everything the grader found out about one notebook."""

    notebook: str
    reference: str | None
    timeout: int
    exercises: list[ExerciseResult]
    notes: list[str] = field(default_factory=list)
    kernel_restarts: int = 0

    def summary(self) -> dict[str, int]:
        """Counts of code exercises by status, and of explain exercises (graded by hand)."""
        code = [result for result in self.exercises if result.kind == "code"]
        return {
            "code_exercises": len(code),
            "passed": sum(result.status == "passed" for result in code),
            "failed": sum(result.status == "failed" for result in code),
            "not_attempted": sum(result.status == "not attempted" for result in code),
            "explain_exercises": len(self.exercises) - len(code),
        }

    def to_dict(self) -> dict[str, object]:
        """The report as JSON-ready data."""
        data = asdict(self)
        data["summary"] = self.summary()
        return data

    def table(self) -> str:
        """The report as a plain-text table for a terminal."""
        reference = f"reference: {self.reference}" if self.reference else "no reference notebook"
        lines = [f"Grading {self.notebook} ({reference}; time limit {self.timeout} s per cell)", ""]
        width = max([len("exercise")] + [len(result.id) for result in self.exercises])
        lines.append(f"{'exercise':<{width}}  {'status':<13}  {'public':<7}  {'hidden':<7}  details")
        for result in self.exercises:
            public = result.public_check if result.kind == "code" else "-"
            hidden = result.hidden_check if result.kind == "code" else "-"
            lines.append(f"{result.id:<{width}}  {result.status:<13}  {public:<7}  {hidden:<7}  {result.message}")
        counts = self.summary()
        lines += ["", f"Score: {counts['passed']}/{counts['code_exercises']} code exercises passed, "
                      f"{counts['failed']} failed, {counts['not_attempted']} not attempted; "
                      f"{counts['explain_exercises']} explain exercise(s) to grade by hand."]
        if self.notes:
            lines += ["", "Notes:"] + [f"  - {note}" for note in self.notes]
        return "\n".join(lines)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def find_reference(path: Path, notebook: NotebookNode, parsed: ParsedNotebook,
                   chapters_dir: Path = CHAPTERS_DIR) -> Path | None:
    """The instructor notebook a submission comes from, or None.

    Tried in order: the ``coursework.source`` recorded in a student edition, then the chapter
    sharing the most exercise ids with the submission, then the chapter with the same file name.
    """
    ids = {exercise.id for exercise in parsed.exercises}
    meta = notebook.metadata.get(METADATA_KEY, {})
    source = meta.get("source") if isinstance(meta, dict) else None
    if isinstance(source, str) and source:
        candidate = Path(source) if Path(source).is_absolute() else REPO_ROOT / source
        if candidate.is_file() and not _same_file(candidate, path):
            return candidate
    best: tuple[int, Path] | None = None
    for chapter in sorted(chapters_dir.glob("*.ipynb")):
        try:
            chapter_ids = {exercise.id for exercise in parse_notebook(read_notebook(chapter)).exercises}
        except NotebookError:
            continue
        overlap = len(ids & chapter_ids)
        if overlap and (best is None or overlap > best[0]):
            best = (overlap, chapter)
    if best is not None:
        return best[1]
    same_name = chapters_dir / path.name
    return same_name if same_name.is_file() else None


class _Grader:
    """Executes one submission against its reference and collects the results."""

    def __init__(self, student: NotebookNode, reference: NotebookNode | None,
                 hidden: dict[str, HiddenCheck], session: KernelSession) -> None:
        self.student = student
        self.parsed = parse_notebook(student)
        self.reference_parsed = parse_notebook(reference) if reference is not None else self.parsed
        self.reference = reference if reference is not None else student
        self.hidden = hidden
        self.session = session
        self.notes: list[str] = []
        self.results: dict[str, ExerciseResult] = {}
        self.answer_state: dict[str, str] = {}  # exercise id -> "", "not attempted: ...", "failed: ..."
        self.answer_cells_seen: dict[str, int] = {}
        expected = self.reference_parsed.exercises
        self.code_ids = {exercise.id for exercise in expected if exercise.kind == "code"}
        self.expected = expected

    def _check_source(self, exercise_id: str) -> str | None:
        for parsed, notebook in ((self.reference_parsed, self.reference), (self.parsed, self.student)):
            exercise = parsed.get(exercise_id)
            if exercise is not None and exercise.check_cell is not None:
                return cell_source(notebook.cells[exercise.check_cell])
        return None

    def _record_answer(self, exercise_id: str, source: str, result: RunResult | None) -> None:
        self.answer_cells_seen[exercise_id] = self.answer_cells_seen.get(exercise_id, 0) + 1
        previous = self.answer_state.get(exercise_id, "")
        if previous.startswith("failed"):
            return
        if is_unanswered(source):
            self.answer_state[exercise_id] = "not attempted: the answer cell still holds the stub (or is empty)"
        elif result is not None and result.ename == "NotImplementedError":
            self.answer_state[exercise_id] = "not attempted: the answer cell raises NotImplementedError"
        elif result is not None and result.status != "ok":
            self.answer_state[exercise_id] = f"failed: the answer cell {result.message}"
        elif not previous:
            self.answer_state[exercise_id] = ""

    def _grade(self, exercise: Exercise) -> ExerciseResult:
        result = ExerciseResult(exercise.id, exercise.title, "code", "failed")
        state = self.answer_state.get(exercise.id, "")
        if not self.answer_cells_seen.get(exercise.id):
            result.status, result.message = "not attempted", "no answer cell in the notebook"
            return result
        if state:
            status, _, message = state.partition(": ")
            result.status, result.message = status, message  # type: ignore[assignment]
            return result
        check = self._check_source(exercise.id)
        if check is None:
            result.public_check = "missing"
        else:
            outcome = self.session.run(check)
            if outcome.ename == "NotImplementedError":
                result.status, result.message = "not attempted", "the answer raises NotImplementedError"
                return result
            result.public_check = "passed" if outcome.status == "ok" else "failed"
            if outcome.status != "ok":
                result.message = f"the public check {outcome.message}"
                return result
        hidden = self.hidden.get(function_name(exercise.id))
        if hidden is None:
            result.hidden_check = "missing"
        else:
            outcome = self.session.run(kernel_code(hidden))
            result.hidden_check = "passed" if outcome.status == "ok" else "failed"
            if outcome.status != "ok":
                result.message = f"the hidden check {outcome.message}"
                return result
        if result.public_check == "missing" and result.hidden_check == "missing":
            result.message = "no check to run (the check cell is missing)"
            return result
        result.status = "passed"
        return result

    def _finish(self, exercise_id: str) -> None:
        if exercise_id not in self.results:
            exercise = self.reference_parsed.get(exercise_id)
            assert exercise is not None
            self.results[exercise_id] = self._grade(exercise)

    def run(self) -> list[ExerciseResult]:
        """Execute every code cell in order, grading each exercise at its check cell."""
        last_answer = {exercise.id: max(exercise.solution_cells)
                       for exercise in self.parsed.exercises if exercise.solution_cells}
        has_check = {exercise.id for exercise in self.parsed.exercises if exercise.check_cell is not None}
        try:
            for index, cell in enumerate(self.student.cells):
                if cell.cell_type != "code":
                    continue
                role = self.parsed.roles.get(index)
                source = cell_source(cell)
                exercise_id = role.exercise if role else None
                if role and role.role == "check" and exercise_id in self.code_ids:
                    self._finish(exercise_id)
                    continue
                if role and role.role == "solution" and exercise_id in self.code_ids:
                    outcome = self.session.run(source, replay=True) if source.strip() else None
                    self._record_answer(exercise_id, source, outcome)
                    if last_answer.get(exercise_id) == index and exercise_id not in has_check:
                        self._finish(exercise_id)
                    continue
                if not source.strip():
                    continue
                outcome = self.session.run(source, replay=True)
                if outcome.status != "ok":
                    self.notes.append(f"cell {index} (not part of an exercise answer) {outcome.message}")
            for exercise in self.expected:  # exercises whose cells are missing or out of order
                if exercise.kind == "code":
                    self._finish(exercise.id)
        except KernelLost as error:
            self.notes.append(f"grading stopped: {error}")
            for exercise in self.expected:
                if exercise.kind == "code" and exercise.id not in self.results:
                    self.results[exercise.id] = ExerciseResult(
                        exercise.id, exercise.title, "code", "failed", message=f"not graded: {error}")
        results = []
        for exercise in self.expected:
            if exercise.kind == "code":
                results.append(self.results[exercise.id])
            else:
                results.append(ExerciseResult(exercise.id, exercise.title, "explain", "manual",
                                              "-", "-", "explain exercise: grade by hand"))
        return results


def grade_notebook(path: str | Path, *, timeout: float = DEFAULT_TIMEOUT, reference: str | Path | None = None,
                   hidden_dirs: Sequence[Path] = (DEFAULT_HIDDEN_DIR,), kernel_name: str = "python3",
                   cwd: Path | None = None) -> GradeReport:
    """Execute a submitted notebook in a fresh kernel and grade every exercise.

    Args:
        path: the submitted notebook.
        timeout: time limit per cell, in seconds.
        reference: the instructor notebook (default: found automatically, see ``find_reference``).
        hidden_dirs: folders with hidden checks.
        kernel_name: the kernel to run the notebook in.
        cwd: the kernel's working directory (default: the reference's folder, else the notebook's).

    Raises:
        NotebookError: the submission (or the reference) cannot be read, or has no exercises.
    """
    if str(path).strip() == "":
        raise NotebookError("no notebook given")
    path = Path(path)
    student = read_notebook(path)
    parsed = parse_notebook(student)
    reference_path = Path(reference) if reference else find_reference(path, student, parsed)
    reference_nb = read_notebook(reference_path) if reference_path else None
    expected = parse_notebook(reference_nb).exercises if reference_nb is not None else parsed.exercises
    if not expected:
        raise NotebookError(f"{path}: no exercises found (no {{exercise}} block with a ':label: ex-NN-slug')"
                            + ("" if reference_nb is None else f" in the reference {reference_path}"))
    hidden, problems = load_hidden_checks(hidden_dirs)
    workdir = cwd or (reference_path.resolve().parent if reference_path else path.resolve().parent)
    with KernelSession(workdir, timeout, kernel_name=kernel_name) as session:
        grader = _Grader(student, reference_nb, hidden, session)
        results = grader.run()
        restarts = session.restarts
    return GradeReport(notebook=str(path), reference=display_path(reference_path) if reference_path else None,
                       timeout=session.timeout, exercises=results, notes=problems + grader.notes,
                       kernel_restarts=restarts)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: grade one notebook, print the table, optionally write the JSON report."""
    parser = argparse.ArgumentParser(prog="python -m coursework.grade",
                                     description="Grade a submitted notebook of 'MLPs from scratch'.")
    parser.add_argument("notebook", help="the submitted notebook (.ipynb)")
    parser.add_argument("--json", metavar="OUT", help="also write the report as JSON to OUT ('-': print only JSON)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                        help=f"time limit per cell in seconds (default {DEFAULT_TIMEOUT})")
    parser.add_argument("--reference", help="the instructor notebook (default: found automatically)")
    parser.add_argument("--hidden-checks", action="append", type=Path, metavar="DIR",
                        help="folder of hidden checks (repeatable; default coursework/hidden_checks)")
    parser.add_argument("--kernel", default="python3", help="kernel name (default python3)")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    args = parser.parse_args(argv)
    if args.timeout <= 0:
        parser.error("--timeout must be positive")
    try:
        report = grade_notebook(args.notebook, timeout=args.timeout, reference=args.reference,
                                hidden_dirs=args.hidden_checks or [DEFAULT_HIDDEN_DIR], kernel_name=args.kernel)
    except NotebookError as error:
        hint = " (usage: make grade NB=path/to/notebook.ipynb)" if str(error) == "no notebook given" else ""
        print(f"error: cannot grade: {error}{hint}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 - one line for the user, a traceback only on request
        if args.debug:
            raise
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        print(f"error: grading failed: {type(error).__name__}: {first} (rerun with --debug for details)",
              file=sys.stderr)
        return 3
    if args.json == "-":
        print(json.dumps(report.to_dict(), indent=2))
        return 0
    print(report.table())
    if args.json:
        out = Path(args.json)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report.to_dict(), indent=2) + "\n", encoding="utf-8")
        print(f"\nJSON report written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
