"""Activation functions and their derivatives, all element-wise except softmax.

Every function takes the pre-activation ``z`` (any shape, float64) and returns an array of
the same shape. ``*_derivative(z)`` is dσ/dz evaluated at ``z``, in the course notation
``f'(z)``. ``softmax`` works row-wise on ``z`` of shape ``(n_samples, n_classes)``.

Non-finite input: the element-wise functions check nothing (they run on every mini-batch) and
never warn; they follow IEEE arithmetic: NaN gives NaN, ±inf gives the limit (sigmoid(inf) = 1,
relu(-inf) = 0). ``softmax`` and ``log_softmax`` reject with a ``ValueError`` any row whose
maximum is NaN or +inf, or that is all -inf: those rows have no defined softmax (NumPy would
warn and return NaN). A -inf entry in an otherwise finite row is fine: its probability is 0.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ._validation import Array


def identity(z: Array) -> Array:
    """f(z) = z."""
    return np.array(z, dtype=np.float64, copy=True)


def identity_derivative(z: Array) -> Array:
    """f'(z) = 1."""
    return np.ones_like(z, dtype=np.float64)


def sigmoid(z: Array) -> Array:
    """Logistic sigmoid σ(z) = 1 / (1 + exp(-z)), computed without overflow.

    ``exp`` is only ever evaluated at ``-|z|`` (≤ 0), so ``z = ±1e4`` gives 0 or 1 with no warning.
    """
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(z))  # in (0, 1]
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_derivative(z: Array) -> Array:
    """σ'(z) = σ(z) (1 - σ(z))."""
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh(z: Array) -> Array:
    """Hyperbolic tangent (NumPy's is already stable)."""
    return np.tanh(np.asarray(z, dtype=np.float64))


def tanh_derivative(z: Array) -> Array:
    """tanh'(z) = 1 - tanh(z)²."""
    t = np.tanh(np.asarray(z, dtype=np.float64))
    return 1.0 - t * t


def relu(z: Array) -> Array:
    """ReLU(z) = max(0, z)."""
    return np.maximum(np.asarray(z, dtype=np.float64), 0.0)


def relu_derivative(z: Array) -> Array:
    """ReLU'(z) = 1 where z > 0, else 0 (we take 0 at the kink z = 0)."""
    return (np.asarray(z) > 0).astype(np.float64)


def _shifted_logits(z: Array, name: str, check: bool) -> Array:
    """z - (row maximum) for logits z of shape (n_samples, n_classes): shape always checked,
    and with ``check`` also that every row maximum is finite (else the shift makes NaNs)."""
    z = np.asarray(z, dtype=np.float64)
    if z.ndim != 2 or z.shape[1] == 0:
        raise ValueError(f"{name} expects logits z of shape (n_samples, n_classes) with n_classes >= 1, "
                         f"got an array of shape {z.shape}")
    row_max = z.max(axis=1, keepdims=True)  # NaN if the row holds a NaN, inf if it holds +inf
    if check:
        bad_rows = np.flatnonzero(~np.isfinite(row_max[:, 0]))
        if bad_rows.size:
            raise ValueError(f"{name}: every row of z needs a finite maximum (no NaN, no +inf, not all "
                             f"-inf); {bad_rows.size} of {z.shape[0]} rows do not, the first is row {bad_rows[0]}")
    return z - row_max


def softmax(z: Array, *, check: bool = True) -> Array:
    """Row-wise softmax of logits ``z`` of shape (n_samples, n_classes); rows sum to 1.

    The row maximum is subtracted first, so no ``exp`` overflows (softmax is shift-invariant).
    check=False skips the finiteness check (the ``Softmax`` layer does: ``fit`` detects a
    diverging run itself); the shape is always checked.
    """
    e = np.exp(_shifted_logits(z, "softmax", check))
    return e / e.sum(axis=1, keepdims=True)


def log_softmax(z: Array) -> Array:
    """Row-wise log(softmax(z)) computed as z - max - log Σ exp(z - max): never log(0)."""
    shifted = _shifted_logits(z, "log_softmax", check=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


#: name -> (f, f') for the element-wise activations; used by layers and by ``MLP``.
ACTIVATIONS: dict[str, tuple[Callable[[Array], Array], Callable[[Array], Array]]] = {
    "identity": (identity, identity_derivative),
    "sigmoid": (sigmoid, sigmoid_derivative),
    "tanh": (tanh, tanh_derivative),
    "relu": (relu, relu_derivative),
}
