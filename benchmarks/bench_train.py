"""How fast is the NumPy network? Time per epoch of the same 64-32-10 digits network, five ways.

Run with `make bench` (not part of `make test`). Single-threaded: BLAS and torch use one thread,
so the comparison measures per-step overhead and arithmetic, not parallelism.

  1. mlp_utils           MLP + fit, exactly as the chapters use it
  2. numpy-hand          a minimal hand-vectorised NumPy loop written here: the floor of NumPy
                         (it computes the mean epoch loss too, as fit() records it)
  3. matmul-only         only the five matrix products of each step: the limit
  4. torch               PyTorch CPU, float64, same initial weights (if installed)
  5. sklearn             scikit-learn MLPClassifier, plain SGD (if installed)

All start from the same weights and visit the mini-batches in the same order; the script checks
that 1 and 2 (and 4) end with the same weights, so like is compared with like. An epoch's time
includes drawing its shuffle, as fit() does (no shuffle at full batch). mlp_utils trains all
epochs in one fit() call, as the chapters do, and its callback marks the end of each epoch.
Prints a table (median seconds per epoch and paired ratio to mlp_utils, see measure_all) and writes JSON.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Callable  # noqa: E402

import numpy as np  # noqa: E402

from mlp_utils import MLP, SGD, fit, losses  # noqa: E402
from mlp_utils.data import load_digits  # noqa: E402

LAYER_SIZES = (64, 32, 10)
LR = 0.05
SEED = 0


def initial_params() -> dict[str, np.ndarray]:
    return MLP(LAYER_SIZES, activation="relu", rng=np.random.default_rng(SEED)).get_params()


class EpochClock:
    """Records the wall time of every epoch into ``laps``: start() before an epoch, lap() after it.

    lap() also restarts the clock, so epochs that follow each other need only lap().
    """

    def __init__(self, laps: list[float]) -> None:
        self.laps = laps
        self._start = time.perf_counter()

    def start(self) -> None:
        self._start = time.perf_counter()

    def lap(self) -> None:
        now = time.perf_counter()
        self.laps.append(now - self._start)
        self._start = now


def run_mlp_utils(X, labels, params, batch_size, epochs, clock):
    model = MLP(LAYER_SIZES, activation="relu", rng=np.random.default_rng(SEED))
    model.set_params(params)
    clock.start()  # one fit() call for all epochs, as in the chapters; the callback ends each epoch's lap
    fit(model, X, labels, loss=losses.softmax_cross_entropy, optimizer=SGD(LR), epochs=epochs,
        batch_size=batch_size, rng=np.random.default_rng(SEED + 1), callback=lambda *_: clock.lap())
    return model.get_params()


def shuffled(X, Y, batch_size, rng):
    """The epoch's data (NumPy arrays or torch tensors) in fit()'s order: a fresh rng.permutation
    per epoch, none for full batch."""
    if batch_size >= X.shape[0]:
        return X, Y
    order = rng.permutation(X.shape[0])
    return X[order], Y[order]


def run_numpy_hand(X, labels, params, batch_size, epochs, clock):
    W1, b1, W2, b2 = (params[k].copy() for k in ("0.W", "0.b", "2.W", "2.b"))
    Y = np.eye(10)[labels]
    rng = np.random.default_rng(SEED + 1)  # the same shuffles as fit()
    for _ in range(epochs):
        clock.start()
        Xs, Ys = shuffled(X, Y, batch_size, rng)
        loss_sum = 0.0
        for start in range(0, X.shape[0], batch_size):
            x, y = Xs[start:start + batch_size], Ys[start:start + batch_size]
            z1 = x @ W1 + b1
            a1 = np.maximum(z1, 0.0)
            z2 = a1 @ W2 + b2
            shifted = z2 - z2.max(axis=1, keepdims=True)
            e = np.exp(shifted)
            sum_e = e.sum(axis=1, keepdims=True)
            loss_sum += float(np.log(sum_e).sum() - (shifted * y).sum())
            delta2 = (e / sum_e - y) / x.shape[0]
            delta1 = (delta2 @ W2.T) * (z1 > 0)
            W2 -= LR * (a1.T @ delta2)
            b2 -= LR * delta2.sum(axis=0)
            W1 -= LR * (x.T @ delta1)
            b1 -= LR * delta1.sum(axis=0)
        clock.lap()
    return {"0.W": W1, "0.b": b1, "2.W": W2, "2.b": b2}


def run_matmul_only(X, labels, params, batch_size, epochs, clock):
    W1, W2 = params["0.W"], params["2.W"]
    starts = range(0, X.shape[0], batch_size)
    batches = [X[s:s + batch_size] for s in starts]
    hidden = [np.ones((x.shape[0], W1.shape[1])) for x in batches]
    delta2 = [np.ones((x.shape[0], W2.shape[1])) for x in batches]
    for _ in range(epochs):
        clock.start()
        for x, a1, d2 in zip(batches, hidden, delta2):
            x @ W1, a1 @ W2, a1.T @ d2, d2 @ W2.T, x.T @ a1  # forward 2, backward 3
        clock.lap()
    return None


def run_torch(X, labels, params, batch_size, epochs, clock):
    import torch

    torch.set_num_threads(1)
    model = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10)).double()
    with torch.no_grad():
        model[0].weight.copy_(torch.from_numpy(params["0.W"].T))
        model[0].bias.copy_(torch.from_numpy(params["0.b"]))
        model[2].weight.copy_(torch.from_numpy(params["2.W"].T))
        model[2].bias.copy_(torch.from_numpy(params["2.b"]))
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    X_t, y_t = torch.from_numpy(X), torch.from_numpy(labels)
    rng = np.random.default_rng(SEED + 1)  # the same shuffles as fit()
    for _ in range(epochs):
        clock.start()
        Xs, ys = shuffled(X_t, y_t, batch_size, rng)
        for start in range(0, X.shape[0], batch_size):
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(Xs[start:start + batch_size]), ys[start:start + batch_size])
            loss.backward()
            optimizer.step()
        clock.lap()
    return {"0.W": model[0].weight.detach().numpy().T.copy(), "0.b": model[0].bias.detach().numpy().copy(),
            "2.W": model[2].weight.detach().numpy().T.copy(), "2.b": model[2].bias.detach().numpy().copy()}


def run_sklearn(X, labels, params, batch_size, epochs, clock):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    classifier = MLPClassifier(hidden_layer_sizes=(32,), activation="relu", solver="sgd", learning_rate_init=LR,
                               momentum=0.0, nesterovs_momentum=False, alpha=0.0, batch_size=batch_size,
                               shuffle=True, random_state=SEED, max_iter=1, warm_start=True)
    classifier.partial_fit(X, labels, classes=np.arange(10))  # allocate, then set our weights
    classifier.coefs_ = [params["0.W"].copy(), params["2.W"].copy()]
    classifier.intercepts_ = [params["0.b"].copy(), params["2.b"].copy()]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter=1 per call: by design
        for _ in range(epochs):
            clock.start()
            classifier.fit(X, labels)
            clock.lap()
    return None


IMPLEMENTATIONS: dict[str, Callable] = {
    "mlp_utils": run_mlp_utils, "numpy-hand": run_numpy_hand, "matmul-only": run_matmul_only,
    "torch": run_torch, "sklearn": run_sklearn,
}


def available(name: str) -> bool:
    module = {"torch": "torch", "sklearn": "sklearn"}.get(name)
    if module is None:
        return True
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def measure_all(names, X, labels, params, batch_size, epochs, repeats):
    """Median seconds per epoch of each implementation, its ratio to mlp_utils, and its final weights.

    Repeats are interleaved (1, 2, 3, 1, 2, 3, ...) and each ratio is paired: the median over
    repeats of (this implementation's median epoch / mlp_utils' median epoch) within one repeat.
    Implementations timed seconds apart share the machine's load, so a slow spell on a busy
    machine changes both times of a pair and cancels out of their ratio.
    """
    times: dict[str, list[list[float]]] = {name: [[] for _ in range(repeats)] for name in names}
    finals = {}
    for repeat in range(repeats):
        for name in names:
            finals[name] = IMPLEMENTATIONS[name](X, labels, params, batch_size, epochs,
                                                 EpochClock(times[name][repeat]))
    seconds = {name: statistics.median(t for run in runs for t in run) for name, runs in times.items()}
    ratios = {name: statistics.median(statistics.median(runs[r]) / statistics.median(times["mlp_utils"][r])
                                      for r in range(repeats))
              for name, runs in times.items()}
    return seconds, ratios, finals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--json", type=Path, default=Path("_build/bench/bench_train.json"))
    args = parser.parse_args()

    X, labels = load_digits()
    X = X / 16.0
    params = initial_params()
    sizes = {"32": 32, "200": 200, "full": X.shape[0]}
    names = [name for name in IMPLEMENTATIONS if available(name)]
    missing = [name for name in IMPLEMENTATIONS if name not in names]
    results: dict[str, dict[str, float]] = {}
    ratios: dict[str, dict[str, float]] = {}
    for label, batch_size in sizes.items():
        results[label], ratios[label], finals = measure_all(names, X, labels, params, batch_size, args.epochs,
                                                            args.repeats)
        for name in ("numpy-hand", "torch"):
            if name in finals:
                worst = max(np.abs(finals[name][k] - finals["mlp_utils"][k]).max() for k in params)
                if worst > 1e-9:
                    raise SystemExit(f"{name} and mlp_utils disagree after training (max |dW| = {worst:.2e})")

    print(f"Digits 64-32-10 ReLU, {X.shape[0]} samples, {args.epochs} epochs x {args.repeats} repeats, "
          f"1 thread, median time per epoch (paired ratio to mlp_utils)")
    print(f"{'batch':>6}  " + "  ".join(f"{name:>20}" for name in names))
    for label in sizes:
        cells = [f"{results[label][name] * 1e3:9.2f} ms ({ratios[label][name]:5.2f}x)" for name in names]
        print(f"{label:>6}  " + "  ".join(f"{cell:>20}" for cell in cells))
    if missing:
        print("not installed, skipped: " + ", ".join(missing))
    # ratios[b][other] = time(other) / time(mlp_utils), so mlp_utils takes 1 / ratio times as long.
    checks = {
        "mlp_utils within 1.3x of numpy-hand at every batch size":
            all(1 / ratios[b]["numpy-hand"] <= 1.3 for b in sizes),
        "mlp_utils within 3x of matmul-only at full batch": 1 / ratios["full"]["matmul-only"] <= 3,
    }
    for other in ("torch", "sklearn"):
        if other in names:
            checks[f"mlp_utils faster than {other} at batch 32"] = ratios["32"][other] > 1
    for text, ok in checks.items():
        print(f"[{'ok' if ok else 'MISSED'}] {text}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({
        "network": list(LAYER_SIZES), "samples": int(X.shape[0]), "epochs": args.epochs, "repeats": args.repeats,
        "threads": 1, "python": platform.python_version(), "numpy": np.__version__, "machine": platform.machine(),
        "seconds_per_epoch": results, "ratio_to_mlp_utils": ratios, "targets": checks, "skipped": missing}, indent=2))
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
