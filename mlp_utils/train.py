"""The training loop: full-batch, mini-batch and per-sample (stochastic) gradient descent."""

from __future__ import annotations

import functools
import inspect
import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from numpy.typing import ArrayLike

from ._validation import Array, as_float_array
from .network import Sequential
from .optim import SGD

LossFn = Callable[[Array, Array], tuple[float, Array]]
MetricFn = Callable[[Array, Array], float]


@dataclass
class History:
    """What ``fit`` records, one entry per epoch.

    loss: mean training loss over the epoch's mini-batches (each measured before its update,
    with dropout active); metric: the same for ``metric`` (e.g. accuracy); val_loss / val_metric:
    measured in evaluation mode on the validation data at the end of each epoch.
    """

    metric_name: str = "accuracy"
    loss: list[float] = field(default_factory=list)
    metric: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_metric: list[float] = field(default_factory=list)

    @property
    def epochs(self) -> int:
        return len(self.loss)


def _diverged(epoch: int, optimizer: SGD) -> FloatingPointError:
    return FloatingPointError(
        f"training diverged in epoch {epoch} (the loss or the weights overflowed): the learning rate "
        f"({optimizer.lr}) is probably too large, or the inputs are not scaled")


def _without_checks(loss: LossFn) -> LossFn:
    """``loss`` with its input checks switched off if it takes ``check`` (every loss in
    ``mlp_utils.losses`` does); any other loss function is returned as it is."""
    try:
        takes_check = "check" in inspect.signature(loss).parameters
    except (TypeError, ValueError):  # a callable without a signature
        return loss
    return functools.partial(loss, check=False) if takes_check else loss


def fit(model: Sequential, X: ArrayLike, y: ArrayLike, *, loss: LossFn, optimizer: SGD,
        epochs: int, batch_size: int | None = None, rng: np.random.Generator | None = None,
        metric: MetricFn | None = None, metric_name: str | None = None,
        validation_data: tuple[ArrayLike, ArrayLike] | None = None,
        callback: Callable[[int, Sequential, History], bool | None] | None = None) -> History:
    """Train ``model`` in place by gradient descent and return its ``History``.

    X: (n_samples, n_features); y: targets in the shape ``loss`` expects, first axis n_samples.
    batch_size: ``None`` = full batch (one update per epoch), 1 = per-sample SGD, k = mini-batches.
    rng: shuffles the samples every epoch; required when batch_size < n_samples.
    callback(epoch, model, history): called after every epoch; return True to stop early.
    The loss checks all targets once, before the first update (``ValueError`` if it rejects
    them); each mini-batch then calls it with ``check=False`` when it takes that argument.
    Raises ``FloatingPointError`` (and prints no overflow warning) as soon as training diverges.
    """
    X = as_float_array(X, "X", ndim=2)
    y_arr = np.asarray(y)
    if y_arr.shape[0] != X.shape[0]:
        raise ValueError(f"X has {X.shape[0]} samples but y has {y_arr.shape[0]} (shape {y_arr.shape})")
    n_samples = X.shape[0]
    batch = n_samples if batch_size is None else int(batch_size)
    if not 1 <= batch <= n_samples:
        raise ValueError(f"batch_size must be between 1 and {n_samples}, got {batch_size}")
    if batch < n_samples and rng is None:
        raise ValueError("mini-batch and per-sample training shuffle the data: pass rng=np.random.default_rng(seed)")
    if epochs < 0:
        raise ValueError(f"epochs must be >= 0, got {epochs}")

    # The loss checks every target once, here, so a bad label stops fit before the first update;
    # the mini-batches below are slices of the same arrays and skip those checks.
    with np.errstate(over="ignore", invalid="ignore"):
        loss(model._forward(X, train=False), y_arr)
    batch_loss_fn = _without_checks(loss)

    history = History(metric_name=metric_name or getattr(metric, "__name__", "metric"))
    for epoch in range(epochs):
        if batch < n_samples:
            order = rng.permutation(n_samples)  # type: ignore[union-attr]
            X_epoch, y_epoch = X[order], y_arr[order]
        else:
            X_epoch, y_epoch = X, y_arr
        loss_sum = metric_sum = 0.0
        # Overflow is not warned about here: a diverging run is stopped below with a clear error.
        with np.errstate(over="ignore", invalid="ignore"):
            for start in range(0, n_samples, batch):
                X_batch, y_batch = X_epoch[start:start + batch], y_epoch[start:start + batch]
                output = model._forward(X_batch, train=True)  # X was checked once above
                try:
                    batch_loss, grad_output = batch_loss_fn(output, y_batch)
                except ValueError as error:
                    if np.isfinite(output).all():
                        raise
                    raise _diverged(epoch, optimizer) from error
                if not math.isfinite(batch_loss):
                    raise _diverged(epoch, optimizer)
                model.backward(grad_output, input_grad=False)
                optimizer.step(model)
                loss_sum += batch_loss * X_batch.shape[0]
                if metric is not None:
                    metric_sum += metric(output, y_batch) * X_batch.shape[0]
        history.loss.append(loss_sum / n_samples)
        if metric is not None:
            history.metric.append(metric_sum / n_samples)
        if validation_data is not None:
            X_val, y_val = validation_data
            val_output = model.predict(X_val)
            history.val_loss.append(loss(val_output, np.asarray(y_val))[0])
            if metric is not None:
                history.val_metric.append(metric(val_output, np.asarray(y_val)))
        if callback is not None and callback(epoch, model, history):
            break
    if not all(np.isfinite(param).all() for _, param, _ in model.parameters()):
        raise _diverged(epochs - 1, optimizer)
    return history
