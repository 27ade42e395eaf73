"""make assign and make grade end to end: otter assign, otter run in the sandbox, the gradebook.

Needs the instructor extra (requirements-otter.txt: `make coursework-test` installs it and runs
this file; without it the file is skipped) and, for grading, Linux user namespaces (skipped with
the reason where they are missing). Each graded notebook costs one `otter run` (a kernel start: seconds), so the
fixture notebook carries most tests, graded in two batches; real chapters are exported and
graded for a sample (the cheapest chapters by stored run time). Set COURSEWORK_ALL_CHAPTERS=1
to export and grade every chapter and to try every attack (slow).
"""

from __future__ import annotations

import copy
import csv
import importlib.util
import json
import os
import re
import subprocess
import sys
import zipfile
from datetime import datetime
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
pytest.importorskip("otter", reason="the instructor extra is not installed: make coursework-test installs "
                                    "requirements-otter.txt and runs these tests")

from coursework.markup import parse_notebook  # noqa: E402
from coursework.notebooks import cell_source, read_notebook  # noqa: E402
from coursework.sandbox import available  # noqa: E402
from test_coursework import secret_lines  # noqa: E402

CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
FIXTURE = ROOT / "tests" / "fixtures" / "00_fixture.ipynb"
FIXTURE_HIDDEN = ROOT / "tests" / "fixtures" / "hidden_checks"
ALL = bool(os.environ.get("COURSEWORK_ALL_CHAPTERS"))


NO_SANDBOX = available()
needs_sandbox = pytest.mark.skipif(NO_SANDBOX is not None, reason=f"no Linux sandbox here: {NO_SANDBOX}")
ENV = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}


def run(module: str, *args: str | Path, timeout: float = 900, env: dict | None = None):
    process = subprocess.run([sys.executable, "-m", module, *map(str, args)], cwd=ROOT, capture_output=True,
                             text=True, timeout=timeout, env=env or ENV)
    assert process.returncode == 0, process.stdout[-2000:] + process.stderr[-3000:]
    assert "Traceback" not in process.stdout + process.stderr
    return process


def stored_runtime(path: Path) -> float:
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
    for cell in read_notebook(path).cells:
        if cell.cell_type == "code":
            for module in re.findall(r"^\s*(?:import|from)\s+(\w+)", cell_source(cell), flags=re.M):
                if importlib.util.find_spec(module) is None:
                    return False
    return True


def sample_chapters() -> list[Path]:
    runnable = [path for path in CHAPTERS if can_run(path) and parse_notebook(read_notebook(path)).code_exercises]
    return runnable if ALL else sorted(runnable, key=lambda path: (stored_runtime(path), path.name))[:1]


SAMPLE = sample_chapters()


@pytest.fixture(scope="module")
def fixture_assign(tmp_path_factory) -> Path:
    """The fixture exported with its hidden checks, otter assign's own run of the tests included."""
    out = tmp_path_factory.mktemp("assign")
    run("coursework.assign", "--hidden", FIXTURE_HIDDEN, "--out", out, FIXTURE)
    return out


@pytest.fixture(scope="module")
def chapters_assign(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("assign-chapters")
    chapters = CHAPTERS if ALL else SAMPLE
    if chapters:
        run("coursework.assign", "--no-run-tests", "--out", out, *chapters)
    return out


def zip_texts(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name).decode("utf-8", errors="replace") for name in archive.namelist()}


def the_zip(assign_dir: Path, name: str) -> Path:
    (path,) = sorted((assign_dir / name / "autograder").glob("*.zip"))
    return path


# --------------------------------------------------------------------------------------------
# What make assign writes.

