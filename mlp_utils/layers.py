"""Layers with a common contract (CS231n style, forward and backward side by side).

Every layer has

* ``forward(x, train=False) -> out``: x is (n_samples, n_in); caches what backward needs;
* ``backward(grad_out) -> grad_in``: grad_out = dL/d(out), same shape as ``out``; returns
  dL/dx and fills ``self.grads`` (one entry per entry of ``self.params``);
* ``params`` / ``grads``: dicts of arrays with matching keys, so one optimiser updates any model.

Layers never modify the arrays passed to them. ``backward`` overwrites ``grads`` (no accumulation).
Constructors check their arguments; ``forward`` and ``backward`` run on every mini-batch and check
only shapes (``Sequential.forward`` checks the input's values once, ``fit`` detects divergence).
A subclass calls ``super().__init__()`` and fills ``params`` in its constructor (``Sequential``
checks both) and one ``grads`` entry per parameter, of the parameter's shape, in ``backward``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ._validation import Array, as_float_array, check_choice, check_int, check_number, check_rng
from .activations import ACTIVATIONS, softmax

INIT_SCHEMES = ("xavier", "he", "uniform")
_BEFORE_FORWARD = object()  # Dropout's mask until its first forward (None means: no mask, eval mode)


class Layer:
    """Base class: a layer without parameters that passes gradients through unchanged."""

    def __init__(self) -> None:
        self.params: dict[str, Array] = {}
        self.grads: dict[str, Array] = {}

    def forward(self, x: Array, train: bool = False) -> Array:
        raise NotImplementedError(f"{type(self).__name__} must define forward(x, train=False) -> out")

    def backward(self, grad_out: Array) -> Array:
        raise NotImplementedError(f"{type(self).__name__} must define backward(grad_out) -> grad_in")

    def _require_cache(self, cached: Array | None) -> Array:
        if cached is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward")
        return cached

    def _check_grad_out(self, grad_out: Array, shape: tuple[int, ...]) -> None:
        """dL/d(out) must have the shape of the last output: an element-wise product must not broadcast."""
        if grad_out.shape != shape:
            raise ValueError(f"{type(self).__name__}.backward expects a gradient of the output's shape {shape}, "
                             f"got {grad_out.shape}")


class Dense(Layer):
    """Affine layer  z = x W + b.

    x: (n_samples, n_in) -> z: (n_samples, n_out).  W: (n_in, n_out), b: (n_out,).

    init: ``"xavier"`` (Glorot uniform, limit sqrt(6 / (n_in + n_out)); for sigmoid/tanh),
    ``"he"`` (normal, std sqrt(2 / n_in); for ReLU) or ``"uniform"`` (U[-scale, scale]).
    Biases start at zero. ``rng`` is required unless W and b are given via ``from_weights``.
    """

    def __init__(self, n_in: int, n_out: int, *, rng: np.random.Generator,
                 init: str = "xavier", scale: float = 1.0) -> None:
        super().__init__()
        n_in, n_out = check_int(n_in, "Dense: n_in", minimum=1), check_int(n_out, "Dense: n_out", minimum=1)
        check_rng(rng, "Dense: rng")
        check_choice(init, "Dense: init", INIT_SCHEMES)
        scale = check_number(scale, "Dense: scale", low=0.0, low_open=True)
        if init == "xavier":
            limit = np.sqrt(6.0 / (n_in + n_out))
            W = rng.uniform(-limit, limit, size=(n_in, n_out))
        elif init == "he":
            W = rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_out))
        else:  # "uniform"
            W = rng.uniform(-scale, scale, size=(n_in, n_out))
        self.params = {"W": W, "b": np.zeros(n_out)}
        self.grads = {"W": np.zeros_like(W), "b": np.zeros(n_out)}
        self._x: Array | None = None

    @classmethod
    def from_weights(cls, W: ArrayLike, b: ArrayLike) -> "Dense":
        """A Dense layer with the given weights (copied): W (n_in, n_out), b (n_out,)."""
        W = as_float_array(W, "W", ndim=2, non_empty=True)
        b = as_float_array(b, "b", ndim=1)
        if b.shape[0] != W.shape[1]:
            raise ValueError(f"b must have shape ({W.shape[1]},) to match W {W.shape}, got {b.shape}")
        layer = cls(W.shape[0], W.shape[1], rng=np.random.default_rng(0))
        layer.params["W"][...] = W
        layer.params["b"][...] = b
        return layer

    @property
    def n_in(self) -> int:
        return self.params["W"].shape[0]

    @property
    def n_out(self) -> int:
        return self.params["W"].shape[1]

    def forward(self, x: Array, train: bool = False) -> Array:
        x = np.asarray(x, dtype=np.float64)
        W = self.params["W"]
        if x.ndim != 2 or x.shape[1] != W.shape[0]:
            raise ValueError(f"Dense layer expects input of shape (n_samples, {W.shape[0]}), "
                             f"got {x.shape}")
        self._x = x
        z = x @ W
        z += self.params["b"]  # in place: one array fewer per call
        return z

    def backward(self, grad_out: Array, input_grad: bool = True) -> Array | None:
        """grad_out = δ: (n_samples, n_out) -> dL/dx = δ Wᵀ: (n_samples, n_in).

        input_grad=False skips dL/dx and returns None (a first layer's input needs no gradient).
        """
        x = self._require_cache(self._x)
        W = self.params["W"]
        if grad_out.shape != (x.shape[0], W.shape[1]):
            raise ValueError(f"Dense.backward expects a gradient of shape {(x.shape[0], W.shape[1])}, "
                             f"got {grad_out.shape}")
        self.grads["W"] = x.T @ grad_out          # dL/dW = xᵀ δ : (n_in, n_out)
        self.grads["b"] = grad_out.sum(axis=0)    # dL/db = Σ_samples δ : (n_out,)
        return grad_out @ W.T if input_grad else None

    def __repr__(self) -> str:
        return f"Dense({self.n_in}, {self.n_out})"


class Activation(Layer):
    """Element-wise activation  a = f(z);  backward: dL/dz = dL/da * f'(z).

    name: one of ``"identity"``, ``"sigmoid"``, ``"tanh"``, ``"relu"``. Shapes are preserved.
    """

    def __init__(self, name: str) -> None:
        super().__init__()
        if not isinstance(name, str) or name not in ACTIVATIONS:
            raise ValueError(f"unknown activation {name!r}; choose one of {sorted(ACTIVATIONS)}")
        self.name = name
        self._f, self._f_prime = ACTIVATIONS[name]
        self._z: Array | None = None

    def forward(self, x: Array, train: bool = False) -> Array:
        self._z = np.asarray(x, dtype=np.float64)
        return self._f(self._z)

    def backward(self, grad_out: Array) -> Array:
        z = self._require_cache(self._z)
        self._check_grad_out(grad_out, z.shape)
        return grad_out * self._f_prime(z)

    def __repr__(self) -> str:
        return f"Activation({self.name!r})"


class Softmax(Layer):
    """Row-wise softmax  p = softmax(z);  z, p: (n_samples, n_classes).

    backward uses the Jacobian-vector product dL/dz = p * (g - Σ_k g_k p_k) per row.
    For training, the fused ``losses.softmax_cross_entropy`` on logits is simpler and stabler.
    """

    def __init__(self) -> None:
        super().__init__()
        self._p: Array | None = None

    def forward(self, x: Array, train: bool = False) -> Array:
        self._p = softmax(x, check=False)  # finiteness is fit's concern: it reports divergence
        return self._p

    def backward(self, grad_out: Array) -> Array:
        p = self._require_cache(self._p)
        self._check_grad_out(grad_out, p.shape)
        return p * (grad_out - np.sum(grad_out * p, axis=1, keepdims=True))

    def __repr__(self) -> str:
        return "Softmax()"


class Dropout(Layer):
    """Inverted dropout. ``p`` is the probability of DROPPING a unit, 0 <= p < 1.

    train=True: out = x * m / (1 - p) with m ~ Bernoulli(1 - p) drawn from ``rng``, so the
    expected output equals x. train=False (evaluation): out = x, no randomness.
    backward uses the same mask as the last forward. Shapes are preserved.
    """

    def __init__(self, p: float, *, rng: np.random.Generator) -> None:
        super().__init__()
        p = check_number(p, "dropout probability p")
        if not 0.0 <= p < 1.0:
            raise ValueError(f"dropout probability p must satisfy 0 <= p < 1, got {p}")
        self.p = p
        self.rng = check_rng(rng, "Dropout: rng")
        self._mask: Array | None | object = _BEFORE_FORWARD

    def forward(self, x: Array, train: bool = False) -> Array:
        x = np.asarray(x, dtype=np.float64)
        if not train or self.p == 0.0:
            self._mask = None
            return x
        self._mask = (self.rng.random(x.shape) >= self.p) / (1.0 - self.p)
        return x * self._mask

    def backward(self, grad_out: Array) -> Array:
        mask = self._mask
        if mask is None:  # the last forward ran in evaluation mode (or p = 0): the identity
            return grad_out
        if mask is _BEFORE_FORWARD:
            raise RuntimeError("Dropout.backward called before forward")
        self._check_grad_out(grad_out, mask.shape)
        return grad_out * mask

    def __repr__(self) -> str:
        return f"Dropout(p={self.p})"
