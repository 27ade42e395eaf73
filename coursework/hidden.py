"""Hidden checks: instructor-only tests of an exercise, run by the grader after the public check.

A hidden check is a function ``check_<id>(ns)`` in any ``.py`` file of a hidden-checks folder
(default: ``coursework/hidden_checks/``, one file per chapter), where ``<id>`` is the exercise
id with every ``-`` replaced by ``_``: exercise ``ex-03-learning-rate`` is checked by
``def check_ex_03_learning_rate(ns)``. ``ns`` is the student's namespace (a dict: the kernel's
globals after their answer ran). The function fails by raising (``assert ..., "message"``).

The grader sends the file's source to the student's kernel, executes it in a fresh module
namespace and calls the function there, so a hidden check can use whatever the kernel can
import (numpy, mlp_utils). An exercise without a hidden check is graded by its public check
alone.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from . import PACKAGE_DIR

DEFAULT_HIDDEN_DIR = PACKAGE_DIR / "hidden_checks"


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
        functions defined twice); a broken file is skipped, never fatal.
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
                problems.append(f"{path}: line {error.lineno}: {error.msg}; its hidden checks are skipped")
                continue
            for node in tree.body:
                if isinstance(node, ast.FunctionDef) and node.name.startswith("check_ex_"):
                    if node.name in checks:
                        problems.append(f"{path}: {node.name} is also defined in {checks[node.name].path}")
                        continue
                    exercise_id = node.name.removeprefix("check_").replace("_", "-")
                    checks[node.name] = HiddenCheck(exercise_id, node.name, path, source)
    return checks, problems


def kernel_code(check: HiddenCheck) -> str:
    """Python code that runs ``check`` against the kernel's globals when executed in the kernel."""
    return (
        "def _coursework_hidden_check(ns):\n"
        f"    module = {{'__name__': 'coursework_hidden_checks_{check.path.stem}'}}\n"
        f"    exec(compile({check.source!r}, {('hidden_checks/' + check.path.name)!r}, 'exec'), module)\n"
        f"    module[{check.function!r}](ns)\n"
        "try:\n"
        "    _coursework_hidden_check(globals())\n"
        "finally:\n"
        "    del _coursework_hidden_check\n"
        f"print({(check.exercise_id + ': hidden checks passed')!r})\n"
    )
