"""Reference values for src/monitor's performance statistics and reference profiles.

Run with Debian's Python (scipy, numpy, scikit-learn and statsmodels: apt-get install python3-statsmodels):

    /usr/bin/python3 scripts/golden/monitor.py

Writes test/golden/monitor.json; test/monitor/intervals.golden.test.ts replays every case:
  - the normal distribution (scipy.stats.norm cdf, sf, ppf);
  - Wilson intervals and the pooled two-proportion z-test (statsmodels proportion_confint, proportions_ztest);
  - ROC AUC (sklearn roc_auc_score) and DeLong's variance from its definition (the O(m n) structural
    components, not the midrank shortcut src/monitor/intervals.ts uses), and the z-test of two AUCs;
  - percentile bootstrap intervals: the resampled row indices come from a port of src/core/random.ts
    (mulberry32), so both sides resample the very same rows, and each replicate is scored by scikit-learn;
  - profile statistics: numpy.quantile (linear) at 0, 0.01, ..., 1, numpy.histogram, mean and std.
"""

import json
import math
import os

import numpy as np
import scipy
import sklearn
import statsmodels
from scipy import stats
from sklearn import metrics as skm
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

from _mlship_random import Random

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "test", "golden", "monitor.json")


def normal_cases():
    ps = [1e-300, 1e-100, 1e-20, 1e-10, 1e-6, 0.001, 0.01, 0.02425, 0.025, 0.05, 0.1, 0.3, 0.5, 0.7, 0.9, 0.95,
          0.975, 0.97575, 0.99, 0.999, 1 - 1e-6, 1 - 1e-10, 1 - 1e-15]
    zs = [-38.0, -20.0, -8.5, -5.0, -3.0, -1.959963984540054, -1.0, -0.5, -1e-8, 0.0, 0.25, 1.0, 1.6448536269514722,
          2.5, 4.0, 7.0, 9.0, 15.0, 30.0]
    return {
        "ppf": [{"p": p, "x": float(stats.norm.ppf(p))} for p in ps],
        "cdf": [{"z": z, "cdf": float(stats.norm.cdf(z)), "sf": float(stats.norm.sf(z))} for z in zs],
    }


def wilson_cases():
    cases = [(0, 10, 0.95), (10, 10, 0.95), (37, 50, 0.95), (730, 1000, 0.9), (1, 3, 0.99), (5000, 7043, 0.95),
             (1157, 1409, 0.95), (99, 100, 0.8), (500, 1000, 0.999)]
    out = []
    for k, n, conf in cases:
        lo, hi = proportion_confint(k, n, alpha=1 - conf, method="wilson")
        out.append({"k": k, "n": n, "confidence": conf, "lower": float(lo), "upper": float(hi)})
    return out


def ztest_cases():
    cases = [(700, 1000, 1157, 1409), (820, 1000, 1157, 1409), (80, 100, 1157, 1409), (1, 20, 15, 20),
             (50, 60, 40, 60), (5000, 7043, 5100, 7043), (300, 500, 310, 500), (10, 10, 9, 10)]
    out = []
    for k1, n1, k2, n2 in cases:
        z, p = proportions_ztest([k1, k2], [n1, n2], alternative="smaller")
        out.append({"k1": k1, "n1": n1, "k2": k2, "n2": n2, "statistic": float(z), "pValue": float(p)})
    return out


def delong_reference(y, s):
    """DeLong (1988) from the definition: psi(X_i, Y_j) over every positive/negative pair."""
    x = s[y == 1]
    yy = s[y == 0]
    psi = (x[:, None] > yy[None, :]).astype(float) + 0.5 * (x[:, None] == yy[None, :])
    m, n = len(x), len(yy)
    v10 = psi.mean(axis=1)
    v01 = psi.mean(axis=0)
    auc = psi.mean()
    var = np.var(v10, ddof=1) / m + np.var(v01, ddof=1) / n
    return float(auc), float(var)


def delong_cases():
    rng = np.random.default_rng(20261203)
    sets = []

    def add(cid, y, s):
        auc, var = delong_reference(y, s)
        assert abs(auc - skm.roc_auc_score(y, s)) < 1e-12
        sets.append({"id": cid, "positive": [int(v) for v in y], "scores": [float(v) for v in s], "auc": auc,
                     "variance": var})

    y = rng.integers(0, 2, 40)
    add("small-40", y, np.round(rng.normal(y * 0.8, 1.0), 3))
    y = rng.integers(0, 2, 300)
    add("ties-300", y, np.round(rng.uniform(0, 1, 300) + 0.3 * y, 1))
    y = (rng.uniform(0, 1, 1500) < 0.27).astype(int)
    add("churnlike-1500", y, 1 / (1 + np.exp(-(rng.normal(0, 1, 1500) + 1.6 * y - 1.2))))
    y = (rng.uniform(0, 1, 800) < 0.27).astype(int)
    add("weaker-800", y, 1 / (1 + np.exp(-(rng.normal(0, 1, 800) + 0.9 * y - 1.0))))
    compare = []
    for a, b in [("churnlike-1500", "weaker-800"), ("weaker-800", "churnlike-1500"), ("ties-300", "small-40")]:
        sa = next(s for s in sets if s["id"] == a)
        sb = next(s for s in sets if s["id"] == b)
        z = (sb["auc"] - sa["auc"]) / math.sqrt(sa["variance"] + sb["variance"])
        compare.append({"reference": a, "current": b, "statistic": z, "pValue": float(stats.norm.cdf(z))})
    return {"sets": sets, "compare": compare}


