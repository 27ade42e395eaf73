"""Grade submissions with otter-grader and write a gradebook CSV and per-student feedback.

Usage::

    python -m coursework.grade SUBMISSION [SUBMISSION ...] --assignment NN_name
                               [--assign-dir _build/assign] [--out _build/grades/NN_name]
                               [--budget SECONDS] [--jobs N] [--no-sandbox]
    make grade CHAPTER=NN_name SUBMISSIONS=submissions/            # a folder, or one .ipynb

Each SUBMISSION is a notebook or a folder searched for notebooks: ``folder/alice.ipynb`` and
``folder/alice/NN_name.ipynb`` are both student ``alice``. The instructor names the assignment;
the submission cannot choose what it is graded against (its otter metadata must name the same
assignment, else otter refuses it and the gradebook says so).

Every submission is graded by ``otter run`` against the autograder zip that ``make assign``
wrote, in its own temporary folder, inside a sandbox (``coursework/sandbox.py``: no network,
read-only file system, no repository, no home folder, a scrubbed environment, single-threaded
BLAS), with a time budget for the whole notebook and a cap on every file and message. Before
that, ``coursework/scan.py`` lists the code that could tamper with grading; after it, the
integrity failures found by the hidden tests are added. Both go to the ``flags`` column.

Output in ``--out``: ``gradebook.csv`` (one row per student: every exercise's points, manual
ones left empty for the instructor, the autograded total, the flags), ``feedback/<student>.md``
and ``results/<student>.json`` (otter's results, size-capped).

Exit status: 0 when every submission was graded (whatever the scores), 2 when nothing can be
graded (no autograder zip, no notebook), with a one-line error.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from nbformat import NotebookNode

from . import CHAPTERS_DIR, REPO_ROOT
from .assign import DEFAULT_OUT as DEFAULT_ASSIGN_DIR
from .assign import find_zip
from .notebooks import NotebookError, read_notebook
from .sandbox import INSIDE_JOB_DIR, available, grading_environment, sandboxed
from .scan import suspicious

DEFAULT_BUDGET = 600  # seconds for a whole notebook; the slowest chapter runs in about 30 s
MAX_MESSAGE = 1500  # characters of any test message kept in the feedback
MAX_RESULTS_BYTES = 48 * 1024 * 1024  # below the sandbox's 64 MB file limit
INTEGRITY_MARK = "INTEGRITY"


@dataclass
class Graded:
    """The grade of one submission."""

    student: str
    path: str
    points: dict[str, float | None]  # exercise id -> points (None: manual, graded by hand)
    messages: dict[str, str] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    seconds: float = 0.0
    results: dict | None = None

    @property
    def autograded(self) -> float:
        return sum(value for value in self.points.values() if value is not None)


def load_exercises(assign_dir: Path, assignment: str) -> list[dict]:
    """The exercises of an assignment (id, kind, points), as ``make assign`` recorded them."""
    path = assign_dir / assignment / "exercises.json"
    if not path.is_file():
        raise NotebookError(f"{path}: no such file: run `make assign` first")
    return json.loads(path.read_text(encoding="utf-8"))["exercises"]


def find_submissions(paths: Sequence[Path]) -> list[tuple[str, Path]]:
    """(student id, notebook) for every notebook given or found in a given folder."""
    found: list[tuple[str, Path]] = []
    for path in paths:
        if path.is_dir():
            for notebook in sorted(path.rglob("*.ipynb")):
                if ".ipynb_checkpoints" in notebook.parts:
                    continue
                relative = notebook.relative_to(path)
                found.append((relative.stem if len(relative.parts) == 1 else relative.parts[0], notebook))
        else:
            found.append((path.stem, path))
    return found


def _cap(text: str, limit: int = MAX_MESSAGE) -> str:
    return text if len(text) <= limit else text[:limit] + f"\n... ({len(text) - limit} more characters cut)"


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def run_otter(submission: Path, autograder: Path, *, budget: float, sandbox: bool,
              hide: Sequence[Path] = ()) -> tuple[dict | None, list[str], float]:
    """Grade one notebook with ``otter run``; returns (otter's results or None, flags, seconds)."""
    flags: list[str] = []
    job = Path(tempfile.mkdtemp(prefix="coursework-grade-"))
    try:
        (job / "submission").mkdir()
        (job / "out").mkdir()
        (job / "home").mkdir()
        shutil.copy(autograder, job / "autograder.zip")
        shutil.copy(submission, job / "submission" / "submission.ipynb")
        root = INSIDE_JOB_DIR if sandbox else str(job)
        command = [sys.executable, "-m", "otter", "run", "--no-logo", "-a", f"{root}/autograder.zip",
                   "-o", f"{root}/out", f"{root}/submission/submission.ipynb"]
        if sandbox:
            argv, env, cwd = sandboxed(command, job, hide=hide), {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}, None
        else:
            argv, env, cwd = command, grading_environment(str(job / "home")), job
        with open(job / "log.txt", "wb") as log:
            start = time.monotonic()
            process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, start_new_session=True)
            try:
                process.wait(timeout=budget)
            except subprocess.TimeoutExpired:
                _kill_group(process)
                flags.append(f"time budget of {budget:g} s exceeded: not graded (grade again with a larger BUDGET "
                             "if the notebook is just slow)")
            finally:
                _kill_group(process)  # whatever the submission left behind in the session goes too
            seconds = time.monotonic() - start
        results_path = job / "out" / "results.json"
        results = None
        if results_path.is_file() and results_path.stat().st_size <= MAX_RESULTS_BYTES:
            try:
                results = json.loads(results_path.read_text(encoding="utf-8", errors="replace"))
            except json.JSONDecodeError:
                flags.append("otter's results file is not valid JSON")
        elif results_path.is_file():
            flags.append(f"otter's results file is larger than {MAX_RESULTS_BYTES} bytes: ignored")
        elif not flags:
            tail = (job / "log.txt").read_text(encoding="utf-8", errors="replace").strip().splitlines()[-1:]
            flags.append("otter wrote no results" + (f": {_cap(tail[0], 300)}" if tail else ""))
        return (_capped(results) if results is not None else None), flags, seconds
    finally:
        shutil.rmtree(job, ignore_errors=True)


