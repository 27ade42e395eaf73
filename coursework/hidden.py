"""Hidden checks: the instructor's tests of an exercise, packed into the autograder zip.

A hidden check is a function ``check_<id>(ns)`` in any ``.py`` file of a hidden-checks folder
(one file per chapter is the convention), where ``<id>`` is the exercise id with every ``-``
replaced by ``_``: exercise ``ex-03-learning-rate`` is checked by
``def check_ex_03_learning_rate(ns)``. ``ns`` is the submission's namespace after the notebook
ran. The function fails by raising (``assert ..., "message"``). A file may also define
``POINTS = {"ex-NN-slug": 2, ...}``: the exercise's points (default 1).

``make assign HIDDEN=DIR`` copies each check's file into the hidden test of its question,
where otter runs it in the graded kernel (see ``coursework/assign.py``). Rules for writing one,
so that a submission cannot game it:

* take only the function or name the exercise asks for from ``ns``; rebuild every input and
  the expected answer inside the check (fresh random inputs from ``np.random.default_rng()``
  without a fixed seed where the answer does not depend on it), never read data, predictions
  or helper functions from ``ns`` when they can be rebuilt;
* never put an expected value in a message ("wrong values", not "expected 0.731").

The repository ships only the *sample* checks of ``coursework/sample_hidden_checks/`` (used by
the tests, readable by every student); keep the real ones in a private folder.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from . import PACKAGE_DIR

SAMPLE_HIDDEN_DIR = PACKAGE_DIR / "sample_hidden_checks"


class HiddenCheckError(Exception):
    """A hidden-checks file cannot be used (syntax error, duplicate check)."""


@dataclass(frozen=True)
class HiddenCheck:
    """One hidden check: the function to call and the file that defines it."""

    exercise_id: str
    function: str
    path: Path
    source: str


def function_name(exercise_id: str) -> str:
    """The hidden-check function name for an exercise id (``ex-01-a-b`` -> ``check_ex_01_a_b``)."""
    return "check_" + re.sub(r"\W", "_", exercise_id)


def load_hidden_checks(folders: Iterable[Path]) -> tuple[dict[str, HiddenCheck], list[str]]:
    """Find every ``check_*`` function in the ``.py`` files of ``folders`` (without running them).

    Returns:
        The checks keyed by function name, and a list of problems (files that do not parse,
        functions defined twice).
    """
    checks: dict[str, HiddenCheck] = {}
    problems: list[str] = []
    for folder in folders:
        for path in sorted(Path(folder).glob("*.py")):
            if path.name.startswith("_"):
                continue
            source = path.read_text(encoding="utf-8")
            try:
                tree = ast.parse(source, filename=str(path))
            except SyntaxError as error:
                problems.append(f"{path}: line {error.lineno}: {error.msg}")
                continue
            for node in tree.body:
                if isinstance(node, ast.FunctionDef) and node.name.startswith("check_ex_"):
                    if node.name in checks:
                        problems.append(f"{path}: {node.name} is also defined in {checks[node.name].path}")
                        continue
                    exercise_id = node.name.removeprefix("check_").replace("_", "-")
                    checks[node.name] = HiddenCheck(exercise_id, node.name, path, source)
    return checks, problems
