import numpy as np
import pytest

from mlp_utils import data


@pytest.mark.parametrize("gate, expected", [("AND", [0, 0, 0, 1]), ("or", [0, 1, 1, 1]), ("XOR", [0, 1, 1, 0])])
def test_logic_gates(gate, expected):
    X, y = data.logic_gate(gate)
    assert X.shape == (4, 2) and y.shape == (4, 1)
    assert X.dtype == y.dtype == np.float64
    np.testing.assert_array_equal(y.ravel(), expected)
    with pytest.raises(ValueError, match="unknown gate"):
        data.logic_gate("XNOR3")


def test_first_input_task():
    X, y = data.first_input_task()
    assert X.shape == (4, 3) and y.shape == (4, 1)
    np.testing.assert_array_equal(y[:, 0], X[:, 0])


def test_sine_is_seeded():
    a = data.sine(50, rng=np.random.default_rng(0))
    b = data.sine(50, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(a[0], b[0])
    assert a[0].shape == a[1].shape == (50, 1)
    assert a[0].min() >= -5 and a[0].max() <= 5
    np.testing.assert_allclose(a[1], np.sin(a[0]))


def test_digits_5x5_are_distinct_binary_images():
    X, labels = data.digits_5x5()
    assert X.shape == (5, 25) and labels.tolist() == [0, 1, 2, 3, 4]
    assert set(np.unique(X)) == {0.0, 1.0}
    assert len({row.tobytes() for row in X}) == 5


def test_corrupt_flips_exactly_n_pixels_and_keeps_input():
    X, _ = data.digits_5x5()
    before = X.copy()
    noisy = data.corrupt(X, 3, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(X, before)
    assert np.all(np.sum(noisy != X, axis=1) == 3)
    with pytest.raises(ValueError, match="n_flips"):
        data.corrupt(X, 26, rng=np.random.default_rng(0))


def test_one_hot_and_errors():
    np.testing.assert_array_equal(data.one_hot(np.array([2, 0]), 3), [[0, 0, 1], [1, 0, 0]])
    with pytest.raises(ValueError, match=r"0..2"):
        data.one_hot(np.array([3]), 3)
    with pytest.raises(ValueError, match="integer"):
        data.one_hot(np.array([0.5]), 3)


def test_train_test_split_partitions_rows():
    X = np.arange(20.0).reshape(10, 2)
    y = np.arange(10)
    X_train, X_test, y_train, y_test = data.train_test_split(X, y, test_fraction=0.3, rng=np.random.default_rng(0))
    assert X_test.shape == (3, 2) and X_train.shape == (7, 2)
    assert sorted(np.concatenate([y_train, y_test]).tolist()) == list(range(10))
    np.testing.assert_array_equal(X_train[:, 0], 2 * y_train)
    with pytest.raises(ValueError, match="test_fraction"):
        data.train_test_split(X, y, test_fraction=1.0, rng=np.random.default_rng(0))


def test_standardizer_round_trip():
    X = np.random.default_rng(0).normal(loc=70, scale=15, size=(100, 2))
    scaler = data.Standardizer().fit(X)
    Z = scaler.transform(X)
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=0), 1)
    np.testing.assert_allclose(scaler.inverse_transform(Z), X)
    with pytest.raises(RuntimeError, match="fit"):
        data.Standardizer().transform(X)
    with pytest.raises(ValueError, match="constant"):
        data.Standardizer().fit(np.ones((5, 1)))
    with pytest.raises(ValueError, match="fitted on 2"):
        scaler.transform(np.zeros((3, 1)))


def test_real_data_loaders_shapes_and_units():
    people = data.load_height_weight()
    assert people.weight_kg.shape == people.height_cm.shape == (544, 1)
    assert people.weight_kg.dtype == np.float64
    assert 4 < people.weight_kg.min() and people.weight_kg.max() < 65          # kilograms
    assert 50 < people.height_cm.min() and people.height_cm.max() < 180        # centimetres
    assert (people.age_years < 18).sum() == 192 and set(people.sex) == {"M", "F"}
    davis = data.load_davis()
    assert davis.weight_kg.shape == (200, 1)
    assert (davis.weight_kg[11, 0], davis.height_cm[11, 0]) == (166.0, 57.0)  # the famous error
    X, labels = data.load_digits()
    assert X.shape == (1797, 64) and labels.shape == (1797,)
    assert X.dtype == np.float64 and labels.dtype == np.int64
    assert X.min() == 0 and X.max() == 16 and np.bincount(labels).min() == 174


def test_missing_and_malformed_data_files_give_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="height_weight.csv is missing"):
        data.load_height_weight(tmp_path)
    (tmp_path / "height_weight.csv").write_text("weight_kg,height_cm,age_years,sex\n50,160,30\n")
    with pytest.raises(ValueError, match="line 2: expected 4 fields, got 3"):
        data.load_height_weight(tmp_path)
    (tmp_path / "height_weight.csv").write_text("weight,height\n50,160\n")
    with pytest.raises(ValueError, match="expected columns"):
        data.load_height_weight(tmp_path)
    (tmp_path / "height_weight.csv").write_text("weight_kg,height_cm,age_years,sex\nabc,160,30,M\n")
    with pytest.raises(ValueError, match="column weight_kg"):
        data.load_height_weight(tmp_path)
    import gzip
    with gzip.open(tmp_path / "digits.csv.gz", "wt") as handle:
        handle.write("1,2,3\n")
    with pytest.raises(ValueError, match="65 values"):
        data.load_digits(tmp_path)
