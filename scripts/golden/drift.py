"""Reference values for src/monitor: drift statistics computed by scipy 1.10.1 and NumPy.

Run with Debian's Python (it has scipy, numpy and pandas):

    /usr/bin/python3 scripts/golden/drift.py

Writes test/golden/drift.json; test/monitor/golden.test.ts replays every case. Small samples are stored as
values; large ones as a generator both sides evaluate with the same IEEE operations (a Park-Miller
generator, exact in doubles), so the JSON stays small and both sides see the very same doubles.

The binned measures (Jensen-Shannon, PSI, KL) follow Evidently's get_binned_data, reproduced below
because Evidently is not installed here: Sturges bins over both samples for numeric features whose
reference has more than 20 distinct values, one bin per value otherwise; empty bins filled for PSI/KL.
"""

import json
import math
import os

import numpy as np
import pandas as pd
import scipy
from scipy import special, stats
from scipy.spatial import distance

assert scipy.__version__ == "1.10.1", scipy.__version__

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "test", "golden", "drift.json")

MODULUS = 2147483647
MULT = 48271


def generate(spec):
    """Mirrors generate() in test/monitor/golden.test.ts operation for operation."""
    x = spec["seed"]
    out = []

    def draw():
        nonlocal x
        x = (MULT * x) % MODULUS
        return x / MODULUS

    for _ in range(spec["n"]):
        kind = spec["kind"]
        if kind == "uniform":
            v = spec["offset"] + spec["scale"] * draw()
        elif kind == "tri":
            u1 = draw()
            u2 = draw()
            v = spec["offset"] + spec["scale"] * (u1 + u2)
        elif kind == "square":
            u = draw()
            v = spec["offset"] + spec["scale"] * (u * u)
        elif kind == "int":
            v = spec["offset"] + math.floor(draw() * spec["levels"])
        else:
            raise ValueError(kind)
        out.append(v)
    return np.array(out, dtype=float)


def data(d):
    return np.array(d["values"], dtype=float) if "values" in d else generate(d["gen"])


def gen(n, seed, kind="uniform", offset=0.0, scale=1.0, levels=None):
    g = {"n": n, "seed": seed, "kind": kind, "offset": offset, "scale": scale}
    if levels is not None:
        g["levels"] = levels
    return {"gen": g}


def vals(xs):
    return {"values": [float(v) for v in xs]}


def rounded(rng, n, loc=0.0, scale=1.0, decimals=6):
    return vals(np.round(rng.normal(loc, scale, n), decimals))


# ---------------------------------------------------------------- KS


def ks_cases():
    rng = np.random.default_rng(20261125)
    cases = [
        ("n1-n1-equal", vals([1.5]), vals([1.5])),
        ("n1-n1-apart", vals([1.0]), vals([2.0])),
        ("n1-vs-5", vals([0.3]), vals([0.1, 0.2, 0.4, 0.5, 0.9])),
        ("identical-20", rounded(np.random.default_rng(1), 20), rounded(np.random.default_rng(1), 20)),
        ("disjoint-30-40", vals(np.arange(30)), vals(np.arange(100, 140))),
        ("ties-ints", vals(rng.integers(0, 5, 60)), vals(rng.integers(1, 6, 45))),
        ("small-equal-25", rounded(rng, 25), rounded(rng, 25, 0.5)),
        ("small-unequal-17-31", rounded(rng, 17), rounded(rng, 31, 0.3, 1.5)),
        ("unequal-100-250", rounded(rng, 100), rounded(rng, 250, 0.1)),
        ("unequal-1000-999", rounded(rng, 1000), rounded(rng, 999, 0.05)),
        ("same-dist-300-500", rounded(rng, 300), rounded(rng, 500)),
        ("exact-equal-10000", gen(10000, 11), gen(10000, 12, "uniform", 0.01)),
        ("exact-unequal-10000-9999", gen(10000, 13), gen(9999, 14, "uniform", 0.02)),
        ("exact-coprime-9973-7919", gen(9973, 15, "tri"), gen(7919, 16, "tri", 0.01)),
        ("asymp-10001-10000", gen(10001, 17), gen(10000, 18, "uniform", 0.02)),
        ("asymp-10001-10001-half", gen(10001, 19), gen(10001, 20, "uniform", 0.001)),
        ("asymp-20000-50", gen(20000, 21), gen(50, 22, "uniform", 0.1)),
        ("asymp-20000-120-close", gen(20000, 23), gen(120, 24)),
        ("asymp-50000-40000-same", gen(50000, 25, "tri"), gen(40000, 26, "tri")),
        ("asymp-50000-40000-shift", gen(50000, 27, "tri"), gen(40000, 28, "tri", 0.01)),
        ("asymp-100000-1000000-smirnov", gen(100000, 29), gen(1000000, 30, "uniform", 0.004)),
        ("asymp-100000-1000000-far", gen(100000, 31), gen(1000000, 32, "square")),
        ("asymp-ties-30000-20000", gen(30000, 33, "int", levels=7), gen(20000, 34, "int", levels=7)),
        ("asymp-disjoint", gen(15000, 35), gen(12000, 36, "uniform", 5.0)),
    ]
    out = []
    for cid, a, b in cases:
        r = stats.ks_2samp(data(a), data(b))
        out.append({"id": cid, "a": a, "b": b, "statistic": float(r.statistic), "pValue": float(r.pvalue)})
    return out


