"""The coursework tooling (coursework/) without running otter: markup, export, scan, command lines.

Static tests run on every chapter and on the small fixture notebook
tests/fixtures/00_fixture.ipynb (written in the chapters' exercise markup). What needs otter
(make assign, grading, the student site) is tested in tests/test_assign.py and
tests/test_book_student.py.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent

from coursework.assign import load_points, otter_solution_source, to_master  # noqa: E402
from coursework.exercises import GUIDE, collect_exercises, render_table, replace_table  # noqa: E402
from coursework.hidden import SAMPLE_HIDDEN_DIR, function_name, load_hidden_checks  # noqa: E402
from coursework.markup import markup_problems, parse_notebook  # noqa: E402
from coursework.notebooks import NotebookError, read_notebook  # noqa: E402
from coursework.scan import suspicious  # noqa: E402
from coursework.student import strip_markdown_solutions  # noqa: E402

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


def secret_lines(nb) -> set[str]:
    """Solution lines that have a letter or digit and appear nowhere outside the solutions."""
    inside, outside = solution_and_other_lines(nb)
    return {line for line in inside if re.search(r"[A-Za-z0-9]", line)} - outside


def otter_student_view(master) -> list[str]:
    """The lines of otter's master notebook that reach students: SOLUTION blocks and tests removed."""
    lines: list[str] = []
    block: list[str] = []
    for cell in master.cells:
        text = source(cell)
        first = text.split("\n")[0].strip().upper()
        if cell.cell_type == "raw" and first.startswith(("# BEGIN SOLUTION", "# BEGIN TESTS")):
            block.append(first)
            continue
        if cell.cell_type == "raw" and first.startswith(("# END SOLUTION", "# END TESTS")):
            block.pop()
            continue
        if cell.cell_type == "raw":
            continue
        if not block:
            lines += [line.strip() for line in text.split("\n")]
        elif cell.cell_type == "code" and block[-1] == "# BEGIN SOLUTION":  # otter keeps the prompt only
            lines += [line.strip() for line in _otter_prompt(text).split("\n")]
    return lines


def _otter_prompt(text: str) -> str:
    """What otter leaves of a solution cell: lines outside '# BEGIN SOLUTION' ... '# END SOLUTION'."""
    kept, inside = [], False
    for line in text.split("\n"):
        if line.rstrip().endswith(("# BEGIN PROMPT", "# END PROMPT")):
            continue
        if re.match(r"\s*# BEGIN SOLUTION", line):
            inside = True
            continue
        if line.rstrip().endswith("# END SOLUTION"):
            inside = False
            continue
        if not inside:
            kept.append(line)
    return "\n".join(kept)


# --------------------------------------------------------------------------------------------
# The chapters' markup.

@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_exercise_markup(path):
    number = path.name[:2] if path.name[:2].isdigit() else None
    problems = markup_problems(read_notebook(path), number)
    assert not problems, f"{path.name}: " + "; ".join(problems)


def test_exercise_ids_are_unique_across_the_book():
    ids = [entry.id for entry in collect_exercises()]
    duplicates = sorted({exercise_id for exercise_id in ids if ids.count(exercise_id) > 1})
    assert not duplicates, f"exercise ids used twice: {duplicates}"


def test_sample_hidden_checks_parse_and_match_existing_exercises():
    checks, problems = load_hidden_checks([SAMPLE_HIDDEN_DIR])
    assert not problems, problems
    code_ids = {entry.id for entry in collect_exercises() if entry.kind == "code"}
    orphans = sorted(name for name in checks if name not in {function_name(i) for i in code_ids})
    assert not orphans, f"hidden checks for exercises that no chapter has (renamed?): {orphans}"
    assert "SAMPLE" in (SAMPLE_HIDDEN_DIR / "README.md").read_text(encoding="utf-8")


