"""mlp_utils: the small NumPy engine behind the course "MLPs from scratch".

Modules, one idea each: ``activations``, ``losses``, ``metrics``, ``layers``, ``network``, ``autograd``,
``optim``, ``train``, ``gradcheck``, ``data``, ``plotting``.
Conventions: examples are rows (X has shape (n_samples, n_features)), float64 everywhere,
randomness only through an explicit ``numpy.random.Generator``.
"""

from . import activations, autograd, data, gradcheck, layers, losses, metrics, network, optim, train
from .layers import Activation, Dense, Dropout, Softmax
from .network import MLP, Sequential
from .optim import SGD, AdaGrad, Adam, AdamW, Optimizer, RMSProp
from .train import EarlyStopping, History, fit

__version__ = "0.1.0"

__all__ = [
    "activations", "autograd", "data", "gradcheck", "layers", "losses", "metrics", "network", "optim", "train",
    "Activation", "Dense", "Dropout", "Softmax", "MLP", "Sequential",
    "Optimizer", "SGD", "AdaGrad", "RMSProp", "Adam", "AdamW", "EarlyStopping", "History", "fit",
    "__version__",
]
