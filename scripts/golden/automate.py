"""Reference values for src/automate's paired comparisons of two models on the same rows.

Run with Debian's Python (scipy, numpy, scikit-learn, statsmodels):

    /usr/bin/python3 scripts/golden/automate.py

Writes test/golden/automate.json; test/automate/paired.golden.test.ts replays every case:
  - DeLong's test for two correlated ROC AUCs, from its definition (the psi kernel over every
    positive/negative pair and the covariance of the placement values, DeLong et al. 1988), not the
    midrank shortcut src/automate/paired.ts uses; AUCs checked against sklearn.metrics.roc_auc_score;
  - McNemar's exact test: scipy.stats.binomtest(b, b + c, 0.5, alternative="greater") on the discordant
    counts, and statsmodels' mcnemar(exact=True) for the two-sided value as a cross-check;
  - the paired bootstrap of a difference: rows drawn by a port of src/core/random.ts (mulberry32), so
    both sides resample the very same rows, each replicate scored by scikit-learn.
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
from statsmodels.stats.contingency_tables import mcnemar

from _mlship_random import Random

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "test", "golden", "automate.json")


def psi(y, s):
    x = s[y == 1]
    yy = s[y == 0]
    return (x[:, None] > yy[None, :]).astype(float) + 0.5 * (x[:, None] == yy[None, :])


def paired_delong_reference(y, a, b):
    pa, pb = psi(y, a), psi(y, b)
    m, n = pa.shape
    v10 = np.stack([pa.mean(axis=1), pb.mean(axis=1)])
    v01 = np.stack([pa.mean(axis=0), pb.mean(axis=0)])
    s10 = np.cov(v10, ddof=1)
    s01 = np.cov(v01, ddof=1)
    var = (s10[0, 0] + s10[1, 1] - 2 * s10[0, 1]) / m + (s01[0, 0] + s01[1, 1] - 2 * s01[0, 1]) / n
    auc_a, auc_b = pa.mean(), pb.mean()
    assert abs(auc_a - skm.roc_auc_score(y, a)) < 1e-12
    assert abs(auc_b - skm.roc_auc_score(y, b)) < 1e-12
    z = (auc_b - auc_a) / math.sqrt(var)
    return float(auc_a), float(auc_b), float(var), float(z), float(stats.norm.sf(z))


def delong_cases():
    rng = np.random.default_rng(20261204)
    out = []

    def add(cid, y, a, b):
        auc_a, auc_b, var, z, p = paired_delong_reference(y, a, b)
        out.append({"id": cid, "positive": [int(v) for v in y], "a": [float(v) for v in a],
                    "b": [float(v) for v in b], "aucA": auc_a, "aucB": auc_b, "variance": var, "statistic": z,
                    "pValue": p})

    # A challenger that learned a signal the champion misses, on the same 500 customers.
    n = 500
    y = (rng.uniform(0, 1, n) < 0.3).astype(int)
    common = rng.normal(0, 1, n)
    hidden = rng.normal(0, 1, n)
    y = ((1.2 * common + 1.0 * hidden + rng.normal(0, 1, n)) > 1.0).astype(int)
    add("better-500", y, 1 / (1 + np.exp(-1.2 * common)), 1 / (1 + np.exp(-(1.2 * common + 1.0 * hidden))))
    # The same two, swapped: the test is one-sided, so p is near 1.
    add("worse-500", y, 1 / (1 + np.exp(-(1.2 * common + 1.0 * hidden))), 1 / (1 + np.exp(-1.2 * common)))
    # Nearly the same model (small noise): a tiny, insignificant difference.
    s = rng.normal(0, 1, 300)
    y = ((s + rng.normal(0, 1, 300)) > 0.5).astype(int)
    add("close-300", y, np.round(s, 2), np.round(s + rng.normal(0, 0.05, 300), 2))
    # Coarse scores with many ties on both sides.
    s = rng.integers(0, 5, 200).astype(float)
    y = ((s + rng.normal(0, 2, 200)) > 2.5).astype(int)
    add("ties-200", y, s, np.round(s + rng.integers(0, 2, 200) * 0.5, 1))
    return out


def mcnemar_cases():
    out = []
    for b, c in [(0, 0), (5, 0), (0, 5), (12, 5), (30, 30), (61, 40), (400, 350), (3, 9), (2500, 2400)]:
        p = float(stats.binomtest(b, b + c, 0.5, alternative="greater").pvalue) if b + c > 0 else 1.0
        two = float(mcnemar([[0, c], [b, 0]], exact=True).pvalue) if b + c > 0 else 1.0
        out.append({"bOnly": b, "aOnly": c, "pValue": p, "twoSided": two})
    return out


def score(metric, classes, truth, pred, proba):
    t = np.array(classes)[truth]
    p = np.array(classes)[pred]
    if metric == "f1":
        return skm.f1_score(t, p, pos_label=classes[1])
    if metric == "log_loss":
        return skm.log_loss(t, proba, labels=classes)
    raise ValueError(metric)


def bootstrap_cases():
    rng = np.random.default_rng(4242)
    out = []

    def case(cid, n, metric, direction, seed, resamples):
        classes = ["No", "Yes"]
        truth = rng.integers(0, 2, n)
        models = []
        for shift in (0.8, 1.4):
            logits = rng.normal(0, 1, (n, 2))
            logits[np.arange(n), truth] += shift
            proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
            proba = np.round(proba, 6)
            proba = proba / proba.sum(axis=1, keepdims=True)
            models.append((proba.argmax(axis=1), proba))
        r = Random(seed)
        sign = 1 if direction == "maximize" else -1
        reps = []
        for _ in range(resamples):
            idx = np.array([r.int(n) for _ in range(n)])
            sa = score(metric, classes, truth[idx], models[0][0][idx], models[0][1][idx])
            sb = score(metric, classes, truth[idx], models[1][0][idx], models[1][1][idx])
            reps.append(float(sign * (sb - sa)))
        arr = np.array([v for v in reps if math.isfinite(v)])
        out.append({
            "id": cid, "metric": metric, "direction": direction, "classes": classes,
            "truth": [int(v) for v in truth], "seed": seed, "resamples": resamples,
            "a": {"predicted": [int(v) for v in models[0][0]], "proba": [float(v) for v in models[0][1].ravel()]},
            "b": {"predicted": [int(v) for v in models[1][0]], "proba": [float(v) for v in models[1][1].ravel()]},
            "replicates": reps, "statistic": float(arr.mean()),
            "pValue": float((1 + np.sum(arr <= 0)) / (1 + len(arr))),
        })

    case("f1-150", 150, "f1", "maximize", 11, 200)
    case("logloss-120", 120, "log_loss", "minimize", 12, 150)
    return out


golden = {
    "versions": {"scipy": scipy.__version__, "numpy": np.__version__, "sklearn": sklearn.__version__,
                 "statsmodels": statsmodels.__version__},
    "delong": delong_cases(),
    "mcnemar": mcnemar_cases(),
    "bootstrap": bootstrap_cases(),
}
with open(OUT, "w") as f:
    json.dump(golden, f, separators=(",", ":"))
    f.write("\n")
print(f"wrote {OUT}")
