"""Coursework tooling for "MLPs from scratch": otter-grader autograders, grading, student site.

Commands (run from the repository root with the project's Python; see instructor_guide.md):

* ``python -m coursework.assign [--hidden DIR] [NOTEBOOK ...]`` (``make assign HIDDEN=DIR``)
  exports every chapter to otter-grader and runs ``otter assign``: per chapter a student
  notebook, an autograder zip (public tests, hidden tests, points) and ``exercises.json``.
* ``python -m coursework.grade SUBMISSION... --assignment NN_name``
  (``make grade CHAPTER=NN_name SUBMISSIONS=...``) grades notebooks with ``otter run`` in a sandbox and
  writes a gradebook CSV and per-student feedback.
* ``python -m coursework.book_student`` (``make book-student``) builds the student website.
* ``python -m coursework.exercises [--write | --check]`` lists every exercise of the book and
  keeps the table in ``instructor_guide.md`` up to date.

Modules: ``markup`` (the chapters' exercise markup), ``student`` (removing worked solutions
from markdown), ``assign``, ``integrity`` (the tamper check in every hidden test), ``hidden``
(hidden-check files), ``scan`` (flagging tampering code), ``sandbox`` (Linux namespaces),
``grade``, ``book_student``, ``exercises``, ``notebooks`` (reading notebooks with clear errors).

Every exercise is identified by its ``:label:`` (``ex-NN-slug``), the same id the book, the
student notebook, otter's questions, the hidden checks and the gradebook use.
"""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent
CHAPTERS_DIR = REPO_ROOT / "chapters"

__all__ = ["CHAPTERS_DIR", "PACKAGE_DIR", "REPO_ROOT"]
