"""Metrics for reporting (not for training): accuracy and root mean squared error.

Every metric checks its inputs (shapes, finite values, label ranges, no empty batch) and raises a
``ValueError`` that names them; ``check=False`` skips the checks, for ``fit``, which checks the
metric once on all the data before training and then calls it on every mini-batch.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ._validation import Array, as_float_array, check_labels, check_number, check_same_shape


def _classes(output: np.ndarray, threshold: float) -> np.ndarray:
    if output.shape[1] == 1:
        return (output[:, 0] > threshold).astype(np.int64)
    return output.argmax(axis=1)


def _checked_output(output: ArrayLike, name: str, threshold: float) -> Array:
    check_number(threshold, f"{name}: threshold")
    return as_float_array(output, f"{name}: output", ndim=2, non_empty=True)


def predicted_classes(output: ArrayLike, threshold: float = 0.5) -> np.ndarray:
    """Class labels from a network output of shape (n_samples, n_outputs), n_outputs >= 1.

    One output column: label 1 where output > ``threshold`` (0.5 for probabilities,
    use 0.0 for logits). Several columns: the arg-max of each row. Returns (n_samples,) ints.
    """
    return _classes(_checked_output(output, "predicted_classes", threshold), threshold)


def _check_accuracy_targets(output: Array, y_true: ArrayLike) -> None:
    """Targets for ``output`` (n_samples, n_outputs): labels (n_samples,) in 0..n_classes-1
    (0..1 for one column), or an array of the output's shape with values in [0, 1]."""
    n_samples, n_outputs = output.shape
    y = np.asarray(y_true)
    if y.ndim == 1:
        check_labels(y, max(n_outputs, 2), "accuracy", f" for an output with {n_outputs} column(s)")
        if y.shape[0] != n_samples:
            raise ValueError(f"accuracy: {n_samples} rows of output but {y.shape[0]} labels")
        return
    if y.ndim != 2:
        raise ValueError(f"accuracy: targets must have shape ({n_samples},) (labels) or "
                         f"{output.shape} (0/1 or one-hot rows), got an array of shape {y.shape}")
    y = as_float_array(y, "accuracy: targets")
    check_same_shape(output, y, "accuracy: output", "targets")
    if np.any((y < 0) | (y > 1)):
        raise ValueError(f"accuracy: 0/1 or one-hot targets must lie in [0, 1], "
                         f"got values in [{y.min():g}, {y.max():g}]")


def accuracy(output: ArrayLike, y_true: ArrayLike, threshold: float = 0.5, *, check: bool = True) -> float:
    """Fraction of samples classified correctly, in [0, 1].

    output: (n_samples, n_outputs) probabilities or scores; y_true: (n_samples, 1) 0/1 targets,
    (n_samples, n_classes) one-hot, or (n_samples,) integer labels. n_samples >= 1.
    """
    if check:
        output = _checked_output(output, "accuracy", threshold)
        _check_accuracy_targets(output, y_true)
    predicted = _classes(np.asarray(output, dtype=np.float64), threshold)
    y = np.asarray(y_true)
    if y.ndim == 2:
        y = (y[:, 0] > 0.5).astype(np.int64) if y.shape[1] == 1 else y.argmax(axis=1)
    if y.shape != predicted.shape:
        raise ValueError(f"accuracy: {predicted.shape[0]} predictions but targets of shape "
                         f"{np.shape(y_true)}")
    return float(np.mean(predicted == y))


def rmse(y_pred: ArrayLike, y_true: ArrayLike, *, check: bool = True) -> float:
    """Root mean squared error sqrt(mean((ŷ - y)²)), in the units of y. Shapes must match, not empty."""
    if check:
        y_pred = as_float_array(y_pred, "rmse: predictions", non_empty=True)
        y_true = as_float_array(y_true, "rmse: targets")
        check_same_shape(y_pred, y_true, "rmse: predictions", "targets")
    return float(np.sqrt(np.mean((y_pred - y_true) ** 2)))
