"""scikit-learn peer for bench/forest.mjs: writes the shared inputs, times sklearn on them, prints JSON.

Usage: /usr/bin/python3 bench/forest.peer.py OUT_DIR [--skip-fit]
  make_classification(200_000 x 30, n_informative=15, random_state=0): first 160,000 rows fit, last 40,000
  scored; RandomForestClassifier(n_estimators=50, n_jobs=2).
  wa_churn: median imputation + one-hot (as in the datasets README), 5-fold shuffled KFold(random_state=0),
  RandomForestClassifier(200 trees, n_jobs=2), ROC-AUC.
Inputs go to OUT_DIR as column-major float64 / int32 binaries so both sides fit exactly the same numbers.
"""
import csv
import json
import os
import sys
import time

import numpy as np
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import KFold

out = sys.argv[1]
skip_fit = "--skip-fit" in sys.argv
os.makedirs(out, exist_ok=True)
res = {}


def dump(name, a, dtype):
    # tofile writes C order, so the transpose of a 2-d array lands column-major
    (a.T if a.ndim == 2 else a).astype(dtype).tofile(os.path.join(out, name))


X, y = make_classification(n_samples=200_000, n_features=30, n_informative=15, random_state=0)
dump("synth_X.f64", X, np.float64)
dump("synth_y.i32", y, np.int32)
if not skip_fit:
    m = RandomForestClassifier(n_estimators=50, n_jobs=2, random_state=0)
    t = time.perf_counter()
    m.fit(X[:160_000], y[:160_000])
    res["synthFit"] = time.perf_counter() - t
    t = time.perf_counter()
    pred = m.predict(X[160_000:])
    res["synthPredict"] = time.perf_counter() - t
    res["synthAccuracy"] = float((pred == y[160_000:]).mean())

here = os.path.dirname(os.path.abspath(__file__))
path = os.path.join(here, "..", "..", "shared", "datasets", "wa_churn.csv")
if not os.path.exists(path):
    path = "/work/shared/datasets/wa_churn.csv"
with open(path, newline="") as f:
    rows = list(csv.reader(f))
header, body = rows[0], rows[1:]
yc = np.array([1 if r[0] == "Yes" else 0 for r in body])
cols = []
for j in range(1, len(header)):
    raw = [r[j] for r in body]
    try:
        v = np.array([float(x) if x != "" else np.nan for x in raw])
        v[np.isnan(v)] = np.nanmedian(v)
        cols.append(v)
    except ValueError:
        for level in sorted(set(x for x in raw if x != "")):
            cols.append(np.array([1.0 if x == level else 0.0 for x in raw]))
Xc = np.column_stack(cols)
dump("churn_X.f64", Xc, np.float64)
dump("churn_y.i32", yc, np.int32)
folds = np.zeros(len(yc), dtype=np.int32)
for k, (_, test) in enumerate(KFold(5, shuffle=True, random_state=0).split(Xc)):
    folds[test] = k
dump("churn_fold.i32", folds, np.int32)
res["churnShape"] = list(Xc.shape)
if not skip_fit:
    aucs = []
    t = time.perf_counter()
    for k in range(5):
        tr, te = folds != k, folds == k
        m = RandomForestClassifier(n_estimators=200, n_jobs=2, random_state=0).fit(Xc[tr], yc[tr])
        aucs.append(roc_auc_score(yc[te], m.predict_proba(Xc[te])[:, 1]))
    res["churnCvTime"] = time.perf_counter() - t
    res["churnAuc"] = float(np.mean(aucs))
print(json.dumps(res))