def _capped(results: dict) -> dict:
    """otter's results with every message cut to MAX_MESSAGE characters (a 5 MB traceback is one line)."""
    tests = []
    for test in results.get("tests", []) if isinstance(results, dict) else []:
        if isinstance(test, dict):
            tests.append({key: _cap(value) if isinstance(value, str) else value for key, value in test.items()})
    return {"tests": tests, **{k: v for k, v in results.items() if k != "tests" and not isinstance(v, (str, list, dict))}}


def _question_results(results: dict) -> tuple[dict[str, float], dict[str, str], list[str]]:
    """Per question: score and otter's message; plus flags from otter's error entries."""
    scores: dict[str, float] = {}
    messages: dict[str, str] = {}
    flags: list[str] = []
    for test in results.get("tests", []):
        name, output = str(test.get("name", "")), str(test.get("output", ""))
        if name == "Autograder Error":
            flags.append("otter refused the submission: " + _cap(output.strip().splitlines()[-1] if output.strip() else "", 300))
        elif "score" in test and test.get("score") is not None:
            scores[name] = float(test["score"])
            messages[name] = output
            if INTEGRITY_MARK in output:
                flags.append(f"{name}: the hidden test found the grading environment modified (tampering)")
    return scores, messages, flags


def grade_submission(student: str, path: Path, autograder: Path, exercises: list[dict],
                     baseline: NotebookNode | None, *, budget: float, sandbox: bool,
                     hide: Sequence[Path] = ()) -> Graded:
    """Grade one submission: scan, otter run in a sandbox, points per exercise, flags."""
    points: dict[str, float | None] = {e["id"]: (0.0 if e["kind"] == "code" else None) for e in exercises}
    graded = Graded(student, str(path), points)
    try:
        notebook = read_notebook(path)
    except NotebookError as error:
        graded.flags.append(f"not gradable: {error}")
        return graded
    graded.flags += suspicious(notebook, baseline)
    results, flags, graded.seconds = run_otter(path, autograder, budget=budget, sandbox=sandbox, hide=hide)
    graded.flags += flags
    graded.results = results
    if results is not None:
        scores, messages, more_flags = _question_results(results)
        graded.flags += more_flags
        for exercise in exercises:
            if exercise["kind"] == "code":
                graded.points[exercise["id"]] = min(scores.get(exercise["id"], 0.0), float(exercise["points"]))
                graded.messages[exercise["id"]] = messages.get(exercise["id"], "no result from otter")
        missing = [e["id"] for e in exercises if e["kind"] == "code" and e["id"] not in scores]
        if missing and not more_flags:
            graded.flags.append(f"no result for {', '.join(missing)}")
    return graded


def write_gradebook(out: Path, assignment: str, exercises: list[dict], grades: list[Graded]) -> Path:
    """gradebook.csv: student, every exercise's points, autograded total and possible, flags."""
    out.mkdir(parents=True, exist_ok=True)
    ids = [e["id"] for e in exercises]
    possible = sum(float(e["points"]) for e in exercises if e["kind"] == "code")
    manual = sum(float(e["points"]) for e in exercises if e["kind"] != "code")
    header = ["student", *[f"{e['id']} ({'manual, ' if e['kind'] != 'code' else ''}{float(e['points']):g})"
                           for e in exercises], "autograded", "autograded_possible", "manual_possible", "flags"]
    path = out / "gradebook.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for grade in grades:
            cells = ["" if grade.points[i] is None else f"{grade.points[i]:g}" for i in ids]
            writer.writerow([grade.student, *cells, f"{grade.autograded:g}", f"{possible:g}", f"{manual:g}",
                             _cap(" | ".join(grade.flags), 2000)])
    (out / "feedback").mkdir(exist_ok=True)
    (out / "results").mkdir(exist_ok=True)
    for grade in grades:
        (out / "feedback" / f"{grade.student}.md").write_text(feedback(grade, assignment, exercises), encoding="utf-8")
        (out / "results" / f"{grade.student}.json").write_text(
            json.dumps(grade.results, indent=2) if grade.results is not None else "null", encoding="utf-8")
    return path


