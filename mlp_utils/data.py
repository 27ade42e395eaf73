"""Small data sets built in code, helpers to prepare data, and loaders for the files in ``data/``.

Conventions: X is (n_samples, n_features) float64; binary targets are (n_samples, 1) float64;
class labels are (n_samples,) int64.
"""

from __future__ import annotations

import csv
import gzip
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
from numpy.typing import ArrayLike

from ._validation import Array, as_float_array, check_int, check_number, check_rng

_GATE_INPUTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
_GATE_OUTPUTS = {
    "AND": [0, 0, 0, 1],
    "OR": [0, 1, 1, 1],
    "NAND": [1, 1, 1, 0],
    "NOR": [1, 0, 0, 0],
    "XOR": [0, 1, 1, 0],
}


def logic_gate(name: str) -> tuple[Array, Array]:
    """Truth table of a two-input gate: X (4, 2) rows 00, 01, 10, 11 and y (4, 1) in {0, 1}.

    name: ``"AND"``, ``"OR"``, ``"NAND"``, ``"NOR"`` or ``"XOR"`` (case-insensitive).
    """
    key = name.upper() if isinstance(name, str) else None
    if key not in _GATE_OUTPUTS:
        raise ValueError(f"unknown gate {name!r}; choose one of {sorted(_GATE_OUTPUTS)}")
    return _GATE_INPUTS.copy(), np.array(_GATE_OUTPUTS[key], dtype=np.float64).reshape(4, 1)


