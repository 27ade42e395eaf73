"""Input checks shared by every module: clear errors instead of silent broadcasts or NaNs.

Every check names the argument, what it expects and what it got. Wrong types raise
``TypeError`` (a float where a size is expected, a seed where a Generator is expected), wrong
values ``ValueError`` (a size of 0, a probability of 1.5, an array of the wrong shape or with NaNs).
"""

from __future__ import annotations

import math
import numbers
from typing import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]

_SHAPE_NAMES = {1: "(n,)", 2: "(n_samples, n_features)"}


def as_float_array(x: ArrayLike, name: str, ndim: int | None = None, *, non_empty: bool = False) -> Array:
    """Return ``x`` as a float64 array, checking its type, number of dimensions and finiteness.

    non_empty=True also requires every axis to have length >= 1 (at least one sample, one feature).
    Raises ``TypeError`` for non-numeric input (strings, complex numbers, ragged lists) and
    ``ValueError`` naming ``name``, the expected and the actual shape or values.
    The input is never modified; a copy is made only when the dtype has to change.
    """
    try:
        array = np.asarray(x)
    except ValueError as error:  # ragged nested lists
        raise TypeError(f"{name} must be a rectangular array of numbers: {error}") from None
    if array.dtype.kind not in "biufO":
        raise TypeError(f"{name} must hold real numbers, got an array of dtype {array.dtype}")
    try:
        array = array.astype(np.float64, copy=False)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must hold real numbers, got an array of dtype {array.dtype}") from None
    if ndim is not None and array.ndim != ndim:
        expected = _SHAPE_NAMES.get(ndim, f"{ndim} dimensions")
        raise ValueError(f"{name} must have shape {expected}, got an array of shape {array.shape}")
    if non_empty and 0 in array.shape:
        raise ValueError(f"{name} must not be empty (at least one row and one column), "
                         f"got an array of shape {array.shape}")
    n_bad = array.size - np.count_nonzero(np.isfinite(array))  # cheaper than isfinite().all()
    if n_bad:
        raise ValueError(f"{name} contains {n_bad} NaN or infinite value(s); clean or rescale the data")
    return array


def check_same_shape(a: Array, b: Array, name_a: str, name_b: str) -> None:
    """Raise ``ValueError`` unless ``a`` and ``b`` have exactly the same shape (no broadcasting)."""
    if a.shape != b.shape:
        raise ValueError(
            f"shape mismatch: {name_a} {a.shape} vs {name_b} {b.shape}; "
            "they must match exactly (reshape the targets, e.g. y.reshape(-1, 1))"
        )


def check_labels(labels: np.ndarray, n_classes: int, name: str, context: str = "") -> None:
    """Raise ``ValueError`` unless ``labels`` (n,) are integers in 0..n_classes-1.

    name: the caller, first in the message (e.g. ``"accuracy"``); context: what fixes n_classes,
    appended after the range (e.g. ``" for an output with 3 column(s)"``).
    """
    if not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"{name}: 1-D targets must be integer class labels, got dtype {labels.dtype}")
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(f"{name}: labels must lie in 0..{n_classes - 1}{context}, "
                         f"got values in {labels.min()}..{labels.max()}")


def check_int(value: object, name: str, minimum: int | None = None, maximum: int | None = None) -> int:
    """``value`` as an ``int``: an integer (Python or NumPy, not bool, not float) in [minimum, maximum]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    value = int(value)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        if maximum is None:
            rule = f">= {minimum}"
        elif minimum is None:
            rule = f"<= {maximum}"
        else:
            rule = f"between {minimum} and {maximum}"
        raise ValueError(f"{name} must be an integer {rule}, got {value}")
    return value


def check_number(value: object, name: str, low: float = -math.inf, high: float = math.inf, *,
                 low_open: bool = False, high_open: bool = False) -> float:
    """``value`` as a ``float``: a finite real number (not bool) in the interval from low to high.

    The interval is closed unless ``low_open`` / ``high_open``; infinite bounds mean no bound.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r} ({type(value).__name__})")
    value = float(value)
    too_low = value <= low if low_open else value < low
    too_high = value >= high if high_open else value > high
    if not math.isfinite(value) or too_low or too_high:
        rule = "a finite number"
        if low > -math.inf and high < math.inf:
            rule += f" in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
        elif low > -math.inf:
            rule += f" {'>' if low_open else '>='} {low:g}"
        elif high < math.inf:
            rule += f" {'<' if high_open else '<='} {high:g}"
        raise ValueError(f"{name} must be {rule}, got {value}")
    return value


def check_rng(rng: object, name: str = "rng") -> np.random.Generator:
    """Raise ``TypeError`` unless ``rng`` is a ``numpy.random.Generator`` (not a seed, not RandomState)."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"{name} must be a numpy.random.Generator, e.g. np.random.default_rng(0), "
                        f"got {type(rng).__name__}")
    return rng


def check_choice(value: object, name: str, choices: tuple[str, ...] | list[str]) -> str:
    """Raise ``ValueError`` unless ``value`` is one of the strings ``choices``."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {sorted(choices)}, got {value!r}")
    return value


def check_callable(value: object, name: str) -> Callable:
    """Raise ``TypeError`` unless ``value`` can be called."""
    if not callable(value):
        raise TypeError(f"{name} must be callable (a function), got {type(value).__name__}")
    return value
