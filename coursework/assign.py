"""Export the chapters to otter-grader: per chapter a student notebook and an autograder zip.

Usage::

    python -m coursework.assign [--hidden DIR] [--out _build/assign] [--points FILE]
                                [--no-run-tests] [NOTEBOOK ...]      # default: chapters/*.ipynb
    make assign HIDDEN=~/private/hidden_checks

The chapters stay the single source of truth. This module only rewrites a chapter's exercise
markup (see ``instructor_guide.md``) into otter's "master notebook" format and runs
``otter assign`` on it:

* every exercise becomes an otter *question* named by its label (``ex-NN-slug``);
* a code exercise's answer cell becomes a solution block whose student version is the stub
  ``# YOUR CODE HERE`` / ``raise NotImplementedError``; its check cell stays in the student
  notebook as it is, and is also the question's *public test*;
* the *hidden test* of a code exercise runs the grading-environment integrity check
  (``coursework/integrity.py``), then ``check_<id>(env)`` from the instructor's hidden-checks
  folder when there is one; the question is all-or-nothing, so a failing hidden test costs the
  exercise's points;
* an explain exercise becomes a manually graded question with an answer cell;
* worked solutions (``{solution}`` blocks, ``{solution-start}`` ... ``{solution-end}`` cells)
  never reach otter at all.

Output, per chapter ``NN_name``: ``OUT/NN_name/student/NN_name.ipynb`` (give it to students),
``OUT/NN_name/autograder/NN_name-autograder_*.zip`` (otter run / otter grade / Gradescope) and
``OUT/NN_name/exercises.json`` (ids, kinds and points: what the gradebook needs).
"""

from __future__ import annotations

import argparse
import ast
import copy
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import nbformat
import yaml
from nbformat import NotebookNode

from . import CHAPTERS_DIR, REPO_ROOT
from .hidden import SAMPLE_HIDDEN_DIR, HiddenCheck, function_name, load_hidden_checks
from .integrity import fingerprint_source
from .markup import (BEGIN_SOLUTION, END_SOLUTION, MarkupError, find_directives, parse_notebook,
                     solution_regions)
from .notebooks import NotebookError, cell_source, read_notebook, write_notebook
from .student import RAISES_EXCEPTION_TAG, strip_markdown_solutions

DEFAULT_OUT = REPO_ROOT / "_build" / "assign"
DEFAULT_POINTS = 1
SUPPORT_DIRS = ("mlp_utils", "data")  # copied into the zip: the grader needs no install of the course
MANUAL_PLACEHOLDER = "(The worked solution is in the instructor's copy of the chapter.)"
STUB = ("# YOUR CODE HERE", "raise NotImplementedError")
METADATA_KEY_COURSEWORK = "coursework"  # the old student editions' metadata: not copied


@dataclass(frozen=True)
class ExerciseInfo:
    """What the gradebook needs to know about one exercise."""

    id: str
    kind: str  # "code" (autograded) or "explain" (graded by hand)
    points: float
    hidden_check: bool


def _raw(text: str) -> NotebookNode:
    return nbformat.v4.new_raw_cell(text)


def _block(kind: str, end: bool = False) -> NotebookNode:
    return _raw(f"# {'END' if end else 'BEGIN'} {kind}")


def _question(exercise_id: str, points: float, manual: bool) -> NotebookNode:
    config = {"name": exercise_id, "points": points, "manual": manual}
    if not manual:
        config |= {"all_or_nothing": True, "check_cell": False}
    return _raw("# BEGIN QUESTION\n" + yaml.safe_dump(config, sort_keys=False).strip())


def otter_solution_source(source: str) -> str:
    """An answer cell in otter's solution syntax, whose student version is our stub.

    Each ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` region (the whole cell when it has no
    markers) becomes a prompt (kept for students) followed by ``# BEGIN SOLUTION NO PROMPT``.
    """
    lines = source.split("\n")
    if not solution_regions(source):
        lines = ["### BEGIN SOLUTION", *lines, "### END SOLUTION"]
    result = []
    for line in lines:
        begin = BEGIN_SOLUTION.match(line)
        if begin:
            indent = begin["indent"]
            result += [f'{indent}""" # BEGIN PROMPT', *(indent + stub for stub in STUB),
                       f'{indent}""" # END PROMPT', f"{indent}# BEGIN SOLUTION NO PROMPT"]
        elif END_SOLUTION.match(line):
            result.append(line.replace("###", "#", 1))
        else:
            result.append(line)
    return "\n".join(result)


def public_test(exercise_id: str, check_source: str) -> NotebookNode:
    """The question's public test: the chapter's check cell, run on a copy of the namespace."""
    return nbformat.v4.new_code_cell(
        "def test_public_check(env):\n"
        f"    exec(compile({check_source!r}, {('check ' + exercise_id)!r}, 'exec'), dict(env))\n")