def test_fixture_export_has_student_notebook_zip_and_points(fixture_assign):
    out = fixture_assign / "00_fixture"
    exercises = json.loads((out / "exercises.json").read_text(encoding="utf-8"))["exercises"]
    assert [(e["id"], e["kind"], e["points"], e["hidden_check"]) for e in exercises] == [
        ("ex-00-square", "code", 1.0, True), ("ex-00-why-nonnegative", "explain", 1.0, False),
        ("ex-00-mean-square", "code", 1.0, True)]
    assert "All autograder tests passed" in (out / "otter-assign.log").read_text(encoding="utf-8")
    files = zip_texts(the_zip(fixture_assign, "00_fixture"))
    assert {"run_autograder", "setup.sh", "environment.yml", "otter_config.json",
            "tests/ex-00-square.py", "tests/ex-00-mean-square.py", "files/mlp_utils/__init__.py"} <= set(files)
    assert json.loads(files["otter_config.json"])["assignment_name"] == "00_fixture"
    assert "run_otter.py" in files["run_autograder"] and "OPENBLAS_NUM_THREADS=1" in files["run_autograder"]
    assert "numpy==" in files["environment.yml"], "the grading image gets the course's pinned packages"
    square = files["tests/ex-00-square.py"]
    assert "all_or_nothing = True" in square and "hidden=True" in square and "hidden=False" in square
    assert "check_ex_00_square" in square and "INTEGRITY" in square


@pytest.mark.parametrize("name", ["00_fixture", *[path.stem for path in (CHAPTERS if ALL else SAMPLE)]])
def test_export_leaks_no_solution_and_gives_every_exercise_an_answer_cell(fixture_assign, chapters_assign, name):
    assign_dir = fixture_assign if name == "00_fixture" else chapters_assign
    chapter = FIXTURE if name == "00_fixture" else ROOT / "chapters" / f"{name}.ipynb"
    secret = secret_lines(read_notebook(chapter))
    student = read_notebook(assign_dir / name / "student" / f"{name}.ipynb")
    student_lines = {line.strip() for cell in student.cells for line in cell_source(cell).split("\n")}
    assert not secret & student_lines, sorted(secret & student_lines)[:5]
    files = zip_texts(the_zip(assign_dir, name))
    with zipfile.ZipFile(the_zip(assign_dir, name)) as archive:  # files/: the public package and data as they are
        for file in archive.namelist():
            if file.startswith("files/") and not file.endswith("/"):
                assert (ROOT / file.removeprefix("files/")).read_bytes() == archive.read(file), file
    library = {line.strip() for file, text in files.items() if file.startswith("files/") for line in text.split("\n")}
    for file, text in files.items():
        assert not file.endswith(".ipynb"), f"the autograder zip holds a notebook: {file}"
        lines = {line.strip() for line in text.split("\n")}
        assert not (secret - library) & lines, f"{file}: {sorted((secret - library) & lines)[:3]}"
    exercises = parse_notebook(read_notebook(chapter)).exercises
    answers = [cell for cell in student.cells if "otter_answer_cell" in cell.metadata.get("tags", [])]
    assert len(answers) == len(exercises), "one answer cell per exercise (code stub or written answer)"
    stubs = [cell_source(c) for c in answers if c.cell_type == "code"]
    assert all("# YOUR CODE HERE\nraise NotImplementedError" in stub for stub in stubs)
    assert sum(c.cell_type == "markdown" for c in answers) == sum(e.kind == "explain" for e in exercises)
    assert not any("otter" in cell_source(c) for c in student.cells if c.cell_type == "code"), \
        "the student notebook must run without otter installed"


# --------------------------------------------------------------------------------------------
# Grading: submissions made from the fixture.

