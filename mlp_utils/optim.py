"""Optimisers: the parameter update rule, in one place.

Contract shared by every optimiser (``Optimizer`` below): ``step(model)`` updates every
parameter of ``model`` in place from the gradients of its last ``backward``; ``lr`` is the
learning rate (``fit`` names it when training diverges). State (velocities, running averages)
lives in the optimiser, in ``state[key]``, keyed by the parameter keys of ``model.parameters()``;
every state array has its parameter's shape. The formulas are PyTorch's (``torch.optim``), so
the same gradients give the same parameters step for step. Notation: θ a parameter, g its
gradient ∂L/∂θ, η = lr, t = the number of steps taken (counted from 1).
"""

from __future__ import annotations

import numpy as np

from ._validation import Array, check_number
from .network import Sequential


class Optimizer:
    """Base class: holds ``lr`` (finite, > 0), ``weight_decay`` (finite, >= 0), the step count
    ``t`` and the per-parameter ``state``; subclasses define ``_update`` for one parameter."""

    def __init__(self, lr: float, weight_decay: float = 0.0) -> None:
        self.lr = check_number(lr, "learning rate lr", 0.0, low_open=True)
        self.weight_decay = check_number(weight_decay, "weight_decay", 0.0)
        self.t = 0
        self.state: dict[str, dict[str, Array]] = {}

    def step(self, model: Sequential) -> None:
        """Apply one update to every parameter of ``model`` using its current ``grads``."""
        self.t += 1
        for key, param, grad in model.parameters():
            self._update(key, param, grad)

    def _update(self, key: str, param: Array, grad: Array) -> None:
        """Update ``param`` (any shape) in place from ``grad`` (the same shape)."""
        raise NotImplementedError

    def _l2(self, param: Array, grad: Array) -> Array:
        """g + wd θ: the gradient of L + (wd / 2) ||θ||² (a new array; the model's grad is kept)."""
        return grad + self.weight_decay * param if self.weight_decay else grad

    def _buffers(self, key: str, param: Array, *names: str) -> list[Array]:
        """The state arrays ``names`` of parameter ``key``, zeros (shaped like param) at first."""
        state = self.state.setdefault(key, {})
        for name in names:
            if name not in state:
                state[name] = np.zeros_like(param)
            elif state[name].shape != param.shape:
                raise ValueError(f"{type(self).__name__} state {name!r} of parameter {key} has shape "
                                 f"{state[name].shape}, but the parameter has {param.shape}: "
                                 "use one optimiser per model")
        return [state[name] for name in names]

    def __repr__(self) -> str:
        hyper = ", ".join(f"{k}={v}" for k, v in vars(self).items() if k not in ("t", "state"))
        return f"{type(self).__name__}({hyper})"


class SGD(Optimizer):
    """Stochastic gradient descent with optional (heavy-ball) momentum and L2 weight decay.

    g = ∇θ L + wd θ  (wd = weight_decay; the gradient of L + (wd/2)||θ||², as torch.optim.SGD).
    Without momentum:  θ ← θ − η g.
    With momentum μ:   v ← μ v − η g;  θ ← θ + v   (v starts at zero; ``state[key]["velocity"]``).
    torch.optim.SGD writes momentum as b ← μ b + g;  θ ← θ − η b  (b starts at g). For a constant
    η the two are the same trajectory: v = −η b at every step. They differ only when η changes
    during training (here the old velocity keeps the old η). Parameters are updated in place.
    """

    def __init__(self, lr: float, momentum: float = 0.0, weight_decay: float = 0.0) -> None:
        super().__init__(lr, weight_decay)
        self.momentum = check_number(momentum, "momentum", 0.0, 1.0, high_open=True)

    def _update(self, key: str, param: Array, grad: Array) -> None:
        grad = self._l2(param, grad)
        if self.momentum == 0.0:
            param -= self.lr * grad
            return
        (velocity,) = self._buffers(key, param, "velocity")
        velocity *= self.momentum
        velocity -= self.lr * grad
        param += velocity