def hidden_test(exercise_id: str, check: HiddenCheck | None, fingerprints: str) -> NotebookNode:
    """The hidden test: integrity of the grading environment, then the instructor's check."""
    body = [f"    integrity = {{'__name__': 'coursework_integrity'}}",
            f"    exec(compile({fingerprints!r}, 'integrity', 'exec'), integrity)",
            "    integrity['verify'](env)"]
    if check is not None:
        body += ["    module = {'__name__': 'coursework_hidden_check'}",
                 f"    exec(compile({check.source!r}, {('hidden ' + check.path.name)!r}, 'exec'), module)",
                 f"    module[{check.function!r}](env)"]
    return nbformat.v4.new_code_cell('""" # BEGIN TEST CONFIG\nhidden: true\n""" # END TEST CONFIG\n'
                                     "def test_hidden_check(env):\n" + "\n".join(body) + "\n")


def _split_at_exercises(text: str) -> list[str]:
    """A markdown text cut before each ``{exercise}`` directive (the first piece may be empty)."""
    lines = text.split("\n")
    starts = [d.start for d in find_directives(text) if d.name == "exercise"]
    cuts = [0, *starts, len(lines)]
    return ["\n".join(lines[a:b]).strip("\n") for a, b in zip(cuts, cuts[1:])]


def to_master(notebook: NotebookNode, hidden: dict[str, HiddenCheck],
              points: dict[str, float], assignment_config: dict) -> tuple[NotebookNode, list[ExerciseInfo]]:
    """Otter's master notebook for one chapter, and the list of its exercises.

    Raises:
        MarkupError: the exercise markup is broken (a code exercise without a check cell...).
    """
    parsed = parse_notebook(notebook)
    if parsed.problems:
        raise MarkupError("; ".join(parsed.problems))
    fingerprints = fingerprint_source()
    by_id = {exercise.id: exercise for exercise in parsed.exercises}
    cells: list[NotebookNode] = [_raw("# ASSIGNMENT CONFIG\n" + yaml.safe_dump(assignment_config, sort_keys=False))]
    infos: list[ExerciseInfo] = []
    open_code: str | None = None  # the code exercise whose question block is open
    gated = False
    for index, cell in enumerate(notebook.cells):
        text = cell_source(cell)
        if cell.cell_type == "markdown":
            for piece in _split_at_exercises(text):
                exercise_ids = [d.options.get("label", "").strip() for d in find_directives(piece)
                                if d.name == "exercise"]
                stripped, gated, _ = strip_markdown_solutions(piece, gated)
                if not exercise_ids:
                    if stripped.strip():  # (a cell that was all worked solution is dropped)
                        cells.append(nbformat.v4.new_markdown_cell(stripped, metadata=copy.deepcopy(cell.metadata)))
                    continue
                if open_code is not None:
                    raise MarkupError(f"cell {index}: exercise {open_code} has no check cell before the next exercise")
                exercise = by_id[exercise_ids[0]]
                value = points.get(exercise.id, DEFAULT_POINTS)
                check = hidden.get(function_name(exercise.id))
                infos.append(ExerciseInfo(exercise.id, exercise.kind, value, check is not None))
                cells.append(_question(exercise.id, value, manual=exercise.kind != "code"))
                cells.append(nbformat.v4.new_markdown_cell(stripped))
                if exercise.kind == "code":
                    open_code = exercise.id
                else:  # a written answer: otter adds the answer cell, graded by hand
                    cells += [_block("SOLUTION"), nbformat.v4.new_markdown_cell(MANUAL_PLACEHOLDER),
                              _block("SOLUTION", end=True), _block("QUESTION", end=True)]
            continue
        if cell.cell_type != "code":
            if not gated:
                cells.append(copy.deepcopy(cell))
            continue
        role = parsed.roles.get(index)
        new = nbformat.v4.new_code_cell(text, metadata=copy.deepcopy(cell.metadata))
        new.metadata.pop("execution", None)
        if role is not None and role.role == "solution":
            if role.exercise is None or role.exercise != open_code:
                raise MarkupError(f"cell {index}: solution code outside its exercise's question")
            new.source = otter_solution_source(text)
            _tag(new, RAISES_EXCEPTION_TAG)
            cells += [_block("SOLUTION"), new, _block("SOLUTION", end=True)]
        elif role is not None and role.role == "check":
            if role.exercise != open_code:
                raise MarkupError(f"cell {index}: check cell of {role.exercise} outside its question")
            _tag(new, RAISES_EXCEPTION_TAG)
            exercise_id = role.exercise
            cells += [new, _block("TESTS"), public_test(exercise_id, text),
                      hidden_test(exercise_id, hidden.get(function_name(exercise_id)), fingerprints),
                      _block("TESTS", end=True), _block("QUESTION", end=True)]
            open_code = None
        elif gated:
            raise MarkupError(f"cell {index}: code inside a worked solution that is not an answer cell")
        else:
            cells.append(new)
    if open_code is not None:
        raise MarkupError(f"exercise {open_code} has no check cell")
    master = nbformat.v4.new_notebook(cells=cells, metadata=copy.deepcopy(notebook.metadata))
    master.metadata.pop(METADATA_KEY_COURSEWORK, None)
    return master, infos


