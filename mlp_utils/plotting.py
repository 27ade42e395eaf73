"""Figures used by several chapters. Every function draws on an ``ax`` (created if None),
labels its axes, adds a title and legend, and returns the ``Axes`` (or the ``Figure``).

Colours come from the Okabe-Ito palette, which stays distinguishable for colour-blind readers.
Nothing here changes matplotlib's global settings.
"""

from __future__ import annotations

from typing import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from ._validation import as_float_array, check_callable, check_int, check_number
from .train import History

#: Okabe & Ito (2008) colour-blind-safe palette (black omitted): orange, sky blue, bluish green,
#: yellow, blue, vermillion, reddish purple, grey.
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#999999")
CLASS_COLORS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7")
MARKERS = ("o", "s", "^", "D", "v")


def _axes(ax: Axes | None, figsize: tuple[float, float] = (5.0, 4.0)) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_decision_boundary(predict: Callable[[np.ndarray], np.ndarray], X: ArrayLike, y: ArrayLike,
                           *, ax: Axes | None = None, title: str = "Decision regions",
                           margin: float = 0.5, resolution: int = 200,
                           xlabel: str = "$x_1$", ylabel: str = "$x_2$") -> Axes:
    """Shade the regions a 2-D binary classifier assigns to each class and draw the data.

    predict: maps (n, 2) inputs to (n, 1) probabilities of class 1 (or (n,) values);
    X: (n_samples, 2); y: (n_samples,) or (n_samples, 1) labels in {0, 1}.
    The 0.5 level is drawn as the decision boundary.
    """
    check_callable(predict, "plot_decision_boundary: predict")
    X = as_float_array(X, "plot_decision_boundary: X", ndim=2, non_empty=True)
    if X.shape[1] != 2:
        raise ValueError(f"plot_decision_boundary needs X of shape (n_samples, 2), got {X.shape}")
    labels = np.asarray(y).reshape(-1)
    if labels.shape[0] != X.shape[0] or not np.isin(labels, (0, 1)).all():
        raise ValueError(f"plot_decision_boundary: y must hold {X.shape[0]} labels in {{0, 1}} (one per row "
                         f"of X), got shape {np.shape(y)} with values {np.unique(labels)[:5].tolist()}")
    check_number(margin, "plot_decision_boundary: margin", low=0.0)
    check_int(resolution, "plot_decision_boundary: resolution", minimum=2)
    ax = _axes(ax)
    x1 = np.linspace(X[:, 0].min() - margin, X[:, 0].max() + margin, resolution)
    x2 = np.linspace(X[:, 1].min() - margin, X[:, 1].max() + margin, resolution)
    grid1, grid2 = np.meshgrid(x1, x2)
    probs = np.asarray(predict(np.column_stack([grid1.ravel(), grid2.ravel()])))
    if probs.size != grid1.size:
        raise ValueError(f"plot_decision_boundary: predict must return one value per input row "
                         f"({grid1.size} rows), got an array of shape {probs.shape}")
    probs = as_float_array(probs, "plot_decision_boundary: predict's output").reshape(grid1.shape)
    cmap = ListedColormap([CLASS_COLORS[0], CLASS_COLORS[1]])
    ax.contourf(grid1, grid2, probs > 0.5, levels=[-0.5, 0.5, 1.5], cmap=cmap, alpha=0.25)
    if probs.min() < 0.5 < probs.max():
        ax.contour(grid1, grid2, probs, levels=[0.5], colors="black", linewidths=1.5)
    for label in (0, 1):
        points = X[labels == label]
        ax.scatter(points[:, 0], points[:, 1], s=80, color=CLASS_COLORS[label], marker=MARKERS[label],
                   edgecolor="black", label=f"class {label}", zorder=3)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    ax.legend(loc="best")
    return ax