def score(metric, classes, truth, pred, proba):
    t = np.array(classes)[truth]
    p = np.array(classes)[pred]
    if metric == "accuracy":
        return skm.accuracy_score(t, p)
    if metric == "f1":
        return skm.f1_score(t, p, pos_label=classes[1])
    if metric == "f1_macro":
        return skm.f1_score(t, p, average="macro", labels=classes)
    if metric == "log_loss":
        return skm.log_loss(t, proba, labels=classes)
    if metric == "roc_auc":
        if len(set(truth)) < 2:
            return float("nan")
        return skm.roc_auc_score(t == classes[1], proba[:, 1])
    raise ValueError(metric)


def bootstrap_cases():
    rng = np.random.default_rng(7043)
    out = []

    def classification(cid, n, k, shift, metric, seed, resamples, confidence):
        classes = ["No", "Yes"] if k == 2 else [f"c{i}" for i in range(k)]
        truth = rng.integers(0, k, n)
        logits = rng.normal(0, 1, (n, k))
        logits[np.arange(n), truth] += shift
        proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        proba = np.round(proba, 6)
        proba = proba / proba.sum(axis=1, keepdims=True)
        pred = proba.argmax(axis=1)
        r = Random(seed)
        reps = []
        for _ in range(resamples):
            idx = np.array([r.int(n) for _ in range(n)])
            reps.append(float(score(metric, classes, truth[idx], pred[idx], proba[idx])))
        arr = np.array([v for v in reps if math.isfinite(v)])
        tail = (1 - confidence) / 2 * 100
        lo, hi = np.percentile(arr, [tail, 100 - tail])
        out.append({
            "id": cid, "metric": metric, "classes": classes, "truth": [int(v) for v in truth],
            "predicted": [int(v) for v in pred], "proba": [float(v) for v in proba.ravel()], "seed": seed,
            "resamples": resamples, "confidence": confidence,
            "value": float(score(metric, classes, truth, pred, proba)),
            "replicates": reps, "lower": float(lo), "upper": float(hi),
        })

    classification("f1-binary-120", 120, 2, 1.0, "f1", 42, 200, 0.95)
    classification("logloss-binary-200", 200, 2, 1.5, "log_loss", 7, 150, 0.9)
    classification("f1macro-3class-90", 90, 3, 1.2, "f1_macro", 2026, 120, 0.95)
    classification("auc-binary-25", 25, 2, 0.8, "roc_auc", 3, 100, 0.95)
    return out


def profile_cases():
    rng = np.random.default_rng(19)
    cases = [
        ("normal-1000", np.round(rng.normal(50, 12, 1000), 4), 20),
        ("ints-with-ties", rng.integers(0, 73, 700).astype(float), 20),
        ("skewed-333", np.round(rng.lognormal(3, 1, 333), 3), 7),
        ("constant", np.full(50, 2.5), 10),
        ("single", np.array([4.0]), 20),
    ]
    out = []
    for cid, v, bins in cases:
        counts, edges = np.histogram(v, bins=bins)
        out.append({
            "id": cid, "values": [float(x) for x in v], "bins": bins,
            "quantiles": [float(q) for q in np.quantile(v, np.linspace(0, 1, 101))],
            "edges": [float(e) for e in edges], "counts": [int(c) for c in counts],
            "mean": float(np.mean(v)), "std": float(np.std(v)),
        })
    return out


golden = {
    "versions": {"scipy": scipy.__version__, "numpy": np.__version__, "sklearn": sklearn.__version__,
                 "statsmodels": statsmodels.__version__},
    "normal": normal_cases(),
    "wilson": wilson_cases(),
    "ztest": ztest_cases(),
    "delong": delong_cases(),
    "bootstrap": bootstrap_cases(),
    "profile": profile_cases(),
}
with open(OUT, "w") as f:
    json.dump(golden, f, separators=(",", ":"))
    f.write("\n")
print(f"wrote {OUT}")
