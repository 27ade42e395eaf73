"""The benchmark compares like with like: every arm trains the same network the same way.

Not a timing test (timings belong to `make bench`): these run each arm for two short epochs and
check that the hand-written NumPy loop (and PyTorch, when installed) ends with the same weights
as mlp_utils, and that every arm records one lap per epoch.
"""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from mlp_utils.data import load_digits

BENCH_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_train.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_train", BENCH_PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def digits():
    X, labels = load_digits()
    return X[:300] / 16.0, labels[:300]


@pytest.mark.parametrize("batch_size", [32, 300])
def test_hand_loop_and_torch_train_exactly_like_mlp_utils(bench, digits, batch_size):
    X, labels = digits
    params = bench.initial_params()
    arms = ["mlp_utils", "numpy-hand"] + (["torch"] if bench.available("torch") else [])
    finals = {}
    for name in arms:
        laps: list[float] = []
        finals[name] = bench.IMPLEMENTATIONS[name](X, labels, params, batch_size, 2, bench.EpochClock(laps))
        assert len(laps) == 2 and all(lap > 0 for lap in laps), (name, laps)
    assert any(np.abs(finals["mlp_utils"][key] - params[key]).max() > 1e-3 for key in params)  # it trained
    for name in arms[1:]:
        for key in params:
            np.testing.assert_allclose(finals[name][key], finals["mlp_utils"][key], rtol=0, atol=1e-10,
                                       err_msg=f"{name} {key}")


def test_matmul_only_records_one_lap_per_epoch(bench, digits):
    X, labels = digits
    laps: list[float] = []
    bench.run_matmul_only(X, labels, bench.initial_params(), 32, 3, bench.EpochClock(laps))
    assert len(laps) == 3