WRONG_SQUARE = "def square(x):\n    return 2 * x"
SUBMISSIONS = {  # student -> (answer of ex-00-square or None, extra cell after it, first cell)
    "correct": (None, None, None),
    "wrong": (WRONG_SQUARE, None, None),
    "below-the-stub": ("# YOUR CODE HERE\nraise NotImplementedError", "def square(x):\n    return x * x", None),
    "input-transformer": (WRONG_SQUARE + "\nget_ipython().input_transformers_cleanup.append("
                          "lambda lines: ['pass\\n'] if any('check' in l.lower() for l in lines) else lines)", None, None),
    "patched-allclose": (WRONG_SQUARE + "\nimport numpy\nnumpy.allclose = lambda *a, **k: True\n"
                         "numpy.isclose = lambda *a, **k: True", None, None),
    "reads-the-reference": (
        f"import glob, json\nsources = glob.glob('{ROOT}/**/00_fixture.ipynb', recursive=True)\n"
        "cells = [c for p in sources for c in json.load(open(p))['cells']]\n"
        "exec(next(''.join(c['source']) for c in cells if 'def square' in ''.join(c['source'])))", None,
        f"import pathlib\nfor p in [pathlib.Path('{ROOT}/chapters'), pathlib.Path('{ROOT}/tests/fixtures')]:\n"
        "    try:\n        (p / 'EVIL.txt').write_text('x')\n    except OSError:\n        pass"),
    "leaks-the-environment": ("import os\nisolated = 'INSTRUCTOR_SECRET' not in os.environ and os.environ['OPENBLAS_NUM_THREADS'] == '1'"
                              f" and os.getcwd().startswith('/tmp/grading') and not os.path.exists('{ROOT}/chapters')\n"
                              "def square(x):\n    return x * x if isolated else None",
                              None, "import os\nprint(dict(os.environ))"),
    "kills-everything": (None, None, "import os, signal, subprocess\nsubprocess.Popen(['sleep', '3141'])\n"
                         "for pid in range(2, 500):\n    try:\n        os.kill(pid, signal.SIGKILL)\n"
                         "    except OSError:\n        pass"),
    "huge-exception": ("def square(x):\n    raise ValueError('x' * 5_000_000)", None, None),
    "other-assignment": (None, None, None),
}
if ALL:
    SUBMISSIONS |= {
        "patched-compile": (WRONG_SQUARE + "\nimport builtins\n_c = builtins.compile\n"
                            "builtins.compile = lambda s, *a, **k: _c('pass', *a, **k)", None, None),
        "forged-results": (WRONG_SQUARE + "\nfrom otter.execute import Checker\n_orig = Checker.check.__func__\n"
                           "def _check(cls, *a, **k):\n    t = _orig(cls, *a, **k)\n"
                           "    t.test_case_results = [r._replace(passed=True) for r in t.test_case_results]\n"
                           "    return t\nChecker.check = classmethod(_check)", None, None)}


def fixture_submission(folder: Path, student: str, answer: str | None, extra: str | None, first: str | None) -> Path:
    notebook = read_notebook(FIXTURE)
    square = parse_notebook(notebook).get("ex-00-square").solution_cells[0]
    if answer is not None:
        notebook.cells[square].source = answer
    if extra is not None:
        notebook.cells.insert(square + 1, nbformat.v4.new_code_cell(extra))
    if first is not None:
        notebook.cells.insert(1, nbformat.v4.new_code_cell(first))
    name = "03_gradient_descent" if student == "other-assignment" else "00_fixture"
    notebook.metadata["otter"] = {"assignment_name": name}
    (folder / student).mkdir(parents=True)
    path = folder / student / "00_fixture.ipynb"
    nbformat.write(notebook, str(path))
    return path


