"""Input checks shared by every module: clear errors instead of silent broadcasts or NaNs."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]


def as_float_array(x: ArrayLike, name: str, ndim: int | None = None) -> Array:
    """Return ``x`` as a float64 array, checking its number of dimensions and finiteness.

    Raises ``ValueError`` naming ``name``, the expected and the actual shape or values.
    The input is never modified; a copy is made only when the dtype has to change.
    """
    array = np.asarray(x, dtype=np.float64)
    if ndim is not None and array.ndim != ndim:
        expected = {1: "(n,)", 2: "(n_samples, n_features)"}.get(ndim, f"{ndim} dimensions")
        raise ValueError(f"{name} must have shape {expected}, got an array of shape {array.shape}")
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
