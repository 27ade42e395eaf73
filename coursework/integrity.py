"""Integrity check of the grading environment, run by every hidden test inside the graded kernel.

With otter, the tests run in the same Python process as the submission (that is otter's
design, with or without containers). A submission can therefore try to make the checks lie:
patch ``numpy.allclose``, ``builtins.compile`` or otter's own classes, register an IPython
input transformer or a cell hook, or install a trace function. ``verify(env)`` looks for
exactly that: it compares the functions the checks and otter rely on with fingerprints taken
when ``make assign`` built the autograder (same pinned NumPy, otter and Python), and it checks
that every IPython transformer and hook comes from an installed package, not from the
notebook. A hidden test that finds a difference fails with a message starting with
``INTEGRITY``; the question is all-or-nothing, so the exercise scores zero, and
``coursework.grade`` flags the submission in the gradebook.

This is detection, not isolation: a submission written to defeat this very check could
succeed. The instructor guide's threat model says what that means.
"""

from __future__ import annotations

import functools
import sys
import warnings

import numpy

# The code below runs twice: at `make assign` (to take the fingerprints) and inside the graded
# kernel (to compare). It is kept as source text so that both runs use the very same code.
CHECK_CODE = r'''
import builtins as _builtins
import hashlib as _hashlib
import sys as _sys
import types as _types

_FUNCTIONS = {
    "builtins": ["compile", "exec", "eval", "print", "isinstance", "len", "abs", "all", "any", "open",
                 "__import__", "getattr", "setattr", "hasattr", "repr", "round", "sum", "min", "max",
                 "sorted", "zip", "range", "float", "int", "bool", "str", "type", "list", "dict", "tuple"],
    "numpy": ["allclose", "isclose", "array_equal", "asarray", "array", "all", "any", "abs", "mean",
              "sum", "exp", "log", "max", "min", "argmin", "argmax", "isfinite", "errstate", "zeros",
              "ones", "arange", "diag", "outer", "full", "logaddexp", "round", "sqrt", "where"],
    "numpy.random": ["default_rng"],
    "numpy.testing": ["assert_allclose", "assert_array_equal"],
    "numpy.linalg": ["norm"],
    "math": ["isclose", "isfinite", "fsum"],
    "otter.execute.checker": ["Checker"],
    "otter.test_files.exception_test": ["ExceptionTestFile", "test_case"],
    "otter.test_files.abstract_test": ["TestFile", "TestCaseResult"],
    "otter.test_files": ["GradingResults"],
    "otter.check.notebook": ["Notebook"],
    "pickle": ["dump", "dumps"],
}


def _code_digest(code):
    parts = [code.co_code, repr(code.co_names).encode(), repr(code.co_varnames).encode()]
    for const in code.co_consts:
        parts.append(_code_digest(const).encode() if isinstance(const, _types.CodeType) else repr(const).encode())
    return _hashlib.sha256(b"\0".join(parts)).hexdigest()[:16]


def _describe(obj):
    """A string that changes when obj is replaced or its code is swapped."""
    if isinstance(obj, type):
        members = []
        for name in sorted(vars(obj)):
            member = vars(obj)[name]
            func = getattr(member, "__func__", member)
            if isinstance(func, _types.FunctionType):
                members.append(f"{name}={_code_digest(func.__code__)}")
        return f"type:{obj.__module__}.{obj.__qualname__}:" + ",".join(members)
    func = getattr(obj, "__wrapped__", None) or obj
    if isinstance(func, _types.FunctionType):
        return f"function:{func.__module__}.{func.__qualname__}:{_code_digest(func.__code__)}"
    return f"{type(obj).__name__}:{getattr(obj, '__module__', None)}.{getattr(obj, '__qualname__', getattr(obj, '__name__', '?'))}"


def fingerprints():
    """{"module.name": description} of every function the checks and otter depend on."""
    result = {}
    for module_name, names in _FUNCTIONS.items():
        module = _sys.modules.get(module_name)
        if module is None:
            try:
                module = __import__(module_name, fromlist=["_"])
            except ImportError:
                continue
        for name in names:
            result[f"{module_name}.{name}"] = _describe(getattr(module, name, None))
    return result


def _foreign(func):
    """Where a callable comes from when that is the notebook rather than an installed file."""
    func = getattr(func, "__func__", func)
    code = getattr(func, "__code__", None) or getattr(getattr(func, "__call__", None), "__code__", None)
    if code is None:
        return None  # a builtin or a C function
    filename = code.co_filename
    prefixes = tuple({_sys.prefix, _sys.base_prefix, _sys.exec_prefix})
    if filename.startswith(prefixes) and "site-packages" in filename or filename.startswith(prefixes) and "/lib/python" in filename:
        return None
    return filename


def problems(expected):
    """Everything that differs from the fingerprints taken at `make assign`."""
    found = []
    if _sys.version_info[:2] == tuple(expected["python"]) and expected.get("numpy") == getattr(_sys.modules.get("numpy"), "__version__", None):
        current = fingerprints()
        for key, value in expected["functions"].items():
            if key in current and current[key] != value:
                found.append(f"{key} was replaced or modified")
    if _sys.gettrace() is not None or _sys.getprofile() is not None:
        found.append("a trace or profile function is installed")
    numpy = _sys.modules.get("numpy")
    if numpy is not None and not str(getattr(numpy, "__file__", "")).startswith(tuple({_sys.prefix, _sys.base_prefix})):
        found.append("numpy is not the installed numpy")
    try:
        shell = get_ipython()  # noqa: F821 - defined in an IPython kernel
    except NameError:
        shell = None
    if shell is not None:
        hooks = [*shell.input_transformers_cleanup, *shell.input_transformers_post, *shell.ast_transformers]
        hooks += list(getattr(shell.input_transformer_manager, "cleanup_transforms", []))
        hooks += list(getattr(shell.input_transformer_manager, "line_transforms", []))
        hooks += list(getattr(shell.input_transformer_manager, "token_transformers", []))
        for callbacks in shell.events.callbacks.values():
            hooks += list(callbacks)
        for hook in hooks:
            where = _foreign(hook)
            if where is not None:
                found.append(f"an IPython transformer or event hook defined in {where} is installed")
                break
    return found
'''


@functools.lru_cache(maxsize=1)
def fingerprint_source() -> str:
    """Python source that defines ``verify(env)`` with the fingerprints of this environment."""
    namespace: dict = {"__name__": "coursework_integrity"}
    exec(compile(CHECK_CODE, "integrity", "exec"), namespace)  # noqa: S102 - our own code
    with warnings.catch_warnings():  # importing otter's dependencies warns (traitlets deprecations)
        warnings.simplefilter("ignore")
        functions = namespace["fingerprints"]()
    expected = {"python": list(sys.version_info[:2]), "numpy": numpy.__version__, "functions": functions}
    return (CHECK_CODE + f"\nEXPECTED = {expected!r}\n\n"
            "def verify(env):\n"
            "    found = problems(EXPECTED)\n"
            "    assert not found, 'INTEGRITY: the grading environment was modified: ' + '; '.join(found[:5])\n")