def feedback(grade: Graded, assignment: str, exercises: list[dict]) -> str:
    """The per-student report: points per exercise, the public check's message when it failed."""
    possible = sum(float(e["points"]) for e in exercises if e["kind"] == "code")
    lines = [f"# {assignment}: {grade.student}", "",
             f"Autograded: {grade.autograded:g} / {possible:g} points. Written exercises are graded by hand.", "",
             "| exercise | points | result |", "|---|---|---|"]
    for e in exercises:
        value = grade.points[e["id"]]
        if value is None:
            lines.append(f"| {e['id']} | - / {float(e['points']):g} | graded by hand |")
        else:
            lines.append(f"| {e['id']} | {value:g} / {float(e['points']):g} | "
                         f"{'passed' if value >= float(e['points']) else 'not passed'} |")
    for e in exercises:
        value, message = grade.points[e["id"]], grade.messages.get(e["id"], "")
        if value is not None and value < float(e["points"]) and message:
            lines += ["", f"## {e['id']}", "", "```", _cap(message.strip()), "```"]
    if grade.flags:
        lines += ["", "## Flagged for the instructor", ""] + [f"- {_cap(flag, 500)}" for flag in grade.flags[:50]]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: grade the given submissions and write the gradebook."""
    parser = argparse.ArgumentParser(prog="python -m coursework.grade", description=__doc__.split("\n")[0])
    parser.add_argument("submissions", nargs="*", help="notebooks or folders of notebooks")
    parser.add_argument("--assignment", required=True, help="the chapter graded, e.g. 04_backpropagation")
    parser.add_argument("--assign-dir", type=Path, default=DEFAULT_ASSIGN_DIR, help="what make assign wrote")
    parser.add_argument("--out", type=Path, help="output folder (default _build/grades/ASSIGNMENT)")
    parser.add_argument("--budget", type=float, default=DEFAULT_BUDGET, help="seconds per notebook")
    parser.add_argument("--jobs", type=int, default=1, help="submissions graded at once (one per core)")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="grade without the Linux sandbox (trusted notebooks only, e.g. your own)")
    args = parser.parse_args(argv)
    if not args.submissions or not all(name.strip() for name in args.submissions):
        print("error: no submission given (usage: make grade CHAPTER=NN_name SUBMISSIONS=notebook-or-folder)", file=sys.stderr)
        return 2
    if not args.assignment.strip():
        print("error: no assignment given (usage: make grade CHAPTER=NN_name SUBMISSIONS=notebook-or-folder)", file=sys.stderr)
        return 2
    args.submissions = [Path(name) for name in args.submissions]
    try:
        exercises = load_exercises(args.assign_dir, args.assignment)
        autograder = find_zip(args.assign_dir, args.assignment)
        for path in args.submissions:
            if not path.exists():
                raise NotebookError(f"{path}: no such file or folder")
            if path.resolve() == CHAPTERS_DIR or CHAPTERS_DIR in path.resolve().parents:
                raise NotebookError(f"{path}: these are the course's chapters, not submissions")
        submissions = find_submissions(args.submissions)
        if not submissions:
            raise NotebookError(f"no notebook found in {', '.join(map(str, args.submissions))}")
        if len(submissions) == 1 and not args.submissions[0].is_dir():
            read_notebook(submissions[0][1])  # one notebook: a broken one is an error, not a row
    except NotebookError as error:
        print(f"error: cannot grade: {error}", file=sys.stderr)
        return 2
    sandbox = not args.no_sandbox
    if sandbox and (reason := available()):
        print(f"error: cannot grade in a sandbox here: {reason}. Use a container (otter grade) or, "
              "for trusted notebooks only, --no-sandbox.", file=sys.stderr)
        return 2
    students = [student for student, _ in submissions]
    duplicates = sorted({s for s in students if students.count(s) > 1})
    student_edition = args.assign_dir / args.assignment / "student" / f"{args.assignment}.ipynb"
    baseline = read_notebook(student_edition) if student_edition.is_file() else None
    out = args.out or REPO_ROOT / "_build" / "grades" / args.assignment
    hide = [path.resolve() for path in args.submissions] + [out.resolve(), args.assign_dir.resolve()]

    def one(item: tuple[str, Path]) -> Graded:
        student, path = item
        grade = grade_submission(student, path, autograder, exercises, baseline, budget=args.budget,
                                 sandbox=sandbox, hide=[p if p.is_dir() else p.parent for p in hide])
        if student in duplicates:
            grade.flags.insert(0, f"more than one notebook for student {student}")
        print(f"{student}: {grade.autograded:g} points{' (flagged)' if grade.flags else ''} "
              f"[{grade.seconds:.1f} s]", flush=True)
        return grade

    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        grades = list(pool.map(one, submissions))
    path = write_gradebook(out, args.assignment, exercises, grades)
    print(f"gradebook written to {path}; feedback in {out / 'feedback'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
