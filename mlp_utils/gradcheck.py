"""Numerical gradients by central differences, to check hand-written backward passes.

Errors are *relative* and measured per array:  ||g_analytic - g_numeric|| / (||g_analytic|| + ||g_numeric||).
In float64 with eps = 1e-6 a correct gradient gives about 1e-8 or less; a bug typically gives 1e-3 or more.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
from numpy.typing import ArrayLike

from ._validation import Array, as_float_array, check_callable, check_number, check_rng
from .layers import Layer
from .network import Sequential

LossFn = Callable[[Array, Array], tuple[float, Array]]


def numerical_gradient(f: Callable[[Array], float], x: ArrayLike, eps: float = 1e-6) -> Array:
    """Central-difference gradient of a scalar function: (f(x + eps e_i) - f(x - eps e_i)) / 2eps.

    x: any shape, finite; returns an array of the same shape. ``x`` itself is not modified.
    f must return a finite scalar at every probe point; eps must be a finite number > 0.
    """
    check_callable(f, "numerical_gradient: f")
    eps = check_number(eps, "numerical_gradient: eps", low=0.0, low_open=True)
    x = np.array(as_float_array(x, "numerical_gradient: x"), copy=True)
    grad = np.zeros_like(x)
    flat_x, flat_grad = x.reshape(-1), grad.reshape(-1)
    for i in range(flat_x.size):
        original = flat_x[i]
        flat_x[i] = original + eps
        f_plus = _probed(f(x), i, x.shape, "+")
        flat_x[i] = original - eps
        f_minus = _probed(f(x), i, x.shape, "-")
        flat_x[i] = original
        flat_grad[i] = (f_plus - f_minus) / (2.0 * eps)
    return grad


def _probed(value: float, flat_index: int, shape: tuple[int, ...], sign: str) -> float:
    """``value`` = f(x ± eps e_i), checked: a finite scalar (else there is no gradient to estimate)."""
    where = f"x[{', '.join(str(int(i)) for i in np.unravel_index(flat_index, shape))}] {sign} eps"
    if isinstance(value, (tuple, list)):  # e.g. a loss's (value, gradient): pass lambda p: loss(p, y)[0]
        raise ValueError(f"numerical_gradient: f must return a scalar, got a {type(value).__name__} of "
                         f"length {len(value)} at {where}")
    if np.ndim(value) != 0:
        raise ValueError(f"numerical_gradient: f must return a scalar, got an array of shape "
                         f"{np.shape(value)} at {where}")
    if not math.isfinite(value):
        raise ValueError(f"numerical_gradient: f must return a finite number, got {value} at {where}")
    return value


def relative_error(analytic: ArrayLike, numeric: ArrayLike) -> float:
    """||a - n|| / (||a|| + ||n||), or 0.0 when both are exactly zero."""
    a = as_float_array(analytic, "relative_error: analytic gradient")
    n = as_float_array(numeric, "relative_error: numeric gradient")
    if a.shape != n.shape:
        raise ValueError(f"analytic gradient has shape {a.shape}, numeric has shape {n.shape}")
    denominator = np.linalg.norm(a) + np.linalg.norm(n)
    return 0.0 if denominator == 0.0 else float(np.linalg.norm(a - n) / denominator)


def _restoring(param: Array, f: Callable[[], float]) -> Callable[[Array], float]:
    """Wrap ``f`` so that it is evaluated with ``param`` temporarily set to a probe value."""
    def probe(value: Array) -> float:
        saved = param.copy()
        param[...] = value
        try:
            return f()
        finally:
            param[...] = saved
    return probe


def layer_gradient_errors(layer: Layer, x: ArrayLike, *, rng: np.random.Generator,
                          eps: float = 1e-6) -> dict[str, float]:
    """Relative error of a layer's backward pass, for its input ``"x"`` and every parameter.

    Uses the scalar L = Σ out * g with a fixed random upstream gradient g, so dL/dout = g.
    x: (n_samples, n_in). Layers are run with train=False (no dropout randomness).
    """
    if not isinstance(layer, Layer):
        raise TypeError(f"layer must be a Layer (mlp_utils.layers.Layer or a subclass), got {type(layer).__name__}")
    check_rng(rng)
    check_number(eps, "eps", low=0.0, low_open=True)
    x = as_float_array(x, "x", ndim=2, non_empty=True)
    out = layer.forward(x)
    upstream = rng.normal(size=out.shape)

    def scalar_loss_of_input(x_probe: Array) -> float:
        return float(np.sum(layer.forward(x_probe) * upstream))

    layer.forward(x)
    grad_x = layer.backward(upstream)
    if getattr(grad_x, "shape", None) != x.shape:
        raise ValueError(f"{type(layer).__name__}.backward must return dL/dx of the input's shape {x.shape}, "
                         f"got {type(grad_x).__name__} of shape {getattr(grad_x, 'shape', None)}")
    Sequential([layer]).check_grads()  # one gradient per parameter, of its shape
    analytic = {"x": grad_x, **{name: grad.copy() for name, grad in layer.grads.items()}}
    errors = {"x": relative_error(analytic["x"], numerical_gradient(scalar_loss_of_input, x, eps))}
    for name, param in layer.params.items():
        probe = _restoring(param, lambda: float(np.sum(layer.forward(x) * upstream)))
        errors[name] = relative_error(analytic[name], numerical_gradient(probe, param, eps))
    return errors


def gradcheck_layer(layer: Layer, x: ArrayLike, *, rng: np.random.Generator, eps: float = 1e-6) -> float:
    """Max relative error over the input and parameter gradients of ``layer`` (see above)."""
    return max(layer_gradient_errors(layer, x, rng=rng, eps=eps).values())


def model_gradient_errors(model: Sequential, loss: LossFn, X: ArrayLike, y: ArrayLike,
                          eps: float = 1e-6) -> dict[str, float]:
    """Relative error of backprop for every parameter of ``model`` under ``loss`` on (X, y).

    X: (n_samples, n_features). Runs in evaluation mode (train=False). Keys as in
    ``model.parameters()``, e.g. ``{"0.W": 3e-10, "0.b": 2e-11, ...}``.
    """
    if not isinstance(model, Sequential):
        raise TypeError(f"model must be a Sequential (e.g. an MLP), got {type(model).__name__}")
    check_callable(loss, "loss")
    check_number(eps, "eps", low=0.0, low_open=True)
    X = as_float_array(X, "X", ndim=2, non_empty=True)
    y = np.asarray(y)
    _, grad_output = loss(model.forward(X), y)
    model.backward(grad_output)
    analytic = model.get_grads()

    def total_loss() -> float:
        return loss(model.forward(X), y)[0]

    errors = {}
    for key, param, _ in model.parameters():
        errors[key] = relative_error(analytic[key], numerical_gradient(_restoring(param, total_loss), param, eps))
    return errors


def gradcheck_model(model: Sequential, loss: LossFn, X: ArrayLike, y: ArrayLike, eps: float = 1e-6) -> float:
    """Max relative error of backprop over all parameters of ``model`` (see above)."""
    return max(model_gradient_errors(model, loss, X, y, eps).values())


def gradcheck_function(f: Callable[[Array], float], grad_f: Callable[[Array], Array],
                       x: ArrayLike, eps: float = 1e-6) -> float:
    """Relative error between ``grad_f(x)`` and the numerical gradient of the scalar ``f`` at x.

    For an element-wise activation g with derivative g', use f = lambda z: np.sum(g(z)),
    grad_f = g'. x: any shape, finite; grad_f(x) must have x's shape.
    """
    check_callable(grad_f, "gradcheck_function: grad_f")
    x = as_float_array(x, "gradcheck_function: x")
    return relative_error(grad_f(x), numerical_gradient(f, x, eps))