def test_sample_hidden_checks_give_no_expected_value_away():
    """Messages are f-strings at most about shapes and inputs, never 'expected <value>'."""
    for path in sorted(SAMPLE_HIDDEN_DIR.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        leaks = re.findall(r"f[\"'][^\"']*expected \{(?!\(|z\.|[a-z_]*\.shape)[^\"']*", text)
        assert not leaks, f"{path.name}: a message prints an expected value: {leaks}"


def test_instructor_guide_lists_every_exercise():
    current = GUIDE.read_text(encoding="utf-8")
    expected = replace_table(current, render_table(collect_exercises()))
    assert current == expected, (
        "instructor_guide.md is out of date with chapters/: run `.venv/bin/python -m coursework.exercises --write`")


# --------------------------------------------------------------------------------------------
# The export to otter's master notebook (no otter needed to build it).

@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_master_notebook_shows_students_no_line_of_any_solution(path):
    notebook = read_notebook(path)
    master, infos = to_master(notebook, {}, {}, {"name": path.stem})
    secret = secret_lines(notebook)
    assert secret, f"{path.name}: found no solution text at all; is the markup parsed?"
    shown = set(otter_student_view(master))
    leaked = sorted(secret & shown)
    assert not leaked, f"{path.name}: solution lines a student would see: {leaked[:5]}"
    assert not any("BEGIN SOLUTION" in line or "{solution" in line for line in shown)
    parsed = parse_notebook(notebook)
    assert [(i.id, i.kind) for i in infos] == [(e.id, e.kind) for e in parsed.exercises]
    questions = [source(c) for c in master.cells if c.cell_type == "raw" and source(c).startswith("# BEGIN QUESTION")]
    assert len(questions) == len(parsed.exercises)
    assert sum("manual: true" in q for q in questions) == sum(e.kind == "explain" for e in parsed.exercises)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_master_notebook_keeps_every_other_code_cell(path):
    notebook = read_notebook(path)
    master, _ = to_master(notebook, {}, {}, {"name": path.stem})
    parsed = parse_notebook(notebook)
    answers = {index for exercise in parsed.exercises for index in exercise.solution_cells}
    kept = [source(cell) for index, cell in enumerate(notebook.cells) if cell.cell_type == "code" and index not in answers]
    in_master = [source(cell) for cell in master.cells if cell.cell_type == "code"]
    assert all(code in in_master for code in kept), "code outside the answers (checks included) must be kept as it is"


def test_answer_cells_become_the_stub_for_students_and_keep_the_solution_for_otter():
    code = "import numpy as np\n\ndef f(x):\n    ### BEGIN SOLUTION\n    return x + 1\n    ### END SOLUTION\n\nprint(1)"
    converted = otter_solution_source(code)
    assert _otter_prompt(converted) == ("import numpy as np\n\ndef f(x):\n    # YOUR CODE HERE\n"
                                        "    raise NotImplementedError\n\nprint(1)")
    namespace: dict = {}
    exec(compile(converted, "converted", "exec"), namespace)  # the autograder version still runs
    assert namespace["f"](1) == 2
    assert _otter_prompt(otter_solution_source("secret = 42")) == "# YOUR CODE HERE\nraise NotImplementedError"


def test_points_come_from_the_hidden_checks_folder(tmp_path):
    (tmp_path / "ch00.py").write_text("POINTS = {'ex-00-square': 3, 'ex-00-why-nonnegative': 2}\n", encoding="utf-8")
    assert load_points([tmp_path]) == {"ex-00-square": 3.0, "ex-00-why-nonnegative": 2.0}
    notebook = read_notebook(FIXTURE)
    _, infos = to_master(notebook, {}, load_points([tmp_path]), {"name": "00_fixture"})
    assert {(i.id, i.points) for i in infos} == {("ex-00-square", 3.0), ("ex-00-why-nonnegative", 2.0),
                                                  ("ex-00-mean-square", 1.0)}


# --------------------------------------------------------------------------------------------
# The student-edition transformation of markdown, on small synthetic cases.

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


# --------------------------------------------------------------------------------------------
# The tamper scan.

def _notebook(*codes: str):
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code) for code in codes])


def test_scan_flags_what_tampers_with_grading_and_not_what_the_chapter_has():
    baseline = _notebook("import numpy as np\nx = np.ones(3)")
    submission = _notebook(
        "import numpy as np\nx = np.ones(3)",
        "np.allclose = lambda *a, **k: True",
        "get_ipython().input_transformers_cleanup.append(lambda lines: ['pass'])",
        "import builtins\nbuiltins.compile = None",
        "!cat /etc/passwd",
        "exec(bytes.fromhex('7072696e74').decode())")
    flags = suspicious(submission, baseline)
    assert not any(flag.startswith("cell 0:") for flag in flags)
    text = "\n".join(flags)
    for expected in ("cell 1: assigns to np.allclose", "cell 2: .input_transformers_cleanup", "cell 3: import builtins",
                     "cell 3: assigns to builtins.compile", "cell 4: IPython magic", "cell 5: exec(...)"):
        assert expected in text, flags


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_scan_does_not_flag_the_chapter_against_its_own_student_edition(path):
    notebook = read_notebook(path)
    master, _ = to_master(notebook, {}, {}, {"name": path.stem})
    assert suspicious(master, master) == []


# --------------------------------------------------------------------------------------------
# Notebooks that are not notebooks, and the command lines' one-line errors.

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


def assert_one_line_error(process: subprocess.CompletedProcess[str], expected: str) -> None:
    assert process.returncode == 2, process.stdout + process.stderr
    lines = process.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0], process.stderr
    assert "Traceback" not in process.stderr + process.stdout


@pytest.mark.parametrize("case, expected", [
    ("no-assignment", "run `make assign` first"), ("missing", "no such file or folder"),
    ("no-submission", "no submission given"), ("invalid-json", "is not valid JSON"),
    ("chapters", "these are the course's chapters")])
def test_grade_command_rejects_unusable_input_in_one_line(tmp_path, case, expected):
    assign_dir = tmp_path / "assign"
    (assign_dir / "00_fixture" / "autograder").mkdir(parents=True)
    if case != "no-assignment":
        (assign_dir / "00_fixture" / "exercises.json").write_text('{"exercises": []}', encoding="utf-8")
        (assign_dir / "00_fixture" / "autograder" / "00_fixture-autograder.zip").write_bytes(b"")
    submission = tmp_path / "sub.ipynb"
    submission.write_text(MANGLED["invalid-json"] if case == "invalid-json" else "{}", encoding="utf-8")
    arguments = {"missing": [tmp_path / "nothing.ipynb"], "no-submission": [""],
                 "chapters": [ROOT / "chapters"]}.get(case, [submission])
    process = subprocess.run([sys.executable, "-m", "coursework.grade", *map(str, arguments), "--assignment",
                              "00_fixture", "--assign-dir", str(assign_dir)], cwd=ROOT, capture_output=True,
                             text=True, timeout=120)
    assert_one_line_error(process, expected)


def test_assign_command_refuses_broken_markup_in_one_line(tmp_path):
    broken = tmp_path / "00_broken.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("### BEGIN SOLUTION\nx = 1")]), str(broken))
    process = subprocess.run([sys.executable, "-m", "coursework.assign", "--no-run-tests", "--hidden", str(FIXTURE_HIDDEN),
                              "--out", str(tmp_path / "out"), str(broken)], cwd=ROOT, capture_output=True, text=True,
                             timeout=120)
    assert_one_line_error(process, "without '### END SOLUTION'")