def _tag(cell: NotebookNode, tag: str) -> None:
    tags = list(cell.metadata.get("tags", []))
    if tag not in tags:
        cell.metadata["tags"] = [*tags, tag]


def load_points(hidden_dirs: Sequence[Path]) -> dict[str, float]:
    """``POINTS = {"ex-NN-slug": 2, ...}`` dictionaries found in the hidden-checks files (merged)."""
    points: dict[str, float] = {}
    for folder in hidden_dirs:
        for path in sorted(Path(folder).glob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in tree.body:
                if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "POINTS"
                                                        for t in node.targets):
                    value = ast.literal_eval(node.value)
                    if not isinstance(value, dict):
                        raise ValueError(f"{path}: POINTS must be a dict of exercise id -> points")
                    points.update({str(k): float(v) for k, v in value.items()})
    return points


def grading_requirements(notebook: NotebookNode) -> str:
    """requirements.txt for the grading image (Gradescope / otter grade): the course's pins."""
    lines = [line.strip() for line in (REPO_ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#") and not line.startswith("-e")]
    code = "\n".join(cell_source(cell) for cell in notebook.cells if cell.cell_type == "code")
    if re.search(r"^\s*(import|from)\s+torch\b", code, flags=re.M):
        lines += [line.strip() for line in (REPO_ROOT / "requirements-torch.txt").read_text(encoding="utf-8").splitlines()
                  if line.strip() and not line.startswith("#")]
    return "\n".join(lines) + "\n"


def assign_chapter(path: Path, out: Path, hidden_dirs: Sequence[Path], *, run_tests: bool = True,
                   points: dict[str, float] | None = None) -> Path:
    """Write ``out/<stem>/`` for one chapter by running ``otter assign``; returns that folder.

    Raises:
        NotebookError: the chapter cannot be read, its markup is broken, or otter assign failed.
    """
    notebook = read_notebook(path)
    out = Path(out).resolve()  # otter assign runs in the master's folder
    hidden, problems = load_hidden_checks(hidden_dirs)
    if problems:
        raise NotebookError("; ".join(problems))
    points = load_points(hidden_dirs) if points is None else points
    name = path.stem
    chapter_out = out / name
    master_dir = chapter_out / "master"
    shutil.rmtree(chapter_out, ignore_errors=True)
    master_dir.mkdir(parents=True)
    for support in SUPPORT_DIRS:
        shutil.copytree(REPO_ROOT / support, master_dir / support,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"))
    (master_dir / "requirements.txt").write_text(grading_requirements(notebook), encoding="utf-8")
    config = {
        "name": name, "requirements": "requirements.txt", "python_version": "3.11",
        "init_cell": False, "check_all_cell": False, "export_cell": False, "run_tests": run_tests,
        "tests": {"files": True, "ok_format": False}, "files": list(SUPPORT_DIRS),
        "generate": {"show_stdout": False, "show_hidden": False, "pdf": False},
    }
    try:
        master, infos = to_master(notebook, hidden, points, config)
    except MarkupError as error:
        raise NotebookError(f"{path}: {error}") from None
    unknown = set(points) - {info.id for info in infos}
    unknown = sorted(unknown - _other_chapters_ids(path)) if unknown else []
    if unknown:
        raise NotebookError(f"points given for exercises that no chapter has: {unknown}")
    master_path = master_dir / path.name
    write_notebook(master, master_path)
    command = [sys.executable, "-m", "otter", "assign", "-v", str(master_path), str(chapter_out / "dist")]
    if not run_tests:
        command.append("--no-run-tests")
    process = subprocess.run(command, cwd=master_dir, capture_output=True, text=True, env=grading_env())
    if process.returncode != 0:
        tail = (process.stderr.strip() or process.stdout.strip()).splitlines()[-1:] or ["(no output)"]
        raise NotebookError(f"{path}: otter assign failed: {tail[0]} (log: {chapter_out / 'otter-assign.log'})")
    (chapter_out / "otter-assign.log").write_text(process.stdout + process.stderr, encoding="utf-8")
    _finish(chapter_out, name, infos)
    return chapter_out


def _other_chapters_ids(path: Path) -> set[str]:
    ids: set[str] = set()
    for other in sorted(path.parent.glob("*.ipynb")):
        if other != path:
            try:
                ids |= {exercise.id for exercise in parse_notebook(read_notebook(other)).exercises}
            except NotebookError:
                continue
    return ids


def _finish(chapter_out: Path, name: str, infos: list[ExerciseInfo]) -> None:
    """Move otter's output into the documented layout and drop the master copy."""
    dist = chapter_out / "dist"
    (chapter_out / "student").mkdir()
    shutil.move(dist / "student" / f"{name}.ipynb", chapter_out / "student" / f"{name}.ipynb")
    (chapter_out / "autograder").mkdir()
    zips = sorted((dist / "autograder").glob("*.zip"))
    if len(zips) != 1:
        raise NotebookError(f"{name}: otter assign wrote {len(zips)} autograder zips, expected 1")
    single_threaded_blas(zips[0], chapter_out / "autograder" / zips[0].name)
    zips[0].unlink()
    shutil.rmtree(dist)
    shutil.rmtree(chapter_out / "master")
    (chapter_out / "exercises.json").write_text(
        json.dumps({"assignment": name, "exercises": [asdict(info) for info in infos]}, indent=2) + "\n",
        encoding="utf-8")


BLAS_EXPORT = "export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1\n"


def single_threaded_blas(source: Path, target: Path) -> None:
    """Copy otter's zip, making ``run_autograder`` (Gradescope, otter grade) single-threaded.

    The course's matrices are small: multi-threaded OpenBLAS only makes grading slower (up to
    9x on a busy 2-core machine), so every grading path runs with one BLAS thread.
    """
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy_:
        for item in original.infolist():
            data = original.read(item)
            if item.filename == "run_autograder":
                lines = data.decode("utf-8").split("\n")
                data = "\n".join([lines[0], BLAS_EXPORT.rstrip("\n"), *lines[1:]]).encode("utf-8")
            copy_.writestr(item, data)


def grading_env() -> dict[str, str]:
    """The environment of every otter process: single-threaded BLAS, no display, no debugger check."""
    keep = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "TMPDIR") if key in os.environ}
    return {**keep, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
            "MPLBACKEND": "Agg", "PYDEVD_DISABLE_FILE_VALIDATION": "1", "PYTHONWARNINGS": "ignore"}


def find_zip(assign_dir: Path, name: str) -> Path:
    """The autograder zip of assignment ``name`` under ``assign_dir`` (as written by this module)."""
    zips = sorted((assign_dir / name / "autograder").glob("*.zip"))
    if len(zips) != 1:
        raise NotebookError(f"no autograder zip for {name} in {assign_dir / name / 'autograder'}: run `make assign` first")
    return zips[0]


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: export every chapter (or the given ones) to otter."""
    parser = argparse.ArgumentParser(prog="python -m coursework.assign", description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="chapters (default: chapters/*.ipynb)")
    parser.add_argument("--hidden", action="append", type=Path, metavar="DIR",
                        help="folder of hidden checks (repeatable; default: the SAMPLE checks, with a warning)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default _build/assign)")
    parser.add_argument("--student-dir", type=Path, help="also copy every student notebook into this folder")
    parser.add_argument("--no-run-tests", action="store_true",
                        help="do not let otter assign run the tests on the solutions (faster)")
    args = parser.parse_args(argv)
    hidden_dirs = args.hidden or [SAMPLE_HIDDEN_DIR]
    if not args.hidden and not args.student_dir:
        print(f"warning: no HIDDEN=DIR given: using the public SAMPLE hidden checks in {SAMPLE_HIDDEN_DIR}; "
              "students can read them. Keep the real ones in a private folder.", file=sys.stderr)
    for folder in hidden_dirs:
        if not folder.is_dir():
            print(f"error: hidden-checks folder {folder} does not exist", file=sys.stderr)
            return 2
    notebooks = args.notebooks or sorted(CHAPTERS_DIR.glob("*.ipynb"))
    for path in notebooks:
        try:
            chapter_out = assign_chapter(path, args.out, hidden_dirs, run_tests=not args.no_run_tests)
        except (NotebookError, ValueError, SyntaxError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        if args.student_dir:
            args.student_dir.mkdir(parents=True, exist_ok=True)
            shutil.copy(chapter_out / "student" / f"{path.stem}.ipynb", args.student_dir / f"{path.stem}.ipynb")
        info = json.loads((chapter_out / "exercises.json").read_text(encoding="utf-8"))["exercises"]
        code = sum(e["points"] for e in info if e["kind"] == "code")
        manual = sum(e["points"] for e in info if e["kind"] != "code")
        print(f"wrote {chapter_out}: {len(info)} exercises, {code:g} autograded + {manual:g} manual points")
    return 0


if __name__ == "__main__":
    sys.exit(main())
