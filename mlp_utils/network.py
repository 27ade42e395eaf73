"""Networks: a ``Sequential`` stack of layers and the ``MLP`` builder used in every chapter."""

from __future__ import annotations

from typing import Iterable, Iterator, Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike

from ._validation import Array, as_float_array, check_choice, check_int, check_number, check_rng
from .activations import ACTIVATIONS
from .layers import Activation, Dense, Dropout, Layer


class Sequential:
    """Layers applied one after another.

    forward: X (n_samples, n_features), finite -> output (n_samples, n_outputs) (n_samples = 0
    gives an empty output);
    backward: dL/d(output) -> dL/dX, filling every layer's ``grads``.
    Parameters are addressed by keys ``"<layer index>.<name>"``, e.g. ``"0.W"``.
    layers: a non-empty list of ``Layer`` objects, each with its ``params`` and ``grads`` dicts.
    """

    def __init__(self, layers: Iterable[Layer]) -> None:
        if isinstance(layers, (Layer, str)) or not isinstance(layers, Iterable):
            raise TypeError(f"layers must be a list of Layer objects, e.g. Sequential([Dense(...), "
                            f"Activation('relu')]), got {type(layers).__name__}")
        layers = list(layers)
        if not layers:
            raise ValueError("Sequential needs at least one layer, got an empty list")
        for index, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(f"layers[{index}] must be a Layer (mlp_utils.layers.Layer or a subclass), "
                                f"got {type(layer).__name__}")
            if not (isinstance(getattr(layer, "params", None), dict)
                    and isinstance(getattr(layer, "grads", None), dict)):
                raise TypeError(f"layers[{index}] ({type(layer).__name__}) has no params and grads dicts: "
                                "its __init__ must call super().__init__()")
        self.layers = layers

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

    def _named_params(self) -> Iterator[tuple[str, Array]]:
        """Yield ``(key, param)`` for every parameter array, in layer order (gradients not needed)."""
        for index, layer in enumerate(self.layers):
            for name, param in layer.params.items():
                yield f"{index}.{name}", param

    def parameters(self) -> Iterator[tuple[str, Array, Array]]:
        """Yield ``(key, param, grad)`` for every parameter array, in layer order."""
        for index, layer in enumerate(self.layers):
            for name, param in layer.params.items():
                try:
                    grad = layer.grads[name]
                except KeyError:
                    raise self._missing_grad(index, name) from None
                yield f"{index}.{name}", param, grad

    def _missing_grad(self, index: int, name: str) -> RuntimeError:
        layer = self.layers[index]
        return RuntimeError(
            f"layer {index} ({type(layer).__name__}) has a parameter {name!r} but no gradient "
            f"grads[{name!r}] (it has {sorted(layer.grads)}): its backward must fill one gradient per "
            "parameter, and backward must run before the gradients are read")

    def check_grads(self) -> None:
        """Raise ``RuntimeError`` unless every parameter has a gradient of its own shape.

        The layer contract: ``backward`` fills ``grads[name]`` for every ``params[name]``.
        ``get_grads`` and ``fit`` (once, after the first epoch) check it.
        """
        for index, layer in enumerate(self.layers):
            for name, param in layer.params.items():
                grad = layer.grads.get(name)
                if grad is None:
                    raise self._missing_grad(index, name)
                if getattr(grad, "shape", None) != param.shape:
                    raise RuntimeError(
                        f"layer {index} ({type(layer).__name__}): grads[{name!r}] must have the shape of "
                        f"params[{name!r}], {param.shape}, got {getattr(grad, 'shape', type(grad).__name__)}")

    def get_params(self) -> dict[str, Array]:
        """A copy of every parameter, keyed like ``parameters()``."""
        return {key: param.copy() for key, param in self._named_params()}

    def set_params(self, values: dict[str, ArrayLike]) -> None:
        """Copy ``values`` into the parameters; keys and shapes must match exactly."""
        if not isinstance(values, Mapping):
            raise TypeError(f"values must be a dict of arrays, e.g. model.get_params(), got {type(values).__name__}")
        own = dict(self._named_params())
        if set(values) != set(own):
            raise ValueError(f"expected parameter keys {sorted(own)}, got {sorted(values)}")
        for key, value in values.items():
            value = as_float_array(value, f"values[{key!r}]")
            if value.shape != own[key].shape:
                raise ValueError(f"parameter {key} has shape {own[key].shape}, got {value.shape}")
            own[key][...] = value

    def get_grads(self) -> dict[str, Array]:
        """A copy of every gradient from the last ``backward``, keyed like ``parameters()``."""
        self.check_grads()
        return {key: grad.copy() for key, _, grad in self.parameters()}

    @property
    def n_params(self) -> int:
        """Total number of scalar parameters."""
        return sum(param.size for _, param in self._named_params())

    def __repr__(self) -> str:
        inner = ",\n  ".join(repr(layer) for layer in self.layers)
        return f"{type(self).__name__}([\n  {inner}\n])"


class MLP(Sequential):
    """A multi-layer perceptron built from its layer sizes.

    ``MLP([2, 4, 1], activation="sigmoid", rng=np.random.default_rng(0))`` is
    Dense(2, 4) -> sigmoid -> Dense(4, 1) -> output activation.

    layer_sizes: [n_features, n_hidden_1, ..., n_outputs] (at least two integers >= 1).
    activation: hidden-layer activation (``"sigmoid"``, ``"tanh"``, ``"relu"``, ``"identity"``).
    output_activation: ``"identity"`` (logits / regression; pair with a ``*_with_logits``,
    ``softmax_cross_entropy`` or ``mse`` loss) or an element-wise activation such as ``"sigmoid"``.
    init: Dense init scheme; default ``"he"`` for ReLU, ``"xavier"`` otherwise.
    dropout: drop probability in [0, 1) applied after every hidden activation (0 = no dropout layers).
    """

    def __init__(self, layer_sizes: Sequence[int], *, rng: np.random.Generator,
                 activation: str = "sigmoid", output_activation: str = "identity",
                 init: str | None = None, scale: float = 1.0, dropout: float = 0.0) -> None:
        if isinstance(layer_sizes, (str, bytes)) or not isinstance(layer_sizes, Iterable):
            raise TypeError(f"layer_sizes must be a list of integers such as [2, 4, 1], "
                            f"got {type(layer_sizes).__name__}")
        layer_sizes = list(layer_sizes)
        if len(layer_sizes) < 2:
            raise ValueError(f"layer_sizes needs at least two positive sizes, got {layer_sizes}")
        sizes = [check_int(size, f"layer_sizes[{i}]", minimum=1) for i, size in enumerate(layer_sizes)]
        check_rng(rng, "rng")
        check_choice(activation, "activation", tuple(ACTIVATIONS))
        check_choice(output_activation, "output_activation", tuple(ACTIVATIONS))
        dropout = check_number(dropout, "dropout", 0.0, 1.0, high_open=True)
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