def kstwo_cases():
    out = []
    for n in [1, 2, 3, 5, 10, 50, 100, 140, 141, 200, 1000, 5000, 20000, 100000, 100001, 500000]:
        xs = {0.4 / n, 0.7 / n, 1.0 / n, 1.5 / n, 0.5, 0.75, 0.99}
        if n > 1:
            xs.add((n - 0.5) / n)
        for c in [0.05, 0.2, 0.5, 0.75, 0.76, 1.0, 2.0, 2.19, 2.21, 3.9, 4.1, 10, 17.9, 18.1, 100, 300, 369, 371]:
            xs.add(math.sqrt(c / n))
        for x in sorted(xs):
            if 0 < x < 1:
                out.append({"n": n, "x": x, "sf": float(stats.kstwo.sf(x, n))})
    return out


def smirnov_cases():
    out = []
    for n in [2, 3, 5, 10, 50, 100, 1000, 10000, 90909, 500000]:
        xs = {0.5 / n, 1.0 / n, 0.3, 0.5, 0.8, (n - 0.5) / n}
        for c in [0.1, 0.5, 1.0, 2.2, 5, 20, 100, 350]:
            xs.add(math.sqrt(c / n) / 2)
        for x in sorted(xs):
            if 0 < x < 1:
                out.append({"n": n, "x": x, "sf": float(special.smirnov(n, x))})
    return out


# ---------------------------------------------------------------- chi-square


def chi2sf_cases():
    out = []
    for dof in [1, 2, 3, 4, 5, 7, 10, 30, 99, 100, 1000, 10000]:
        for f in [0.001, 0.01, 0.1, 0.5, 0.9, 1.0, 1.1, 1.5, 2, 3, 5, 10, 30]:
            x = dof * f
            out.append({"x": x, "dof": dof, "sf": float(stats.chi2.sf(x, dof))})
    for x, dof in [(1e-10, 1), (1e-6, 2), (0.5, 1), (3.841458820694124, 1), (800, 1), (1400, 1), (1000, 700)]:
        out.append({"x": x, "dof": dof, "sf": float(stats.chi2.sf(x, dof))})
    return out


def chi2_cases():
    cases = [
        ("2-levels-yates", [30, 20], [25, 35]),
        ("2-levels-small-diff", [10, 10], [10, 11]),
        ("2-levels-equal", [40, 60], [40, 60]),
        ("2-levels-one-sided-level", [50, 0], [45, 5]),
        ("3-levels", [20, 30, 50], [25, 25, 60]),
        ("level-only-in-current", [40, 60, 0], [30, 50, 20]),
        ("level-only-in-reference", [10, 15, 5, 7], [12, 18, 0, 9]),
        ("level-absent-both", [10, 0, 15], [12, 0, 11]),
        ("one-level", [10, 0], [20, 0]),
        ("big-counts", [400000, 350000, 250000], [41000, 35500, 23500]),
        ("drifted-hard", [500, 500, 500], [1500, 10, 10]),
        ("many-levels", list(range(1, 51)), list(range(50, 0, -1))),
    ]
    out = []
    for cid, r, c in cases:
        table = np.array([r, c], dtype=float)
        table = table[:, table.sum(axis=0) > 0]
        if table.shape[1] < 2:
            stat, p, dof = 0.0, 1.0, 0
        else:
            stat, p, dof, _ = stats.chi2_contingency(table)
        out.append({"id": cid, "reference": r, "current": c, "statistic": float(stat), "pValue": float(p), "dof": int(dof)})
    return out


# ---------------------------------------------------------------- Wasserstein


def wasserstein_cases():
    rng = np.random.default_rng(7)
    cases = [
        ("n1-n1", vals([1.0]), vals([3.5])),
        ("identical", rounded(np.random.default_rng(2), 50), rounded(np.random.default_rng(2), 50)),
        ("ties", vals(rng.integers(0, 4, 40)), vals(rng.integers(0, 6, 70))),
        ("unequal-shift", rounded(rng, 200), rounded(rng, 333, 0.4)),
        ("constant-reference", vals([2.0] * 30), rounded(rng, 40, 2.0, 0.001)),
        ("scale", rounded(rng, 500, 10, 3), rounded(rng, 800, 10, 4)),
        ("large-same", gen(100000, 41, "tri"), gen(1000000, 42, "tri")),
        ("large-shift", gen(100000, 43, "tri", 0.0, 10.0), gen(1000000, 44, "tri", 1.0, 10.0)),
        ("large-ties", gen(50000, 45, "int", levels=30), gen(70000, 46, "int", 1.0, levels=30)),
    ]
    out = []
    for cid, a, b in cases:
        x, y = data(a), data(b)
        d = stats.wasserstein_distance(x, y)
        normed = d / max(np.std(x), 0.001)
        energy = stats.energy_distance(x, y)
        out.append({"id": cid, "a": a, "b": b, "distance": float(d), "normed": float(normed), "energy": float(energy)})
    return out