def plot_history(history: History | Mapping[str, History], *, title: str = "Training",
                 figsize: tuple[float, float] = (9.0, 3.8)) -> Figure:
    """Loss (left) and metric (right) per epoch; one line per run when given {label: History}.

    Validation curves, when recorded, are dashed. The loss axis is logarithmic.
    """
    if isinstance(history, History):
        runs = {"train": history}
    elif isinstance(history, Mapping) and history and all(isinstance(run, History) for run in history.values()):
        runs = dict(history)
    else:
        raise TypeError(f"plot_history needs a History or a non-empty dict {{label: History}}, "
                        f"got {type(history).__name__}")
    fig, (ax_loss, ax_metric) = plt.subplots(1, 2, figsize=figsize)
    metric_name = "metric"
    for color, (label, run) in zip(OKABE_ITO * 2, runs.items()):
        epochs = np.arange(1, run.epochs + 1)
        name = label if len(runs) > 1 else "training"
        ax_loss.plot(epochs, run.loss, color=color, label=name)
        if run.val_loss:
            ax_loss.plot(epochs[:len(run.val_loss)], run.val_loss, color=color, linestyle="--",
                         label=f"{label} (validation)" if len(runs) > 1 else "validation")
        if run.metric:
            metric_name = run.metric_name
            ax_metric.plot(epochs, run.metric, color=color, label=name)
        if run.val_metric:
            ax_metric.plot(epochs[:len(run.val_metric)], run.val_metric, color=color, linestyle="--",
                           label=f"{label} (validation)" if len(runs) > 1 else "validation")
    ax_loss.set(xlabel="epoch", ylabel="loss", yscale="log", title=f"{title}: loss")
    ax_metric.set(xlabel="epoch", ylabel=metric_name, title=f"{title}: {metric_name}")
    for ax in (ax_loss, ax_metric):
        if ax.lines:
            ax.legend(loc="best")
    fig.tight_layout()
    return fig


def plot_regression_fit(x: ArrayLike, y: ArrayLike, curves: Mapping[str, tuple[ArrayLike, ArrayLike]],
                        *, ax: Axes | None = None, title: str = "Regression fit",
                        xlabel: str = "x", ylabel: str = "y", data_label: str = "data") -> Axes:
    """Scatter the data (x, y) and draw each fitted curve {label: (x_grid, y_grid)} as a line."""
    if np.size(x) != np.size(y):
        raise ValueError(f"plot_regression_fit: x and y must have the same size, "
                         f"got shapes {np.shape(x)} and {np.shape(y)}")
    if not isinstance(curves, Mapping):
        raise TypeError(f"plot_regression_fit: curves must be a dict {{label: (x_grid, y_grid)}}, "
                        f"got {type(curves).__name__}")
    for label, curve in curves.items():
        if not (isinstance(curve, (tuple, list)) and len(curve) == 2 and np.size(curve[0]) == np.size(curve[1])):
            raise ValueError(f"plot_regression_fit: curves[{label!r}] must be a pair (x_grid, y_grid) "
                             "of equal sizes")
    ax = _axes(ax, figsize=(6.0, 4.0))
    ax.scatter(np.ravel(x), np.ravel(y), s=14, color=OKABE_ITO[7], alpha=0.7, label=data_label)
    for color, (label, (x_grid, y_grid)) in zip(OKABE_ITO[4:] + OKABE_ITO[:4], curves.items()):
        order = np.argsort(np.ravel(x_grid))
        ax.plot(np.ravel(x_grid)[order], np.ravel(y_grid)[order], color=color, linewidth=2, label=label)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    ax.legend(loc="best")
    return ax


def plot_digits(images: ArrayLike, *, labels: Sequence[str] | None = None, shape: tuple[int, int] | None = None,
                ncols: int = 10, title: str = "Digits", cell_size: float = 1.1) -> Figure:
    """Draw images in a grid, each with an optional caption.

    images: (n_images, n_pixels) or (n_images, height, width); shape: (height, width) when flat
    (default: square). Pixels are drawn in grey scale, dark = ink.
    """
    images = as_float_array(images, "plot_digits: images")
    if images.ndim not in (2, 3) or images.shape[0] == 0:
        raise ValueError("plot_digits: images must have shape (n_images, n_pixels) or (n_images, height, "
                         f"width) with n_images >= 1, got an array of shape {images.shape}")
    ncols = check_int(ncols, "plot_digits: ncols", minimum=1)
    check_number(cell_size, "plot_digits: cell_size", low=0.0, low_open=True)
    n_images = images.shape[0]
    if images.ndim == 2:
        side = int(round(np.sqrt(images.shape[1])))
        height, width = shape if shape is not None else (side, side)
        if height * width != images.shape[1]:
            raise ValueError(f"cannot reshape {images.shape[1]} pixels to {(height, width)}")
        images = images.reshape(n_images, height, width)
    if labels is not None and len(labels) != n_images:
        raise ValueError(f"got {len(labels)} labels for {n_images} images")
    ncols = max(1, min(ncols, n_images))
    nrows = int(np.ceil(n_images / ncols))
    caption_height = 0.3 if labels is not None else 0.0  # room for each row's captions
    fig, axes = plt.subplots(nrows, ncols, figsize=(cell_size * ncols, (cell_size + caption_height) * nrows + 0.5),
                             squeeze=False)
    for index, ax in enumerate(axes.ravel()):
        ax.set_axis_off()
        if index < n_images:
            ax.imshow(images[index], cmap="gray_r", vmin=images.min(), vmax=images.max())
            if labels is not None:
                ax.set_title(str(labels[index]), fontsize=11)
    fig.suptitle(title)
    fig.tight_layout()
    return fig
