"""Reverse-mode automatic differentiation on NumPy arrays, in the shape of micrograd.

A ``Tensor`` holds ``data`` (a float64 array; a scalar is a 0-d array of shape ``()``), ``grad``
(dL/d data, the same shape), the tensors it was computed from (``parents``) and a ``_backward``
closure that adds its gradient, times the local derivative, into each parent's ``grad``.
``backward()`` orders the graph once (every tensor after its parents) and runs the closures in
reverse order. The rules:

* gradients are *added* (``+=``, never ``=``): a tensor used twice receives both contributions;
* broadcasting in the forward pass (``X @ W + b`` with ``b`` of shape ``(n_out,)``) is undone in
  the backward pass by ``unbroadcast``, the one function every element-wise operation uses;
* ``backward()`` frees the graph it ran through, because running it a second time would add every
  gradient twice: a second call raises ``RuntimeError`` (unless the first passed
  ``retain_graph=True``). Leaves (tensors without parents: inputs, parameters) accumulate over
  backward calls, as in PyTorch, until ``zero_grad()``; inner gradients are recomputed each call;
* no global state: a graph is nothing but the tensors that refer to each other.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from numpy.typing import ArrayLike

from ._validation import Array, as_float_array
from .activations import sigmoid as _stable_sigmoid
from .losses import softmax_cross_entropy as _softmax_cross_entropy

#: exp(x) overflows float64 above log(largest float) = 709.78...
_EXP_MAX = float(np.log(np.finfo(np.float64).max))


def unbroadcast(grad: Array, shape: tuple[int, ...]) -> Array:
    """Sum ``grad`` over the axes that broadcasting added or stretched, giving it ``shape`` again.

    grad: the shape of a broadcast result, e.g. (n_samples, n_out); shape: the operand's own shape,
    e.g. (n_out,) -> grad summed over axis 0, shape (n_out,). (1, n_out) -> summed, keepdims.
    """
    leading = grad.ndim - len(shape)
    if leading:
        grad = grad.sum(axis=tuple(range(leading)))
    stretched = tuple(axis for axis, size in enumerate(shape) if size == 1 and grad.shape[axis] != 1)
    return grad.sum(axis=stretched, keepdims=True) if stretched else grad


class Tensor:
    """A node of a computational graph: an array value and, after ``backward``, its gradient.

    data: any shape (copied into a new float64 array; NaN and inf are rejected);
    grad: dL/d data, same shape as data, zeros until ``backward``.
    parents, op: set by the operations (a tensor you create yourself is a leaf: no parents).
    """

    __array_ufunc__ = None  # ndarray + Tensor calls Tensor.__radd__ instead of looping over elements

    def __init__(self, data: ArrayLike, parents: tuple[Tensor, ...] = (), op: str = "") -> None:
        if isinstance(data, Tensor):
            raise TypeError("Tensor(data): data is a Tensor already; use it as it is, or Tensor(t.data) "
                            "for a copy without its graph")
        name = f"the result of {op}" if op else "Tensor data"
        self.data: Array = as_float_array(np.array(data, dtype=np.float64), name)
        self.grad: Array = np.zeros_like(self.data)
        self.parents = parents
        self.op = op  # the operation that made this tensor ("" for a leaf), e.g. for drawing the graph
        self._backward: Callable[[], None] | None = None
        self._freed = False

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    def item(self) -> float:
        """The value of a one-element tensor as a Python float."""
        return float(self.data.item())

    def zero_grad(self) -> None:
        """Reset ``grad`` to zeros (leaves accumulate over backward calls until you do)."""
        self.grad = np.zeros_like(self.data)

    def __repr__(self) -> str:
        label = f", op={self.op!r}" if self.op else ""
        return f"Tensor({np.array2string(self.data, precision=4)}{label})"

    # ---- element-wise operations with broadcasting --------------------------------------------
    def _other(self, other: Tensor | ArrayLike, op: str) -> Tensor:
        other = other if isinstance(other, Tensor) else Tensor(other)
        try:
            np.broadcast_shapes(self.shape, other.shape)
        except ValueError:
            raise ValueError(f"{op}: shapes {self.shape} and {other.shape} cannot be broadcast together "
                             "(aligned from the right, each pair of sizes must be equal or 1)") from None
        return other

    def __add__(self, other: Tensor | ArrayLike) -> Tensor:
        other = self._other(other, "+")
        out = Tensor(self.data + other.data, (self, other), "+")

        def _backward() -> None:  # d(a + b)/da = 1, d(a + b)/db = 1
            self.grad += unbroadcast(out.grad, self.shape)
            other.grad += unbroadcast(out.grad, other.shape)
        out._backward = _backward
        return out

    def __sub__(self, other: Tensor | ArrayLike) -> Tensor:
        other = self._other(other, "-")
        out = Tensor(self.data - other.data, (self, other), "-")

        def _backward() -> None:  # d(a - b)/da = 1, d(a - b)/db = -1
            self.grad += unbroadcast(out.grad, self.shape)
            other.grad -= unbroadcast(out.grad, other.shape)
        out._backward = _backward
        return out

    def __mul__(self, other: Tensor | ArrayLike) -> Tensor:
        other = self._other(other, "*")
        out = Tensor(self.data * other.data, (self, other), "*")

        def _backward() -> None:  # d(a b)/da = b, d(a b)/db = a
            self.grad += unbroadcast(out.grad * other.data, self.shape)
            other.grad += unbroadcast(out.grad * self.data, other.shape)
        out._backward = _backward
        return out

    def __truediv__(self, other: Tensor | ArrayLike) -> Tensor:
        other = self._other(other, "/")
        n_zeros = np.count_nonzero(other.data == 0.0)
        if n_zeros:
            raise ValueError(f"/: the divisor (shape {other.shape}) contains {n_zeros} zero(s)")
        out = Tensor(self.data / other.data, (self, other), "/")

        def _backward() -> None:  # d(a / b)/da = 1 / b, d(a / b)/db = -a / b² = -(a / b) / b
            self.grad += unbroadcast(out.grad / other.data, self.shape)
            other.grad -= unbroadcast(out.grad * out.data / other.data, other.shape)
        out._backward = _backward
        return out

    def __radd__(self, other: ArrayLike) -> Tensor:
        return self + other

    def __rsub__(self, other: ArrayLike) -> Tensor:
        return Tensor(other) - self

    def __rmul__(self, other: ArrayLike) -> Tensor:
        return self * other

    def __rtruediv__(self, other: ArrayLike) -> Tensor:
        return Tensor(other) / self

    def __neg__(self) -> Tensor:
        out = Tensor(-self.data, (self,), "neg")

        def _backward() -> None:
            self.grad -= out.grad
        out._backward = _backward
        return out

    def __pow__(self, exponent: float) -> Tensor:
        """x ** p for a constant number p (x ** 0.5 needs x > 0, a negative p needs x != 0)."""
        if isinstance(exponent, (Tensor, bool)) or not isinstance(exponent, (int, float, np.number)):
            raise TypeError(f"**: the exponent must be a constant number, got {type(exponent).__name__}")
        p = float(exponent)
        if not p.is_integer() and np.any(self.data < 0):
            raise ValueError(f"**: a negative base with the non-integer exponent {p:g} has no real value")
        if p < 1 and np.any(self.data == 0):
            raise ValueError(f"**: the derivative of x ** {p:g} is infinite or undefined at x = 0")
        out = Tensor(self.data ** p, (self,), f"**{p:g}")

        def _backward() -> None:  # d(x^p)/dx = p x^(p - 1)
            self.grad += out.grad * p * self.data ** (p - 1.0)
        out._backward = _backward
        return out

    # ---- matrix product and reductions ----------------------------------------------------------
    def __matmul__(self, other: Tensor | ArrayLike) -> Tensor:
        """(n, k) @ (k, m) -> (n, m); both operands must be 2-D."""
        other = other if isinstance(other, Tensor) else Tensor(other)
        if self.ndim != 2 or other.ndim != 2 or self.shape[1] != other.shape[0]:
            raise ValueError(f"@: expects shapes (n, k) @ (k, m), got {self.shape} @ {other.shape}")
        out = Tensor(self.data @ other.data, (self, other), "@")

        def _backward() -> None:
            self.grad += out.grad @ other.data.T   # (n, m) @ (m, k) -> (n, k)
            other.grad += self.data.T @ out.grad   # (k, n) @ (n, m) -> (k, m)
        out._backward = _backward
        return out

    def __rmatmul__(self, other: ArrayLike) -> Tensor:
        return Tensor(other) @ self

    def _reduce(self, axis: int | None, keepdims: bool, op: str) -> Tensor:
        total = self.data.sum(axis=axis, keepdims=keepdims)
        n_summed = self.data.size // max(total.size, 1)
        if op == "mean" and n_summed == 0:
            raise ValueError(f"mean: no elements to average over (shape {self.shape}, axis={axis})")
        scale = 1.0 / n_summed if op == "mean" else 1.0
        out = Tensor(total * scale, (self,), op)

        def _backward() -> None:  # every summed element gets the gradient of its sum (times 1/n)
            grad = out.grad if keepdims or axis is None else np.expand_dims(out.grad, axis)
            self.grad += np.broadcast_to(grad * scale, self.shape)
        out._backward = _backward
        return out

    def sum(self, axis: int | None = None, keepdims: bool = False) -> Tensor:
        """Sum over ``axis`` (all axes when None), like ``ndarray.sum``."""
        return self._reduce(axis, keepdims, "sum")

    def mean(self, axis: int | None = None, keepdims: bool = False) -> Tensor:
        """Mean over ``axis`` (all axes when None), like ``ndarray.mean``."""
        return self._reduce(axis, keepdims, "mean")

    # ---- element-wise functions -----------------------------------------------------------------
    def _unary(self, value: Array, local_derivative: Array, op: str) -> Tensor:
        out = Tensor(value, (self,), op)

        def _backward() -> None:  # chain rule: dL/dx = dL/d out * d out/dx
            self.grad += out.grad * local_derivative
        out._backward = _backward
        return out

    def exp(self) -> Tensor:
        if self.data.size and self.data.max() > _EXP_MAX:
            raise ValueError(f"exp: the input reaches {self.data.max():g}; "
                             f"exp overflows float64 above {_EXP_MAX:.2f}")
        value = np.exp(self.data)
        return self._unary(value, value, "exp")

    def log(self) -> Tensor:
        if np.any(self.data <= 0):
            raise ValueError(f"log: the input must be > 0, got a minimum of {self.data.min():g}")
        return self._unary(np.log(self.data), 1.0 / self.data, "log")

    def relu(self) -> Tensor:
        return self._unary(np.maximum(self.data, 0.0), (self.data > 0).astype(np.float64), "relu")

    def sigmoid(self) -> Tensor:
        s = _stable_sigmoid(self.data)  # never evaluates exp of a positive number
        return self._unary(s, s * (1.0 - s), "sigmoid")

    def tanh(self) -> Tensor:
        t = np.tanh(self.data)
        return self._unary(t, 1.0 - t * t, "tanh")

    # ---- the backward pass ----------------------------------------------------------------------
    def topological_order(self) -> list[Tensor]:
        """Every tensor this one depends on, each after all of its parents; ``self`` comes last.

        A depth-first search with an explicit stack, so a long chain cannot hit Python's recursion limit.
        """
        order: list[Tensor] = []
        visited: set[int] = set()
        stack: list[tuple[Tensor, bool]] = [(self, False)]
        while stack:
            node, parents_done = stack.pop()
            if parents_done:
                order.append(node)
            elif id(node) not in visited:
                visited.add(id(node))
                stack.append((node, True))
                stack.extend((parent, False) for parent in node.parents if id(parent) not in visited)
        return order

    def backward(self, grad: ArrayLike | None = None, *, retain_graph: bool = False) -> None:
        """Add dself/dt (times ``grad``) to ``t.grad`` of every tensor t that ``self`` depends on.

        grad: the seed dL/d(self), of shape ``self.shape``; optional only for a scalar (shape ()),
        where it is 1. retain_graph: keep the graph for another backward (which adds to the
        leaves' grads again). Raises ValueError for a missing or misshaped seed, RuntimeError
        for a graph that an earlier backward has freed.
        """
        if grad is None:
            if self.ndim != 0:
                raise ValueError(f"backward() without a seed gradient needs a scalar (shape ()), but this tensor "
                                 f"has shape {self.shape}: reduce it first (.sum(), .mean()) or pass grad "
                                 f"(dL/d this tensor, shape {self.shape})")
            seed = np.ones(())
        else:
            seed = as_float_array(grad, "backward: grad")
            if seed.shape != self.shape:
                raise ValueError(f"backward: grad must have this tensor's shape {self.shape}, got {seed.shape}")
        order = self.topological_order()
        if any(node._freed for node in order):
            raise RuntimeError("backward through a graph that an earlier backward() has freed: running it again "
                               "would add every gradient a second time. Run the forward pass again to build a "
                               "new graph, or pass retain_graph=True to the first backward()")
        for node in order:
            if node.parents:
                node.grad = np.zeros_like(node.data)  # inner gradients are recomputed on every call
        self.grad += seed
        for node in reversed(order):  # every tensor's grad is complete before its closure runs
            if node._backward is not None:
                node._backward()
        if not retain_graph:
            for node in order:
                if node.parents:
                    node._backward, node._freed = None, True  # free the closures and what they hold


def softmax_cross_entropy(logits: Tensor, labels: ArrayLike) -> Tensor:
    """Fused, stable softmax + cross-entropy, the mean over samples (``losses.softmax_cross_entropy``).

    logits: (n_samples, n_classes); labels: (n_samples,) integer classes or (n_samples, n_classes)
    one-hot rows -> a scalar Tensor. Backward: dL/dlogits = (softmax(logits) - Y) / n_samples.
    """
    logits = logits if isinstance(logits, Tensor) else Tensor(logits)
    loss, grad_logits = _softmax_cross_entropy(logits.data, labels)  # checks shapes and labels
    out = Tensor(loss, (logits,), "softmax_cross_entropy")

    def _backward() -> None:
        logits.grad += out.grad * grad_logits
    out._backward = _backward
    return out