# ---------------------------------------------------------------- binned measures (Evidently's convention)


def get_binned_data(reference_data, current_data, numerical, feel_zeroes=True):
    """evidently.legacy.calculations.stattests.utils.get_binned_data, as of Evidently 0.7."""
    n_vals = reference_data.nunique()
    if numerical and n_vals > 20:
        bins = np.histogram_bin_edges(pd.concat([reference_data, current_data], axis=0).values, bins="sturges")
        reference_percents = np.histogram(reference_data, bins)[0] / len(reference_data)
        current_percents = np.histogram(current_data, bins)[0] / len(current_data)
    else:
        keys = list(set(reference_data.dropna().unique()) | set(current_data.dropna().unique()))
        ref_feature_dict = {**dict.fromkeys(keys, 0), **dict(reference_data.value_counts())}
        current_feature_dict = {**dict.fromkeys(keys, 0), **dict(current_data.value_counts())}
        reference_percents = np.array([ref_feature_dict[key] / len(reference_data) for key in keys])
        current_percents = np.array([current_feature_dict[key] / len(current_data) for key in keys])
    if feel_zeroes:
        for arr in (reference_percents, current_percents):
            m = min(arr[arr != 0])
            np.place(arr, arr == 0, m / 10**6 if m <= 0.0001 else 0.0001)
    return reference_percents, current_percents


def binned_values(ref, cur, numerical):
    r, c = get_binned_data(ref, cur, numerical, False)
    js = distance.jensenshannon(r, c)
    hellinger = float(np.sqrt(np.sum((np.sqrt(r) - np.sqrt(c)) ** 2)) / np.sqrt(2))
    r, c = get_binned_data(ref, cur, numerical)
    psi = float(np.sum((r - c) * np.log(r / c)))
    kl = float(stats.entropy(r, c))
    return float(js), psi, kl, hellinger


def binned_cases():
    rng = np.random.default_rng(11)
    numeric = [
        ("few-values", vals(rng.integers(0, 4, 300)), vals(rng.integers(0, 5, 200))),
        ("twenty-values", vals(rng.integers(0, 20, 500)), vals(rng.integers(0, 20, 400))),
        ("binned-shift", rounded(rng, 1000), rounded(rng, 1500, 0.3)),
        ("binned-same", rounded(rng, 2000), rounded(rng, 2000)),
        ("binned-empty-bins", rounded(rng, 800), rounded(rng, 300, 4.0)),
        ("large", gen(100000, 51, "tri"), gen(1000000, 52, "tri", 0.05)),
    ]
    out = []
    for cid, a, b in numeric:
        js, p, kl, h = binned_values(pd.Series(data(a)), pd.Series(data(b)), True)
        out.append({"id": cid, "type": "numeric", "a": a, "b": b, "jensenshannon": js, "psi": p, "kl": kl, "hellinger": h})
    letters = np.array(list("abcdefgh"))
    categorical = [
        ("cat-same-levels", letters[rng.integers(0, 4, 300)], letters[rng.integers(0, 4, 250)]),
        ("cat-new-level", letters[rng.integers(0, 3, 400)], letters[rng.integers(0, 4, 350)]),
        ("cat-lost-level", letters[rng.integers(0, 5, 500)], letters[rng.integers(1, 5, 100)]),
        ("cat-skewed", letters[np.minimum(rng.geometric(0.5, 3000) - 1, 7)], letters[rng.integers(0, 8, 2000)]),
    ]
    for cid, a, b in categorical:
        js, p, kl, h = binned_values(pd.Series(a), pd.Series(b), False)
        out.append(
            {"id": cid, "type": "categorical", "a": {"labels": a.tolist()}, "b": {"labels": b.tolist()},
             "jensenshannon": js, "psi": p, "kl": kl, "hellinger": h}
        )
    return out


def main():
    golden = {
        "generator": {"modulus": MODULUS, "multiplier": MULT},
        "scipy": scipy.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "ks": ks_cases(),
        "kstwo": kstwo_cases(),
        "smirnov": smirnov_cases(),
        "chi2sf": chi2sf_cases(),
        "chi2": chi2_cases(),
        "wasserstein": wasserstein_cases(),
        "binned": binned_cases(),
    }
    with open(OUT, "w") as f:
        json.dump(golden, f, indent=1)
        f.write("\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