def first_input_task() -> tuple[Array, Array]:
    """Four 3-bit examples whose target equals the first input: X (4, 3), y (4, 1).

    The third input is always 1 (a bias-like constant); the second is noise to be ignored.
    """
    X = np.array([[0.0, 0.0, 1.0], [1.0, 1.0, 1.0], [1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    return X, X[:, :1].copy()


def sine(n_samples: int, *, rng: np.random.Generator, low: float = -5.0, high: float = 5.0,
         noise: float = 0.0) -> tuple[Array, Array]:
    """Samples of y = sin(x) + noise with x ~ U[low, high]: X (n_samples, 1), y (n_samples, 1).

    n_samples: an integer >= 1; low < high finite; noise: the standard deviation, finite, >= 0.
    """
    check_int(n_samples, "sine: n_samples", minimum=1)
    check_rng(rng, "sine: rng")
    if not check_number(high, "sine: high") > check_number(low, "sine: low"):
        raise ValueError(f"sine: high must be greater than low, got low={low}, high={high}")
    check_number(noise, "sine: noise", low=0.0)
    x = rng.uniform(low, high, size=(n_samples, 1))
    return x, np.sin(x) + noise * rng.normal(size=x.shape)


_DIGIT_ROWS = {
    1: ["..#..", ".##..", "..#..", "..#..", ".###."],
    2: ["####.", "....#", ".###.", "#....", "#####"],
    3: ["####.", "....#", ".###.", "....#", "####."],
    4: ["...#.", "..##.", ".#.#.", "#####", "...#."],
    5: ["#####", "#....", "####.", "....#", "####."],
}


def digits_5x5() -> tuple[Array, np.ndarray]:
    """The digits 1-5 drawn on a 5x5 grid: X (5, 25) in {0, 1} (row-major pixels), labels (5,) = 0..4.

    Label k stands for the digit k + 1. Reshape a row to (5, 5) to see the image.
    """
    images = [[[1.0 if c == "#" else 0.0 for c in row] for row in _DIGIT_ROWS[d]] for d in range(1, 6)]
    return np.array(images).reshape(5, 25), np.arange(5)


def corrupt(images: ArrayLike, n_flips: int, *, rng: np.random.Generator) -> Array:
    """Copies of binary images with ``n_flips`` distinct pixels flipped (0 <-> 1) in each.

    images: (n_images, n_pixels) in {0, 1} -> (n_images, n_pixels). The input is not modified.
    n_flips: an integer in 0..n_pixels.
    """
    X = as_float_array(images, "corrupt: images", ndim=2)
    if np.any((X != 0) & (X != 1)):
        raise ValueError(f"corrupt: images must hold only 0 and 1 (binary pixels), "
                         f"got values in [{X.min():g}, {X.max():g}]")
    check_int(n_flips, "corrupt: n_flips", minimum=0, maximum=X.shape[1])
    check_rng(rng, "corrupt: rng")
    corrupted = X.copy()
    for row in corrupted:
        pixels = rng.choice(X.shape[1], size=n_flips, replace=False)
        row[pixels] = 1.0 - row[pixels]
    return corrupted


def one_hot(labels: ArrayLike, n_classes: int) -> Array:
    """Integer labels (n_samples,) in 0..n_classes-1 -> one-hot float64 (n_samples, n_classes)."""
    n_classes = check_int(n_classes, "one_hot: n_classes", minimum=1)
    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be a 1-D integer array, got shape {labels.shape}, dtype {labels.dtype}")
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(f"labels must lie in 0..{n_classes - 1}, got {labels.min()}..{labels.max()}")
    encoded = np.zeros((labels.shape[0], n_classes))
    encoded[np.arange(labels.shape[0]), labels] = 1.0
    return encoded


def train_test_split(X: ArrayLike, y: ArrayLike, *, test_fraction: float,
                     rng: np.random.Generator) -> tuple[Array, Array, np.ndarray, np.ndarray]:
    """Shuffle and split: returns X_train, X_test, y_train, y_test (first axes split alike).

    X: (n_samples, n_features); y: first axis n_samples; test_fraction in (0, 1), leaving at
    least one sample on each side; rng: a ``numpy.random.Generator``.
    """
    X = as_float_array(X, "X", ndim=2, non_empty=True)
    y = np.asarray(y)
    if y.ndim == 0 or y.shape[0] != X.shape[0]:
        raise ValueError(f"X has {X.shape[0]} samples but y has {y.shape[0] if y.ndim else 'a scalar'}")
    test_fraction = check_number(test_fraction, "test_fraction", 0.0, 1.0, low_open=True, high_open=True)
    check_rng(rng)
    n_test = int(round(test_fraction * X.shape[0]))
    if not 0 < n_test < X.shape[0]:
        raise ValueError(f"test_fraction={test_fraction} leaves an empty split of {X.shape[0]} samples")
    order = rng.permutation(X.shape[0])
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]


@dataclass
class Standardizer:
    """Rescale each column to mean 0 and standard deviation 1, using statistics of the training set.

    ``fit(X)`` learns mean_ and std_ (each (n_features,)); ``transform`` maps x -> (x - mean) / std;
    ``inverse_transform`` maps back to the original units.
    """

    mean_: Array | None = None
    std_: Array | None = None

    def fit(self, X: ArrayLike) -> "Standardizer":
        X = as_float_array(X, "X", ndim=2, non_empty=True)
        std = X.std(axis=0)
        if np.any(std == 0):
            raise ValueError(f"cannot standardise constant column(s) {np.flatnonzero(std == 0).tolist()}")
        self.mean_, self.std_ = X.mean(axis=0), std
        return self

    def _fitted(self, X: ArrayLike) -> tuple[Array, Array, Array]:
        if self.mean_ is None or self.std_ is None:
            raise RuntimeError("call fit(X_train) before transform")
        X = as_float_array(X, "X", ndim=2)
        if X.shape[1] != self.mean_.shape[0]:
            raise ValueError(f"fitted on {self.mean_.shape[0]} column(s), got X of shape {X.shape}")
        return X, self.mean_, self.std_

    def transform(self, X: ArrayLike) -> Array:
        X, mean, std = self._fitted(X)
        return (X - mean) / std

    def inverse_transform(self, X: ArrayLike) -> Array:
        X, mean, std = self._fitted(X)
        return X * std + mean

    def fit_transform(self, X: ArrayLike) -> Array:
        return self.fit(X).transform(X)


# --- Real data sets shipped in data/ (see data/README.md for sources and licences) -----------

#: The repository's data/ folder (mlp_utils is installed in editable mode from the repository).
DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def _data_dir(data_dir: Path | str | None) -> Path:
    """The folder to read from: ``data_dir`` (a path or a string) or the repository's ``data/``."""
    if data_dir is not None and not isinstance(data_dir, (str, Path)):
        raise TypeError(f"data_dir must be a path (pathlib.Path or str) or None, got {type(data_dir).__name__}")
    return DATA_DIR if data_dir is None else Path(data_dir)


def _require_file(path: Path) -> None:
    if not path.is_file():
        raise FileNotFoundError(f"data file {path} is missing; it ships with the course repository "
                                "(data/README.md says how to regenerate it)")


def _read_csv(path: Path, columns: Sequence[str]) -> dict[str, list[str]]:
    """Read the named columns of a CSV file with a header, as strings, with clear errors."""
    _require_file(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None or any(column not in header for column in columns):
            raise ValueError(f"{path.name}: expected columns {list(columns)}, found header {header}")
        index = [header.index(column) for column in columns]
        values: dict[str, list[str]] = {column: [] for column in columns}
        for line_number, row in enumerate(reader, start=2):
            if len(row) != len(header):
                raise ValueError(f"{path.name}, line {line_number}: expected {len(header)} fields, got {len(row)}")
            for column, i in zip(columns, index):
                values[column].append(row[i])
    return values


def _floats(values: list[str], path: Path, column: str) -> Array:
    try:
        array = np.array([float(v) for v in values], dtype=np.float64).reshape(-1, 1)
    except ValueError as error:
        raise ValueError(f"{path.name}, column {column}: {error}") from None
    return as_float_array(array, f"{path.name}, column {column}")


@dataclass
class HeightWeight:
    """Measured body weight and height of people, one row per person.

    weight_kg, height_cm: (n_people, 1) float64; age_years: (n_people,) float64;
    sex: (n_people,) strings "M" / "F".
    """

    weight_kg: Array
    height_cm: Array
    age_years: Array
    sex: np.ndarray


def load_height_weight(data_dir: Path | str | None = None) -> HeightWeight:
    """The !Kung San census data of Nancy Howell (544 people aged 0-88, children included).

    Returns weight (kg) and height (cm) as (544, 1) arrays, plus age and sex. Source and licence:
    data/README.md.
    """
    path = _data_dir(data_dir) / "height_weight.csv"
    columns = _read_csv(path, ["weight_kg", "height_cm", "age_years", "sex"])
    return HeightWeight(weight_kg=_floats(columns["weight_kg"], path, "weight_kg"),
                        height_cm=_floats(columns["height_cm"], path, "height_cm"),
                        age_years=_floats(columns["age_years"], path, "age_years").ravel(),
                        sex=np.array(columns["sex"]))


def load_davis(data_dir: Path | str | None = None) -> HeightWeight:
    """Measured weight (kg) and height (cm) of 200 exercising adults (Davis 1990), as (200, 1) arrays.

    Record 12 (index 11) is a known data-entry error: weight and height swapped (166 kg, 57 cm).
    Ages are not recorded: age_years is -1 (unknown) for everyone.
    """
    path = _data_dir(data_dir) / "davis.csv"
    columns = _read_csv(path, ["sex", "weight_kg", "height_cm"])
    weight = _floats(columns["weight_kg"], path, "weight_kg")
    return HeightWeight(weight_kg=weight, height_cm=_floats(columns["height_cm"], path, "height_cm"),
                        age_years=np.full(weight.shape[0], -1.0), sex=np.array(columns["sex"]))


def load_digits(data_dir: Path | str | None = None) -> tuple[Array, np.ndarray]:
    """The UCI optical handwritten digits: X (1797, 64) float64 pixel values 0..16
    (8x8 images, row-major) and labels (1797,) int64 in 0..9.
    """
    path = _data_dir(data_dir) / "digits.csv.gz"
    _require_file(path)
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        rows = [line.split(",") for line in handle.read().splitlines() if line.strip()]
    if not rows or any(len(row) != 65 for row in rows):
        bad = next((i for i, row in enumerate(rows, start=1) if len(row) != 65), 0)
        raise ValueError(f"{path.name}: every line must hold 64 pixels and a label (65 values); line {bad} does not")
    table = np.array(rows, dtype=np.float64)
    X, labels = table[:, :64], table[:, 64].astype(np.int64)
    if X.min() < 0 or X.max() > 16 or labels.min() < 0 or labels.max() > 9:
        raise ValueError(f"{path.name}: pixel values must lie in 0..16 and labels in 0..9")
    return X, labels
