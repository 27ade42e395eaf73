"""Coursework tooling for "MLPs from scratch": student editions, grading and the exercise index.

Commands (run from the repository root with the project's Python):

* ``python -m coursework.student [--out student] [NOTEBOOK ...]`` writes the student edition
  of every chapter (``make student``): worked solutions removed, solution code replaced by a
  ``# YOUR CODE HERE`` stub, outputs cleared, public checks kept.
* ``python -m coursework.grade NOTEBOOK [--json OUT] [--timeout S]`` executes a submitted
  notebook in a fresh kernel and reports, per exercise, passed / failed / not attempted
  (``make grade NB=...``).
* ``python -m coursework.exercises [--write | --check]`` lists every exercise of the book and
  keeps the table in ``instructor_guide.md`` up to date.

Every exercise is identified by its ``:label:`` (``ex-NN-slug``), the same id the book, the
student edition, the grader and the hidden checks use. The exercise markup is described in
``instructor_guide.md``.
"""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent
CHAPTERS_DIR = REPO_ROOT / "chapters"

__all__ = ["CHAPTERS_DIR", "PACKAGE_DIR", "REPO_ROOT"]
