import matplotlib.pyplot as plt
import numpy as np
import pytest

from mlp_utils import History, plotting
from mlp_utils.data import digits_5x5, logic_gate


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_decision_boundary_is_labelled():
    X, y = logic_gate("AND")
    ax = plotting.plot_decision_boundary(lambda P: (P.sum(axis=1) > 1.5).astype(float), X, y, title="AND")
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title() == "AND"
    assert ax.get_legend() is not None
    with pytest.raises(ValueError, match=r"\(n_samples, 2\)"):
        plotting.plot_decision_boundary(lambda P: P[:, 0], np.zeros((4, 3)), y)


def test_history_plot_has_two_labelled_panels():
    runs = {"a": History(loss=[1.0, 0.5], metric=[0.5, 1.0], val_loss=[1.1, 0.6]),
            "b": History(loss=[1.0, 0.7], metric=[0.5, 0.75])}
    fig = plotting.plot_history(runs, title="demo")
    ax_loss, ax_metric = fig.axes
    assert ax_loss.get_ylabel() == "loss" and ax_metric.get_ylabel() == "accuracy"
    assert len(ax_loss.lines) == 3 and ax_loss.get_legend() is not None


def test_regression_and_digit_plots():
    x = np.linspace(0, 1, 10)
    ax = plotting.plot_regression_fit(x, x ** 2, {"line": (x, x)}, xlabel="weight (kg)", ylabel="height (cm)")
    assert ax.get_xlabel() == "weight (kg)" and ax.get_legend() is not None
    X, labels = digits_5x5()
    fig = plotting.plot_digits(X, labels=[str(k + 1) for k in labels], ncols=5)
    assert len(fig.axes) == 5
    with pytest.raises(ValueError, match="labels"):
        plotting.plot_digits(X, labels=["1"])
