"""Networks: a ``Sequential`` stack of layers and the ``MLP`` builder used in every chapter."""

from __future__ import annotations

from typing import Iterator, Sequence

import numpy as np
from numpy.typing import ArrayLike

from ._validation import Array, as_float_array
from .layers import Activation, Dense, Dropout, Layer


class Sequential:
    """Layers applied one after another.

    forward: X (n_samples, n_features) -> output (n_samples, n_outputs);
    backward: dL/d(output) -> dL/dX, filling every layer's ``grads``.
    Parameters are addressed by keys ``"<layer index>.<name>"``, e.g. ``"0.W"``.
    """

    def __init__(self, layers: Sequence[Layer]) -> None:
        if not layers:
            raise ValueError("Sequential needs at least one layer")
        self.layers = list(layers)

    def forward(self, X: ArrayLike, train: bool = False) -> Array:
        return self._forward(as_float_array(X, "X", ndim=2), train)

    def _forward(self, X: Array, train: bool) -> Array:
        """forward without checking X: for callers that checked it once already (fit)."""
        out = X
        for layer in self.layers:
            out = layer.forward(out, train=train)
        return out

    def backward(self, grad_out: Array, input_grad: bool = True) -> Array | None:
        """Backpropagate dL/d(output); input_grad=False skips dL/dX (training never needs it)."""
        grad = grad_out
        for layer in reversed(self.layers[1:]):
            grad = layer.backward(grad)
        first = self.layers[0]
        if not input_grad and isinstance(first, Dense):
            return first.backward(grad, input_grad=False)
        return first.backward(grad)

    def predict(self, X: ArrayLike) -> Array:
        """Output in evaluation mode (dropout off): (n_samples, n_outputs)."""
        return self.forward(X, train=False)

    def parameters(self) -> Iterator[tuple[str, Array, Array]]:
        """Yield ``(key, param, grad)`` for every parameter array, in layer order."""
        for index, layer in enumerate(self.layers):
            for name, param in layer.params.items():
                yield f"{index}.{name}", param, layer.grads[name]

    def get_params(self) -> dict[str, Array]:
        """A copy of every parameter, keyed like ``parameters()``."""
        return {key: param.copy() for key, param, _ in self.parameters()}

    def set_params(self, values: dict[str, ArrayLike]) -> None:
        """Copy ``values`` into the parameters; keys and shapes must match exactly."""
        own = {key: param for key, param, _ in self.parameters()}
        if set(values) != set(own):
            raise ValueError(f"expected parameter keys {sorted(own)}, got {sorted(values)}")
        for key, value in values.items():
            value = np.asarray(value, dtype=np.float64)
            if value.shape != own[key].shape:
                raise ValueError(f"parameter {key} has shape {own[key].shape}, got {value.shape}")
            own[key][...] = value

    def get_grads(self) -> dict[str, Array]:
        """A copy of every gradient from the last ``backward``, keyed like ``parameters()``."""
        return {key: grad.copy() for key, _, grad in self.parameters()}

    @property
    def n_params(self) -> int:
        """Total number of scalar parameters."""
        return sum(param.size for _, param, _ in self.parameters())

    def __repr__(self) -> str:
        inner = ",\n  ".join(repr(layer) for layer in self.layers)
        return f"{type(self).__name__}([\n  {inner}\n])"


class MLP(Sequential):
    """A multi-layer perceptron built from its layer sizes.

    ``MLP([2, 4, 1], activation="sigmoid", rng=np.random.default_rng(0))`` is
    Dense(2, 4) -> sigmoid -> Dense(4, 1) -> output activation.

    layer_sizes: [n_features, n_hidden_1, ..., n_outputs] (at least two entries).
    activation: hidden-layer activation (``"sigmoid"``, ``"tanh"``, ``"relu"``, ``"identity"``).
    output_activation: ``"identity"`` (logits / regression; pair with a ``*_with_logits``,
    ``softmax_cross_entropy`` or ``mse`` loss) or an element-wise activation such as ``"sigmoid"``.
    init: Dense init scheme; default ``"he"`` for ReLU, ``"xavier"`` otherwise.
    dropout: drop probability applied after every hidden activation (0 = no dropout layers).
    """

    def __init__(self, layer_sizes: Sequence[int], *, rng: np.random.Generator,
                 activation: str = "sigmoid", output_activation: str = "identity",
                 init: str | None = None, scale: float = 1.0, dropout: float = 0.0) -> None:
        sizes = [int(size) for size in layer_sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"layer_sizes needs at least two positive sizes, got {list(layer_sizes)}")
        if init is None:
            init = "he" if activation == "relu" else "xavier"
        layers: list[Layer] = []
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(Dense(n_in, n_out, rng=rng, init=init, scale=scale))
            if i < len(sizes) - 2:
                layers.append(Activation(activation))
                if dropout > 0.0:
                    layers.append(Dropout(dropout, rng=rng))
        if output_activation != "identity":
            layers.append(Activation(output_activation))
        super().__init__(layers)
        self.layer_sizes = sizes