def gradebook(path: Path) -> dict[str, dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header = [re.sub(r" \(.*\)$", "", name) for name in rows[0]]
    return {row[0]: dict(zip(header, row)) for row in rows[1:]}


@pytest.fixture(scope="module")
def fixture_grades(fixture_assign, tmp_path_factory) -> tuple[dict[str, dict[str, str]], Path]:
    if NO_SANDBOX:
        pytest.skip(f"no Linux sandbox here: {NO_SANDBOX}")
    folder = tmp_path_factory.mktemp("submissions")
    for student, (answer, extra, first) in SUBMISSIONS.items():
        fixture_submission(folder, student, answer, extra, first)
    student_edition = fixture_assign / "00_fixture" / "student" / "00_fixture.ipynb"
    (folder / "untouched").mkdir()
    (folder / "untouched" / "00_fixture.ipynb").write_bytes(student_edition.read_bytes())
    (folder / "not-a-notebook.ipynb").write_text("{", encoding="utf-8")
    out = tmp_path_factory.mktemp("grades")
    process = run("coursework.grade", folder, "--assignment", "00_fixture", "--assign-dir", fixture_assign,
                  "--out", out, "--jobs", "2", "--budget", "300",
                  env={**ENV, "INSTRUCTOR_SECRET": "hunter2"})
    assert "gradebook written" in process.stdout
    return gradebook(out / "gradebook.csv"), out


def points(row: dict[str, str]) -> tuple[str, str, str, str]:
    return row["ex-00-square"], row["ex-00-why-nonnegative"], row["ex-00-mean-square"], row["autograded"]


@needs_sandbox
def test_gradebook_has_one_row_per_student_with_points_and_manual_columns(fixture_grades):
    book, out = fixture_grades
    assert set(book) == {*SUBMISSIONS, "untouched", "not-a-notebook"}
    assert points(book["correct"]) == ("1", "", "1", "2") and book["correct"]["flags"] == ""
    assert book["correct"]["autograded_possible"] == "2" and book["correct"]["manual_possible"] == "1"
    assert points(book["untouched"]) == ("0", "", "0", "0") and book["untouched"]["flags"] == ""
    assert points(book["wrong"]) == ("0", "", "1", "1") and book["wrong"]["flags"] == ""
    assert points(book["below-the-stub"]) == ("1", "", "1", "2")
    assert points(book["not-a-notebook"]) == ("0", "", "0", "0")
    assert "not gradable" in book["not-a-notebook"]["flags"]
    feedback = (out / "feedback" / "wrong.md").read_text(encoding="utf-8")
    assert "| ex-00-square | 0 / 1 | not passed |" in feedback and "square(3) should be 9" in feedback
    assert "| ex-00-why-nonnegative | - / 1 | graded by hand |" in feedback
    assert json.loads((out / "results" / "correct.json").read_text(encoding="utf-8"))["tests"]


@needs_sandbox
@pytest.mark.parametrize("student, flag", [
    ("input-transformer", "input_transformers_cleanup"), ("patched-allclose", "tampering"),
    ("patched-compile", "builtins.compile"), ("forged-results", "Checker.check")])
def test_tampering_with_the_checks_scores_nothing_and_is_flagged(fixture_grades, student, flag):
    if student not in SUBMISSIONS:
        pytest.skip("set COURSEWORK_ALL_CHAPTERS=1 to try every attack")
    row = fixture_grades[0][student]
    assert row["ex-00-square"] == "0", row
    assert flag in row["flags"], row["flags"]


@needs_sandbox
def test_the_submission_cannot_read_or_write_the_repository(fixture_grades):
    row = fixture_grades[0]["reads-the-reference"]
    assert row["ex-00-square"] == "0", "the submission found a reference solution"
    assert "open(...)" in row["flags"]
    assert not (ROOT / "chapters" / "EVIL.txt").exists() and not (ROOT / "tests" / "fixtures" / "EVIL.txt").exists()


@needs_sandbox
def test_the_submission_sees_no_instructor_environment_and_runs_in_a_scratch_folder(fixture_grades):
    book, out = fixture_grades
    assert book["leaks-the-environment"]["ex-00-square"] == "1"
    assert "hunter2" not in (out / "results" / "leaks-the-environment.json").read_text(encoding="utf-8")
    assert ".environ" in book["leaks-the-environment"]["flags"]


@needs_sandbox
def test_killing_processes_or_leaving_them_behind_harms_only_that_submission(fixture_grades):
    book, _ = fixture_grades
    assert book["kills-everything"]["autograded"] == "0" and "import signal" in book["kills-everything"]["flags"]
    assert points(book["correct"]) == ("1", "", "1", "2")  # graded alongside it, in parallel
    # the submission's own process, by its whole command line (an unusual duration, anchored, so
    # that no other process on the machine, e.g. a shell running "sleep 300; ...", matches)
    left = subprocess.run(["pgrep", "-f", "^sleep 3141$"], capture_output=True, text=True)
    assert left.stdout.strip() == "", "a process of a submission survived its grading"


@needs_sandbox
def test_a_huge_exception_message_is_capped(fixture_grades):
    book, out = fixture_grades
    assert points(book["huge-exception"]) == ("0", "", "1", "1")
    assert len((out / "feedback" / "huge-exception.md").read_text(encoding="utf-8")) < 20_000
    assert len(book["huge-exception"]["flags"]) < 3000


@needs_sandbox
def test_a_notebook_of_another_assignment_is_refused(fixture_grades):
    row = fixture_grades[0]["other-assignment"]
    assert row["autograded"] == "0" and "03_gradient_descent" in row["flags"], row


@needs_sandbox
def test_an_endless_notebook_is_stopped_by_the_time_budget(fixture_assign, tmp_path):
    fixture_submission(tmp_path / "subs", "loops", "def square(x):\n    while True:\n        pass", None, None)
    process = run("coursework.grade", tmp_path / "subs", "--assignment", "00_fixture", "--assign-dir", fixture_assign,
                  "--out", tmp_path / "out", "--budget", "8")
    row = gradebook(tmp_path / "out" / "gradebook.csv")["loops"]
    assert row["autograded"] == "0" and "time budget of 8 s exceeded" in row["flags"]
    seconds = float(re.search(r"\[([\d.]+) s\]", process.stdout)[1])
    assert 8 <= seconds < 30, process.stdout


# --------------------------------------------------------------------------------------------
# Grading real chapters: the reference earns full points, the student notebook zero, and one
# wrong answer loses exactly its exercise's points.

def wrong_answer(answer: str) -> str:
    """Code defining the same top-level names as ``answer``, all wrong (functions return None)."""
    import ast

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


@needs_sandbox
@pytest.mark.skipif(not SAMPLE, reason="no chapter with code exercises can run here")
@pytest.mark.parametrize("chapter", SAMPLE, ids=lambda p: p.stem)
def test_real_chapter_reference_full_student_zero_one_wrong_answer_loses_its_points(chapters_assign, chapter, tmp_path):
    name = chapter.stem
    exercises = json.loads((chapters_assign / name / "exercises.json").read_text(encoding="utf-8"))["exercises"]
    reference = read_notebook(chapter)
    reference.metadata["otter"] = {"assignment_name": name}
    folder = tmp_path / "subs"
    folder.mkdir()
    nbformat.write(reference, str(folder / "reference.ipynb"))
    (folder / "student.ipynb").write_bytes((chapters_assign / name / "student" / f"{name}.ipynb").read_bytes())
    wrong = copy.deepcopy(reference)
    last = parse_notebook(wrong).code_exercises[-1]
    cell = wrong.cells[last.solution_cells[0]]
    cell.source = wrong_answer(cell_source(cell))
    nbformat.write(wrong, str(folder / "wrong.ipynb"))
    run("coursework.grade", folder, "--assignment", name, "--assign-dir", chapters_assign, "--out", tmp_path / "out",
        "--jobs", "2")
    book = gradebook(tmp_path / "out" / "gradebook.csv")
    code = {e["id"]: e["points"] for e in exercises if e["kind"] == "code"}
    full = sum(code.values())
    assert float(book["reference"]["autograded"]) == full, book["reference"]
    assert book["reference"]["flags"] == "", book["reference"]["flags"]
    assert float(book["student"]["autograded"]) == 0 and "otter wrote no results" not in book["student"]["flags"]
    assert float(book["wrong"]["autograded"]) == full - code[last.id], book["wrong"]
    assert float(book["wrong"][last.id]) == 0
    for e in exercises:
        assert (book["reference"][e["id"]] == "") == (e["kind"] != "code"), "written exercises are left to the instructor"


def test_fixture_student_notebook_runs_top_to_bottom_without_otter(fixture_assign, tmp_path):
    """nbval-lax (like "Run All"): the stubs fail, every other cell runs; otter is not imported."""
    student = tmp_path / "00_fixture.ipynb"
    student.write_bytes((fixture_assign / "00_fixture" / "student" / "00_fixture.ipynb").read_bytes())
    process = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax",
                              "--rootdir", str(tmp_path), str(student)], cwd=tmp_path, capture_output=True, text=True,
                             timeout=300, env={**ENV, "MPLBACKEND": "Agg"})
    assert process.returncode == 0, process.stdout[-2000:]
    assert re.search(r"\b\d+ passed\b", process.stdout) and "failed" not in process.stdout, process.stdout[-2000:]
