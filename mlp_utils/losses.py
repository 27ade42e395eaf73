"""Loss functions. Each returns ``(loss, grad)``: a float and dL/d(input), same shape as input.

Convention used everywhere in the course: sum over outputs, **mean over samples**,

    L = (1/n) Σ_i ℓ(ŷ_i, y_i),

so gradients carry a factor 1/n. Predictions and targets must have exactly the same shape
(``(n_samples, n_outputs)``); a ``(n,)`` target next to ``(n, 1)`` predictions is an error,
never a silent broadcast. Categorical losses also accept integer class labels of shape ``(n,)``.

Every loss checks its inputs (shapes, finite values, target ranges) and raises a ``ValueError``
that names them; an empty batch (0 rows or 0 columns) is an error too, not a division by zero.
``check=False`` skips these checks, for a caller that has made them already:
``fit`` checks all the targets once before training and then calls the loss on each mini-batch
with ``check=False``: repeated on every small mini-batch, the checks cost a tenth of a step.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ._validation import Array, as_float_array, check_labels, check_same_shape
from .activations import sigmoid

#: Probabilities are clipped to [EPS, 1 - EPS] before taking logs, so log(0) never happens.
EPS = 1e-12


def _pair(y_pred: ArrayLike, y_true: ArrayLike, loss: str) -> tuple[Array, Array]:
    y_pred = as_float_array(y_pred, f"{loss}: predictions", ndim=2, non_empty=True)
    y_true = as_float_array(y_true, f"{loss}: targets")
    check_same_shape(y_pred, y_true, f"{loss}: predictions", "targets")
    return y_pred, y_true


def mse(y_pred: ArrayLike, y_true: ArrayLike, *, check: bool = True) -> tuple[float, Array]:
    """Half mean squared error  L = (1/2n) Σ_i ||ŷ_i - y_i||².

    y_pred, y_true: (n_samples, n_outputs) -> (L, dL/dŷ = (ŷ - y) / n).
    The ½ makes the gradient exactly the error; report errors with ``metrics.rmse``.
    """
    if check:
        y_pred, y_true = _pair(y_pred, y_true, "mse")
    n = y_pred.shape[0]
    error = y_pred - y_true
    return 0.5 * float(np.sum(error * error)) / n, error / n


def _check_binary_targets(y_true: Array, loss: str) -> None:
    if np.any((y_true < 0) | (y_true > 1)):
        raise ValueError(f"{loss}: targets must lie in [0, 1], got values in "
                         f"[{y_true.min():g}, {y_true.max():g}]")


def _check_probabilities(p: Array, loss: str, logits_loss: str) -> None:
    if np.any((p < 0) | (p > 1)):
        raise ValueError(f"{loss}: predictions must be probabilities in [0, 1], got values in "
                         f"[{p.min():g}, {p.max():g}]; pass logits to {logits_loss} instead")


def binary_cross_entropy(p: ArrayLike, y_true: ArrayLike, *, check: bool = True) -> tuple[float, Array]:
    """Binary cross-entropy of probabilities  L = -(1/n) Σ [y log p + (1-y) log(1-p)].

    p, y_true: (n_samples, n_outputs), p in [0, 1] -> (L, dL/dp).
    p is clipped to [EPS, 1-EPS] so the loss stays finite when a sigmoid saturates.
    Prefer ``binary_cross_entropy_with_logits`` when you have the logit z.
    """
    if check:
        p, y_true = _pair(p, y_true, "binary_cross_entropy")
        _check_binary_targets(y_true, "binary_cross_entropy")
        _check_probabilities(p, "binary_cross_entropy", "binary_cross_entropy_with_logits")
    n = p.shape[0]
    p = np.clip(p, EPS, 1.0 - EPS)
    loss = -float(np.sum(y_true * np.log(p) + (1.0 - y_true) * np.log1p(-p))) / n
    return loss, (p - y_true) / (p * (1.0 - p)) / n


def binary_cross_entropy_with_logits(z: ArrayLike, y_true: ArrayLike, *,
                                     check: bool = True) -> tuple[float, Array]:
    """Binary cross-entropy of σ(z), computed from the logit z without ever forming log(0).

    z, y_true: (n_samples, n_outputs) -> (L, dL/dz = (σ(z) - y) / n).
    Uses  -[y log σ(z) + (1-y) log(1-σ(z))] = max(z, 0) - z y + log(1 + exp(-|z|)).
    """
    if check:
        z, y_true = _pair(z, y_true, "binary_cross_entropy_with_logits")
        _check_binary_targets(y_true, "binary_cross_entropy_with_logits")
    n = z.shape[0]
    per_element = np.maximum(z, 0.0) - z * y_true + np.log1p(np.exp(-np.abs(z)))
    return float(np.sum(per_element)) / n, (sigmoid(z) - y_true) / n


def _check_probability_rows(y_true: Array, loss: str) -> None:
    """(softmax(z) - Y) / n is the gradient only when every row of Y is a distribution."""
    _check_binary_targets(y_true, loss)
    row_sums = y_true.sum(axis=1)
    if np.any(np.abs(row_sums - 1.0) > 1e-6):
        raise ValueError(f"{loss}: every target row must sum to 1 (one-hot or probabilities), "
                         f"got row sums in {row_sums.min():g}..{row_sums.max():g}")


def _categorical_inputs(pred: ArrayLike, y_true: ArrayLike, loss: str, what: str) -> tuple[Array, np.ndarray]:
    """Checked inputs of a categorical loss: pred (n_samples, n_classes) and its targets, either
    integer labels (n_samples,) in 0..n_classes-1 or rows (n_samples, n_classes) that are distributions."""
    pred = as_float_array(pred, f"{loss}: {what}", ndim=2, non_empty=True)
    y = np.asarray(y_true)
    if y.ndim == 1:
        check_labels(y, pred.shape[1], loss)
        if y.shape[0] != pred.shape[0]:
            raise ValueError(f"{loss}: {pred.shape[0]} rows of {what} but {y.shape[0]} labels")
        return pred, y
    y = as_float_array(y, f"{loss}: targets", ndim=2)
    check_same_shape(pred, y, f"{loss}: {what}", "one-hot targets")
    _check_probability_rows(y, loss)
    return pred, y


def softmax_cross_entropy(z: ArrayLike, y_true: ArrayLike, *, check: bool = True) -> tuple[float, Array]:
    """Categorical cross-entropy of softmax(z), fused:  L = -(1/n) Σ_i log softmax(z_i)[y_i].

    z: (n_samples, n_classes) logits; y_true: (n_samples, n_classes) one-hot (or probability)
    rows, each summing to 1, or (n_samples,) integer labels -> (L, dL/dz = (softmax(z) - Y) / n).
    One pass: log softmax(z) = s - log Σ_k exp(s_k) with s = z - max(z), so no exp overflows
    and no log(0) is ever taken.
    """
    if check:
        z, y_true = _categorical_inputs(z, y_true, "softmax_cross_entropy", "logits")
    n = z.shape[0]
    shifted = z - z.max(axis=1, keepdims=True)
    exp_shifted = np.exp(shifted)
    sum_exp = exp_shifted.sum(axis=1, keepdims=True)
    grad = exp_shifted / (sum_exp * n)  # softmax(z) / n
    y = np.asarray(y_true)
    if y.ndim == 1:
        rows = np.arange(n)
        log_p_true = shifted[rows, y] - np.log(sum_exp[:, 0])  # log softmax(z_i)[y_i]
        np.subtract.at(grad, (rows, y), 1.0 / n)  # grad[i, y_i] -= 1/n: softmax - one-hot
        return -float(log_p_true.sum()) / n, grad
    loss = -float(np.sum(y * (shifted - np.log(sum_exp)))) / n
    return loss, grad - y / n


def categorical_cross_entropy(p: ArrayLike, y_true: ArrayLike, *, check: bool = True) -> tuple[float, Array]:
    """Categorical cross-entropy of probabilities  L = -(1/n) Σ_i Σ_k Y_ik log p_ik.

    p: (n_samples, n_classes) rows of probabilities (e.g. a ``Softmax`` layer's output);
    y_true: one-hot (n_samples, n_classes) or labels (n_samples,) -> (L, dL/dp = -Y / (p n)).
    p is clipped to [EPS, 1] before the log. Prefer ``softmax_cross_entropy`` on logits.
    """
    if check:
        p, y_true = _categorical_inputs(p, y_true, "categorical_cross_entropy", "probabilities")
        _check_probabilities(p, "categorical_cross_entropy", "softmax_cross_entropy")
    n = p.shape[0]
    y = np.asarray(y_true)
    if y.ndim == 1:  # labels -> one-hot rows
        one_hot = np.zeros_like(p)
        one_hot[np.arange(n), y] = 1.0
        y = one_hot
    p = np.clip(p, EPS, 1.0)
    return -float(np.sum(y * np.log(p))) / n, -y / p / n
