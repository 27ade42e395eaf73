"""Flag the code of a submission that could tamper with grading (read by a human, never scored).

``suspicious(submission, baseline)`` lists, per code cell, the constructs that a notebook needs
in order to attack the grader: IPython magics and shell escapes, imports of ``os``, ``sys``,
``builtins``, ``subprocess``, ``signal``, ``ctypes``, ``otter``, ``IPython`` and friends,
``exec``/``eval``/``compile``/``__import__``/``getattr``/``setattr``/``open``, dunder
attributes such as ``__builtins__`` or ``__code__``, IPython transformers and event hooks, and
assignments to an attribute of an imported module (``np.allclose = ...``). Whatever the
student edition (``baseline``) itself contains is not flagged, so the chapter's own code never
is. A flag asks the instructor to look at the notebook; it does not change the score.
"""

from __future__ import annotations

import ast
import re

from nbformat import NotebookNode

from .notebooks import cell_source

RISKY_MODULES = {"builtins", "os", "sys", "subprocess", "signal", "ctypes", "importlib", "inspect", "gc",
                 "pickle", "marshal", "dill", "otter", "IPython", "ipykernel", "socket", "shutil", "glob",
                 "threading", "multiprocessing", "atexit", "types", "pty", "resource", "site", "sysconfig",
                 "runpy", "code", "codeop", "pathlib", "io", "tempfile", "urllib", "requests", "http",
                 "zipfile", "base64", "codecs", "traceback", "weakref", "faulthandler", "unittest"}
RISKY_CALLS = {"exec", "eval", "compile", "__import__", "getattr", "setattr", "delattr", "globals", "vars",
               "locals", "open", "get_ipython", "breakpoint", "input", "memoryview"}
RISKY_ATTRIBUTES = {"__builtins__", "__dict__", "__code__", "__globals__", "__class__", "__subclasses__",
                    "__mro__", "__bases__", "__import__", "__getattribute__", "__setattr__", "f_globals",
                    "f_locals", "f_back", "environ", "modules", "input_transformers_cleanup",
                    "input_transformers_post", "ast_transformers", "input_transformer_manager", "events",
                    "register", "settrace", "setprofile", "kill", "system", "popen", "fork", "_exit"}
_MAGIC = re.compile(r"^\s*(%|!)")


def _constructs(source: str) -> set[str]:
    """The risky constructs of one code cell (as short human-readable strings)."""
    found: set[str] = set()
    lines = source.split("\n")
    if any(_MAGIC.match(line) for line in lines):
        found.add("IPython magic or shell command (% or !)")
    code = "\n".join("" if _MAGIC.match(line) else line for line in lines)
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return found | {"code that does not parse as Python"}
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                modules.add(alias.asname or alias.name.split(".")[0])
                if alias.name.split(".")[0] in RISKY_MODULES:
                    found.add(f"import {alias.name}")
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                modules.add(alias.asname or alias.name)
            if node.module.split(".")[0] in RISKY_MODULES:
                found.add(f"from {node.module} import ...")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in RISKY_CALLS:
            found.add(f"{node.func.id}(...)")
        elif isinstance(node, ast.Attribute) and node.attr in RISKY_ATTRIBUTES:
            found.add(f".{node.attr}")
        elif isinstance(node, ast.Name) and node.id in {"__builtins__", "__loader__", "__spec__"}:
            found.add(node.id)
    for node in ast.walk(tree):
        targets = (node.targets if isinstance(node, ast.Assign) else
                   [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else
                   node.targets if isinstance(node, ast.Delete) else [])
        for target in targets:
            if isinstance(target, ast.Attribute):
                root = target
                while isinstance(root, ast.Attribute):
                    root = root.value
                if isinstance(root, ast.Name) and root.id in modules | {"np", "numpy", "mlp_utils"}:
                    found.add(f"assigns to {ast.unparse(target)}")
    return found


def suspicious(submission: NotebookNode, baseline: NotebookNode | None = None) -> list[str]:
    """One line per risky construct of the submission that the student edition does not have."""
    allowed: set[str] = set()
    if baseline is not None:
        for cell in baseline.cells:
            if cell.cell_type == "code":
                allowed |= _constructs(cell_source(cell))
    flags = []
    for index, cell in enumerate(submission.cells):
        if cell.cell_type == "code":
            for construct in sorted(_constructs(cell_source(cell)) - allowed):
                flags.append(f"cell {index}: {construct}")
    return flags
