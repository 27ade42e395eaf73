"""Optimisers: the parameter update rule, in one place."""

from __future__ import annotations

import numpy as np

from ._validation import Array
from .network import Sequential


class SGD:
    """Stochastic gradient descent with optional (heavy-ball) momentum.

    Without momentum:  θ ← θ - η ∇θ L.
    With momentum μ:   v ← μ v - η ∇θ L;  θ ← θ + v   (v starts at zero).
    Parameters are updated in place, so layers keep their own arrays.
    """

    def __init__(self, lr: float, momentum: float = 0.0) -> None:
        if lr <= 0:
            raise ValueError(f"learning rate must be positive, got {lr}")
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"momentum must satisfy 0 <= momentum < 1, got {momentum}")
        self.lr = lr
        self.momentum = momentum
        self._velocity: dict[str, Array] = {}

    def step(self, model: Sequential) -> None:
        """Apply one update to every parameter of ``model`` using its current ``grads``."""
        if self.momentum == 0.0:
            for layer in model.layers:
                for name, param in layer.params.items():
                    param -= self.lr * layer.grads[name]
            return
        for key, param, grad in model.parameters():
            velocity = self._velocity.get(key)
            if velocity is None:
                velocity = self._velocity[key] = np.zeros_like(param)
            velocity *= self.momentum
            velocity -= self.lr * grad
            param += velocity