class AdaGrad(Optimizer):
    """AdaGrad (Duchi et al. 2011): a per-coordinate step that shrinks with the gradients seen.

    g = ∇θ L + wd θ;  s ← s + g²;  θ ← θ − η g / (√s + eps)   (s starts at zero; all
    element-wise; ``state[key]["sum_sq"]``). As torch.optim.Adagrad with lr_decay=0.
    """

    def __init__(self, lr: float, eps: float = 1e-10, weight_decay: float = 0.0) -> None:
        super().__init__(lr, weight_decay)
        self.eps = check_number(eps, "eps", 0.0, low_open=True)

    def _update(self, key: str, param: Array, grad: Array) -> None:
        grad = self._l2(param, grad)
        (sum_sq,) = self._buffers(key, param, "sum_sq")
        sum_sq += grad * grad
        param -= self.lr * grad / (np.sqrt(sum_sq) + self.eps)


class RMSProp(Optimizer):
    """RMSProp (Tieleman & Hinton 2012): AdaGrad with a running average instead of a sum.

    g = ∇θ L + wd θ;  s ← α s + (1 − α) g²;  θ ← θ − η g / (√s + eps)   (s starts at zero;
    element-wise; ``state[key]["mean_sq"]``). As torch.optim.RMSprop (momentum=0, centered=False).
    """

    def __init__(self, lr: float, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0) -> None:
        super().__init__(lr, weight_decay)
        self.alpha = check_number(alpha, "alpha", 0.0, 1.0, high_open=True)
        self.eps = check_number(eps, "eps", 0.0, low_open=True)

    def _update(self, key: str, param: Array, grad: Array) -> None:
        grad = self._l2(param, grad)
        (mean_sq,) = self._buffers(key, param, "mean_sq")
        mean_sq *= self.alpha
        mean_sq += (1.0 - self.alpha) * grad * grad
        param -= self.lr * grad / (np.sqrt(mean_sq) + self.eps)


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015): momentum on g and RMSProp scaling, both bias-corrected.

    g = ∇θ L + wd θ   (L2 in the gradient, as torch.optim.Adam);
    m ← β₁ m + (1 − β₁) g;  v ← β₂ v + (1 − β₂) g²   (m, v start at zero);
    m̂ = m / (1 − β₁ᵗ);  v̂ = v / (1 − β₂ᵗ);  θ ← θ − η m̂ / (√v̂ + eps).
    The bias correction undoes the pull of the zero start: at t = 1, m̂ = g and √v̂ = |g|, so the
    first step has size ≈ η in every coordinate. ``state[key]`` holds ``"m"`` and ``"v"``.
    """

    def __init__(self, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0) -> None:
        super().__init__(lr, weight_decay)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        self.betas = (check_number(betas[0], "betas[0] (beta1)", 0.0, 1.0, high_open=True),
                      check_number(betas[1], "betas[1] (beta2)", 0.0, 1.0, high_open=True))
        self.eps = check_number(eps, "eps", 0.0, low_open=True)

    def _update(self, key: str, param: Array, grad: Array) -> None:
        self._adam(key, param, self._l2(param, grad))

    def _adam(self, key: str, param: Array, grad: Array) -> None:
        beta1, beta2 = self.betas
        m, v = self._buffers(key, param, "m", "v")
        m *= beta1
        m += (1.0 - beta1) * grad
        v *= beta2
        v += (1.0 - beta2) * grad * grad
        m_hat = m / (1.0 - beta1 ** self.t)
        v_hat = v / (1.0 - beta2 ** self.t)
        param -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


class AdamW(Adam):
    """AdamW (Loshchilov & Hutter 2019): Adam with decoupled weight decay.

    θ ← θ − η wd θ  (shrink the weights directly, not through g), then the Adam step on
    g = ∇θ L. As torch.optim.AdamW; note the default weight_decay=0.01.
    """

    def __init__(self, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.01) -> None:
        super().__init__(lr, betas, eps, weight_decay)

    def _update(self, key: str, param: Array, grad: Array) -> None:
        if self.weight_decay:
            param *= 1.0 - self.lr * self.weight_decay
        self._adam(key, param, grad)
