"""The coursework tooling (coursework/): student edition, grader, hidden checks, exercise list.

Most tests use the small fixture notebook tests/fixtures/00_fixture.ipynb (written in the
chapters' exercise markup). Static tests run on every chapter; the few end-to-end tests that
execute a real chapter use the cheapest one (by the run time stored in the notebooks).
Set COURSEWORK_ALL_CHAPTERS=1 to also grade every chapter's own solutions (slow).
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
if importlib.util.find_spec("coursework") is None:  # until `make install` has re-installed the project
    sys.path.insert(0, str(ROOT))

from coursework.exercises import GUIDE, replace_table, render_table, collect_exercises  # noqa: E402
from coursework.hidden import DEFAULT_HIDDEN_DIR, function_name, load_hidden_checks  # noqa: E402
from coursework.markup import MarkupError, markup_problems, parse_notebook, stub_code  # noqa: E402
from coursework.notebooks import NotebookError, read_notebook  # noqa: E402
from coursework.student import make_student_edition, strip_markdown_solutions  # noqa: E402

CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
FIXTURE = ROOT / "tests" / "fixtures" / "00_fixture.ipynb"
FIXTURE_HIDDEN = ROOT / "tests" / "fixtures" / "hidden_checks"
NOTEBOOKS = [*CHAPTERS, FIXTURE]


def source(cell) -> str:
    text = cell.get("source", "")
    return "".join(text) if isinstance(text, list) else text


# --------------------------------------------------------------------------------------------
# An independent reading of the markup: which lines of an instructor notebook are solution text.

_SOLUTION_FENCE = re.compile(r"^\s{0,3}(`{3,}|:{3,})\{(solution|solution-start|solution-end)\}")


def _closes(line: str, fence: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and set(stripped) == {fence[0]} and len(stripped) >= len(fence)


def solution_and_other_lines(nb) -> tuple[list[str], set[str]]:
    """(lines inside worked solutions, lines outside them), stripped."""
    inside: list[str] = []
    outside: set[str] = set()
    gated = False
    for cell in nb.cells:
        lines = source(cell).split("\n")
        if cell.cell_type == "markdown":
            index = 0
            while index < len(lines):
                match = _SOLUTION_FENCE.match(lines[index])
                if not match:
                    (inside.append if gated else outside.add)(lines[index].strip())
                    index += 1
                    continue
                end = index + 1
                while end < len(lines) and not _closes(lines[end], match[1]):
                    end += 1
                if match[2] == "solution":
                    inside.extend(line.strip() for line in lines[index:end + 1])
                gated = match[2] == "solution-start"
                index = end + 1
        elif cell.cell_type == "code":
            tags = cell.metadata.get("tags", [])
            marked = any("### BEGIN SOLUTION" in line for line in lines)
            in_region = False
            for line in lines:
                if "### BEGIN SOLUTION" in line:
                    in_region = True
                is_solution = in_region or gated or ("solution" in tags and not marked)
                (inside.append if is_solution else outside.add)(line.strip())
                if "### END SOLUTION" in line:
                    in_region = False
    return inside, outside


def is_trivial(line: str) -> bool:
    """Blank lines, lone brackets, fences: no letter or digit."""
    return not re.search(r"[A-Za-z0-9]", line)


def student_of(path: Path):
    notebook = read_notebook(path)
    student, _ = make_student_edition(notebook, source=str(path))
    return notebook, student


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_student_edition_contains_no_line_of_any_solution(path):
    notebook, student = student_of(path)
    inside, outside = solution_and_other_lines(notebook)
    secret = {line for line in inside if not is_trivial(line)} - outside
    assert secret, f"{path.name}: found no solution text at all; is the markup parsed?"
    student_lines = {line.strip() for cell in student.cells for line in source(cell).split("\n")}
    leaked = sorted(secret & student_lines)
    assert not leaked, f"{path.name}: solution lines left in the student edition: {leaked[:5]}"
    for cell in student.cells:
        assert "BEGIN SOLUTION" not in source(cell) and "{solution" not in source(cell)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_student_edition_keeps_everything_else(path):
    notebook, student = student_of(path)
    nbformat.validate(student)
    for cell in student.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    parsed = parse_notebook(notebook)
    exercise_code = {index for exercise in parsed.exercises for index in exercise.solution_cells}
    kept_code = [source(cell) for index, cell in enumerate(notebook.cells)
                 if cell.cell_type == "code" and index not in exercise_code]
    student_code = [source(cell) for cell in student.cells if cell.cell_type == "code"
                    and cell.metadata.get("coursework", {}).get("role") != "solution"]
    assert student_code == kept_code, "code cells outside the answers (checks included) must be kept as they are"
    stubs = [source(cell) for cell in student.cells if cell.metadata.get("coursework", {}).get("role") == "solution"]
    assert len(stubs) == len(exercise_code)
    assert all("# YOUR CODE HERE\nraise NotImplementedError" in stub for stub in stubs)
    untouched = [source(cell) for cell in notebook.cells if cell.cell_type == "markdown" and "{solution" not in source(cell)]
    student_markdown = [source(cell) for cell in student.cells if cell.cell_type == "markdown"]
    assert all(text in student_markdown for text in untouched), "markdown outside solutions must not change"
    labels = [exercise.id for exercise in parsed.exercises]
    assert [exercise.id for exercise in parse_notebook(student).exercises] == labels


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_exercise_markup(path):
    number = path.name[:2] if path.name[:2].isdigit() else None
    problems = markup_problems(read_notebook(path), number)
    assert not problems, f"{path.name}: " + "; ".join(problems)


def test_exercise_ids_are_unique_across_the_book():
    ids = [entry.id for entry in collect_exercises()]
    duplicates = sorted({exercise_id for exercise_id in ids if ids.count(exercise_id) > 1})
    assert not duplicates, f"exercise ids used twice: {duplicates}"


def test_hidden_checks_parse_and_match_existing_exercises():
    checks, problems = load_hidden_checks([DEFAULT_HIDDEN_DIR])
    assert not problems, problems
    code_ids = {entry.id for entry in collect_exercises() if entry.kind == "code"}
    known = {function_name(exercise_id) for exercise_id in code_ids}
    orphans = sorted(name for name in checks if name not in known)
    assert not orphans, f"hidden checks for exercises that no chapter has (renamed?): {orphans}"


def test_instructor_guide_lists_every_exercise():
    current = GUIDE.read_text(encoding="utf-8")
    expected = replace_table(current, render_table(collect_exercises()))
    assert current == expected, (
        "instructor_guide.md is out of date with chapters/: run `.venv/bin/python -m coursework.exercises --write`")


# --------------------------------------------------------------------------------------------
# The student-edition transformation on small, synthetic cases.

def test_solution_blocks_with_colon_and_long_fences_are_removed_and_the_rest_kept():
    text = ("Before.\n\n:::{solution} ex-00-a\n:class: dropdown\n\nSecret colon.\n:::\n\nMiddle.\n\n"
            "````{solution} ex-00-b\nSecret 1.\n```python\nsecret_code()\n```\nSecret 2.\n````\n\nAfter.")
    result, gated, removed = strip_markdown_solutions(text, gated=False)
    assert result == "Before.\n\nMiddle.\n\nAfter."
    assert (gated, removed) == (False, 2)


def test_gated_markdown_is_removed_across_cells():
    first, gated, _ = strip_markdown_solutions("Task.\n\n```{solution-start} ex-00-a\n:class: dropdown\n```", False)
    assert (first, gated) == ("Task.", True)
    middle, gated, _ = strip_markdown_solutions("Secret explanation between the cells.", gated)
    assert (middle, gated) == ("", True)
    last, gated, _ = strip_markdown_solutions("```{solution-end}\n```\n\nVisible again.", gated)
    assert (last, gated) == ("Visible again.", False)


def test_directives_inside_code_blocks_are_left_alone():
    text = "How to write one:\n\n````markdown\n```{solution} ex-00-a\nExample.\n```\n````"
    assert strip_markdown_solutions(text, gated=False)[0] == text


def test_stub_keeps_code_outside_the_markers_and_the_indentation():
    code = "import numpy as np\n\ndef f(x):\n    ### BEGIN SOLUTION\n    return x + 1\n    ### END SOLUTION\n\nprint(1)"
    assert stub_code(code) == ("import numpy as np\n\ndef f(x):\n    # YOUR CODE HERE\n"
                               "    raise NotImplementedError\n\nprint(1)")
    assert stub_code("secret = 42") == "# YOUR CODE HERE\nraise NotImplementedError"
    assert stub_code("visible = 1", whole_cell_if_unmarked=False) == "visible = 1"
    with pytest.raises(MarkupError, match="without '### END SOLUTION'"):
        stub_code("### BEGIN SOLUTION\nsecret = 1")


def test_untagged_code_with_markers_is_stubbed_too():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# T"),
        nbformat.v4.new_code_cell("a = 1\n### BEGIN SOLUTION\nb = 2\n### END SOLUTION"),
        nbformat.v4.new_code_cell("print(a)", outputs=[nbformat.v4.new_output("stream", text="1\n")],
                                  execution_count=3),
    ])
    student, summary = make_student_edition(nb)
    assert source(student.cells[1]) == "a = 1\n# YOUR CODE HERE\nraise NotImplementedError"
    assert student.cells[2].outputs == [] and student.cells[2].execution_count is None
    assert summary.stubbed_cells == 1
    nbformat.validate(student)


# --------------------------------------------------------------------------------------------
# Notebooks that are not notebooks.

MANGLED = {
    "invalid-json": '{"cells": [',
    "json-list": "[1, 2, 3]",
    "not-a-notebook": '{"name": "x"}',
    "no-cells": '{"nbformat": 4, "nbformat_minor": 5, "metadata": {}}',
    "python-file": "print('hello')\n",
    "broken-cell": '{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "code"}]}',
}


@pytest.mark.parametrize("name", sorted(MANGLED))
def test_mangled_notebooks_are_refused_with_a_clear_message(tmp_path, name):
    path = tmp_path / f"{name}.ipynb"
    path.write_text(MANGLED[name], encoding="utf-8")
    with pytest.raises(NotebookError) as error:
        read_notebook(path)
    message = str(error.value)
    assert message.startswith(str(path)) and "\n" not in message


def run_grade(*args: str | Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "coursework.grade", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


def assert_one_line_error(process: subprocess.CompletedProcess[str], expected: str) -> None:
    assert process.returncode == 2, process.stdout + process.stderr
    lines = process.stderr.strip().splitlines()
    assert lines and lines[0].startswith("error: ") and expected in lines[0], process.stderr
    assert "Traceback" not in process.stderr + process.stdout


@pytest.mark.parametrize("case, expected", [
    ("invalid-json", "is not valid JSON"), ("no-cells", "no 'cells' list"),
    ("not-a-notebook", "not a Jupyter notebook"), ("missing", "no such file"), ("folder", "is a directory"),
    ("no-exercises", "no exercises found")])
def test_grade_command_rejects_unusable_input_in_one_line(tmp_path, case, expected):
    path = tmp_path / f"{case}.ipynb"
    if case in MANGLED:
        path.write_text(MANGLED[case], encoding="utf-8")
    elif case == "folder":
        path = tmp_path
    elif case == "no-exercises":
        nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")]), str(path))
    process = run_grade(path)
    assert_one_line_error(process, expected)
    assert len(process.stderr.strip().splitlines()) == 1


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_grade_reports_a_bad_notebook_in_one_line(tmp_path):
    path = tmp_path / "bad.ipynb"
    path.write_text(MANGLED["invalid-json"], encoding="utf-8")
    for arguments in ([f"NB={path}"], []):
        process = subprocess.run(["make", "-s", "-o", ".venv/.installed", "grade", *arguments], cwd=ROOT,
                                 capture_output=True, text=True, timeout=120)
        assert process.returncode != 0
        expected = "is not valid JSON" if arguments else "usage: make grade NB="
        first, *rest = process.stderr.strip().splitlines()
        assert first.startswith("error: ") and expected in first, process.stderr
        assert all(re.match(r"make(\[\d+\])?: \*\*\* ", line) for line in rest), process.stderr  # make's own summary
        assert "Traceback" not in process.stderr


def test_student_command_writes_valid_notebooks_and_refuses_broken_markup(tmp_path):
    process = subprocess.run([sys.executable, "-m", "coursework.student", "--out", str(tmp_path), str(FIXTURE)],
                             cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert process.returncode == 0, process.stderr
    nbformat.validate(nbformat.read(str(tmp_path / FIXTURE.name), 4))
    broken = tmp_path / "broken.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("### BEGIN SOLUTION\nx = 1")]),
                   str(broken))
    process = subprocess.run([sys.executable, "-m", "coursework.student", "--out", str(tmp_path / "out"),
                              str(broken)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert_one_line_error(process, "without '### END SOLUTION'")


# --------------------------------------------------------------------------------------------
# Grading the fixture (each run starts a kernel: about two seconds).

def grade_json(notebook: Path, tmp_path: Path, *extra: str | Path, hidden: Path | None = FIXTURE_HIDDEN,
               timeout: float = 600) -> dict:
    out = tmp_path / f"report-{notebook.stem}.json"
    options = ["--hidden-checks", hidden] if hidden else []
    process = run_grade(notebook, "--json", out, *options, *extra, timeout=timeout)
    assert process.returncode == 0, process.stderr
    assert "Traceback" not in process.stdout + process.stderr
    report = json.loads(out.read_text(encoding="utf-8"))
    assert "Score:" in process.stdout and all(result["id"] in process.stdout for result in report["exercises"])
    return report


def statuses(report: dict) -> dict[str, str]:
    return {result["id"]: result["status"] for result in report["exercises"] if result["kind"] == "code"}


def fixture_variant(tmp_path: Path, name: str, answers: dict[str, str | None] | None = None,
                    checks: dict[str, str | None] | None = None, context: str | None = None) -> Path:
    """The fixture with some answer / check cells replaced (or deleted, with None)."""
    notebook = read_notebook(FIXTURE)
    parsed = parse_notebook(notebook)
    drop = set()
    for exercise_id, new in (answers or {}).items():
        index = parsed.get(exercise_id).solution_cells[0]
        notebook.cells[index].source = new if new is not None else ""
        drop |= {index} if new is None else set()
    for exercise_id, new in (checks or {}).items():
        index = parsed.get(exercise_id).check_cell
        notebook.cells[index].source = new if new is not None else ""
        drop |= {index} if new is None else set()
    if context is not None:
        notebook.cells[1].source = context
    notebook.cells = [cell for index, cell in enumerate(notebook.cells) if index not in drop]
    path = tmp_path / f"{name}.ipynb"
    nbformat.write(notebook, str(path))
    return path


def test_fixture_instructor_notebook_gets_full_marks(tmp_path):
    report = grade_json(FIXTURE, tmp_path)
    assert statuses(report) == {"ex-00-square": "passed", "ex-00-mean-square": "passed"}
    assert all(r["public_check"] == r["hidden_check"] == "passed" for r in report["exercises"] if r["kind"] == "code")
    assert {r["id"]: r["status"] for r in report["exercises"]}["ex-00-why-nonnegative"] == "manual"
    assert report["summary"] == {"code_exercises": 2, "passed": 2, "failed": 0, "not_attempted": 0,
                                 "explain_exercises": 1}
    assert report["notes"] == []


def test_fixture_student_edition_is_not_attempted_and_runs_to_the_end(tmp_path):
    subprocess.run([sys.executable, "-m", "coursework.student", "--out", str(tmp_path), str(FIXTURE)],
                   cwd=ROOT, check=True, capture_output=True, timeout=60)
    report = grade_json(tmp_path / FIXTURE.name, tmp_path)
    assert report["reference"] == "tests/fixtures/00_fixture.ipynb"
    assert set(statuses(report).values()) == {"not attempted"}
    assert report["notes"] == [], "only the exercise cells may fail in an unanswered student edition"


def test_fixture_student_edition_passes_nbval_lax(tmp_path):
    subprocess.run([sys.executable, "-m", "coursework.student", "--out", str(tmp_path), str(FIXTURE)],
                   cwd=ROOT, check=True, capture_output=True, timeout=60)
    process = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax",
                              "--rootdir", str(tmp_path), str(tmp_path / FIXTURE.name)],
                             cwd=tmp_path, capture_output=True, text=True, timeout=300,
                             env={**os.environ, "MPLBACKEND": "Agg"})
    assert process.returncode == 0, process.stdout[-2000:]
    assert "5 passed" in process.stdout, process.stdout[-2000:]


def test_wrong_answers_fail_only_their_exercise(tmp_path):
    wrong = fixture_variant(tmp_path, "wrong", answers={"ex-00-square": "def square(x):\n    return 2 * x"})
    report = grade_json(wrong, tmp_path)
    assert statuses(report) == {"ex-00-square": "failed", "ex-00-mean-square": "passed"}
    square = report["exercises"][0]
    assert square["public_check"] == "failed" and "square(3) should be 9" in square["message"]


def test_hidden_check_catches_what_the_public_check_misses(tmp_path):
    cheat = fixture_variant(tmp_path, "cheat", answers={"ex-00-mean-square": "def mean_square(v):\n    return 14 / 3"})
    report = grade_json(cheat, tmp_path)
    assert statuses(report) == {"ex-00-square": "passed", "ex-00-mean-square": "failed"}
    result = report["exercises"][2]
    assert (result["public_check"], result["hidden_check"]) == ("passed", "failed")
    assert "wrong mean square" in result["message"]
    without_hidden = grade_json(cheat, tmp_path, hidden=tmp_path / "no-hidden-checks-here")
    assert statuses(without_hidden) == {"ex-00-square": "passed", "ex-00-mean-square": "passed"}
    assert {r["hidden_check"] for r in without_hidden["exercises"] if r["kind"] == "code"} == {"missing"}


def test_edited_or_deleted_check_cells_do_not_change_the_grade(tmp_path):
    tampered = fixture_variant(tmp_path, "tampered",
                               answers={"ex-00-square": "def square(x):\n    return 2 * x"},
                               checks={"ex-00-square": "# Check ex-00-square\nprint('all good')",
                                       "ex-00-mean-square": None})
    report = grade_json(tampered, tmp_path, "--reference", FIXTURE)
    assert statuses(report) == {"ex-00-square": "failed", "ex-00-mean-square": "passed"}
    assert report["exercises"][2]["public_check"] == "passed"


def test_missing_and_unfinished_answers_are_not_attempted(tmp_path):
    missing = fixture_variant(tmp_path, "missing", answers={"ex-00-square": None}, checks={"ex-00-square": None},
                              context="import numpy as np\nvalues = np.array([1.0, -2.0, 3.0])")
    report = grade_json(missing, tmp_path, "--reference", FIXTURE)
    assert statuses(report) == {"ex-00-square": "not attempted", "ex-00-mean-square": "passed"}
    unfinished = fixture_variant(tmp_path, "unfinished", answers={
        "ex-00-square": "def square(x):\n    raise NotImplementedError('later')",
        "ex-00-mean-square": "# YOUR CODE HERE\n"})
    report = grade_json(unfinished, tmp_path, "--reference", FIXTURE)
    assert statuses(report) == {"ex-00-square": "not attempted", "ex-00-mean-square": "not attempted"}


def test_an_exception_outside_the_exercises_is_noted_and_grading_goes_on(tmp_path):
    broken = fixture_variant(tmp_path, "broken", context="import numpy as np\nvalues = np.array([1.0, -2.0, 3.0])\n1 / 0")
    report = grade_json(broken, tmp_path)
    assert statuses(report) == {"ex-00-square": "passed", "ex-00-mean-square": "passed"}
    assert len(report["notes"]) == 1 and "ZeroDivisionError" in report["notes"][0]


@pytest.mark.parametrize("case, answer, restarts", [
    pytest.param("infinite-loop", "def square(x):\n    while True:\n        pass", 0, id="infinite-loop"),
    pytest.param("uninterruptible", "import signal\n\ndef square(x):\n    signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                 "    while True:\n        pass", 1, id="uninterruptible-loop"),
    pytest.param("kernel-death", "import os\nos._exit(1)", 1, id="kernel-death"),
])
def test_a_hanging_or_crashing_answer_fails_and_grading_goes_on(tmp_path, case, answer, restarts):
    path = fixture_variant(tmp_path, case, answers={"ex-00-square": answer})
    report = grade_json(path, tmp_path, "--timeout", "2", timeout=120)
    assert statuses(report) == {"ex-00-square": "failed", "ex-00-mean-square": "passed"}
    message = report["exercises"][0]["message"]
    assert ("timed out after 2 s" in message) if case != "kernel-death" else ("crashed the kernel" in message)
    assert report["kernel_restarts"] == restarts


# --------------------------------------------------------------------------------------------
# End to end on a real chapter: the cheapest one that can run here.

def stored_runtime(path: Path) -> float:
    """Seconds the chapter's stored run took (from nbclient's timing metadata; inf if unknown)."""
    total = 0.0
    for cell in read_notebook(path).cells:
        timing = cell.get("metadata", {}).get("execution", {})
        start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
        if cell.cell_type == "code" and not (start and end):
            return float("inf")
        if start and end:
            total += (datetime.fromisoformat(end.replace("Z", "+00:00"))
                      - datetime.fromisoformat(start.replace("Z", "+00:00"))).total_seconds()
    return total


def can_run(path: Path) -> bool:
    """False when the chapter imports a package that is not installed (e.g. the PyTorch extra)."""
    for cell in read_notebook(path).cells:
        if cell.cell_type == "code":
            for module in re.findall(r"^\s*(?:import|from)\s+(\w+)", source(cell), flags=re.M):
                if importlib.util.find_spec(module) is None:
                    return False
    return True


def cheapest_chapter() -> Path:
    candidates = [path for path in CHAPTERS if can_run(path) and parse_notebook(read_notebook(path)).code_exercises]
    if not candidates:
        pytest.skip("no chapter with code exercises yet")
    return min(candidates, key=lambda path: (stored_runtime(path), path.name))


def wrong_answer(answer: str) -> str:
    """Code defining the same top-level names as ``answer``, all wrong (functions return None)."""
    inner = "\n".join(line for line in answer.split("\n") if "### " not in line)
    lines = []
    for node in ast.parse(inner).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            lines.append(f"def {node.name}(*args, **kwargs):\n    return None")
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, (ast.AnnAssign, ast.AugAssign, ast.For)) else []
        for target in targets:
            for name in ast.walk(target):
                if isinstance(name, ast.Name):
                    lines.append(f"{name.id} = None")
    return "\n".join(lines) or "wrong_answer = None"


def test_real_chapter_gets_full_marks(tmp_path):
    chapter = cheapest_chapter()
    report = grade_json(chapter, tmp_path, hidden=None)
    assert set(statuses(report).values()) == {"passed"}, report
    assert report["notes"] == []


def test_real_chapter_student_edition_is_not_attempted_and_runs(tmp_path):
    chapter = cheapest_chapter()
    subprocess.run([sys.executable, "-m", "coursework.student", "--out", str(tmp_path), str(chapter)],
                   cwd=ROOT, check=True, capture_output=True, timeout=60)
    report = grade_json(tmp_path / chapter.name, tmp_path, hidden=None)
    assert report["reference"] == f"chapters/{chapter.name}"
    assert set(statuses(report).values()) == {"not attempted"}, report
    assert report["notes"] == [], "cells outside the exercises failed in the student edition"


def test_real_chapter_wrong_answer_fails_only_that_exercise(tmp_path):
    chapter = cheapest_chapter()
    notebook = read_notebook(chapter)
    last = parse_notebook(notebook).code_exercises[-1]
    cell = notebook.cells[last.solution_cells[0]]
    cell.source = wrong_answer(source(cell))
    path = tmp_path / chapter.name
    nbformat.write(notebook, str(path))
    report = grade_json(path, tmp_path, hidden=None)
    expected = {exercise_id: "passed" for exercise_id in statuses(report)} | {last.id: "failed"}
    assert statuses(report) == expected, report


@pytest.mark.skipif(not os.environ.get("COURSEWORK_ALL_CHAPTERS"), reason="set COURSEWORK_ALL_CHAPTERS=1 (slow)")
def test_every_chapter_gets_full_marks_with_its_hidden_checks(tmp_path):
    failures = {}
    for chapter in filter(can_run, CHAPTERS):
        report = grade_json(chapter, tmp_path, hidden=None)
        bad = {r["id"]: r["message"] for r in report["exercises"] if r["kind"] == "code" and r["status"] != "passed"}
        if bad or report["notes"]:
            failures[chapter.name] = (bad, report["notes"])
    assert not failures, failures
