"""Golden values for histogram gradient boosting (scikit-learn 1.2.1 HistGradientBoosting*).

Run with Debian's Python: /usr/bin/python3 scripts/golden/hist_gradient_boosting.py
  ->  test/golden/hist_gradient_boosting.json

Without early stopping and below 200,000 rows, sklearn's HistGradientBoosting has no randomness: the
bins, every tree and every prediction follow from the data. So the tests compare whole first trees and
raw predictions, not just scores. Categorical string columns are given to sklearn as the index of their
label among the sorted labels (missing: NaN) and declared in categorical_features; mlship takes the same
columns as categorical columns (levels sorted), so the category bins are the same.

Early stopping on the training loss or on a metric over the training rows (validation_fraction=None,
fewer than 10,000 rows) is deterministic too, so its number of iterations and scores are compared.
"""
import csv
import json
import math
import os

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.ensemble._hist_gradient_boosting.binning import _BinMapper
from sklearn.model_selection import KFold, cross_val_score
from threadpoolctl import threadpool_limits

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
FIX = os.path.join(ROOT, "test", "fixtures")


def load(name, target):
    """Features (categorical text columns as sorted-label indices, blanks NaN), their names, which are
    categorical, and the target."""
    with open(os.path.join(FIX, name), newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    cols, names, categorical = [], [], []
    y = None
    for j, h in enumerate(header):
        raw = [r[j] for r in body]
        try:
            vals = [float(v) if v != "" else math.nan for v in raw]
            is_cat = False
        except ValueError:
            levels = sorted(set(v for v in raw if v != ""))
            vals = [float(levels.index(v)) if v != "" else math.nan for v in raw]
            is_cat = True
        if h == target:
            y = np.array(raw if is_cat else vals)
            continue
        cols.append(vals)
        names.append(h)
        categorical.append(is_cat)
    return np.array(cols, dtype=np.float64).T, names, categorical, y


def num(v):
    v = float(v)
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def class_label(c):
    """A class label as mlship's fixture loader names it (numbers without a trailing .0)."""
    return str(int(c)) if isinstance(c, (float, np.floating)) and float(c).is_integer() else str(c)


def tree_nodes(predictor):
    nd = predictor.nodes
    return {
        "value": [float(v) for v in nd["value"]],
        "count": [int(v) for v in nd["count"]],
        "feature": [int(v) if not leaf else -1 for v, leaf in zip(nd["feature_idx"], nd["is_leaf"])],
        "numThreshold": [num(v) for v in nd["num_threshold"]],
        "binThreshold": [int(v) for v in nd["bin_threshold"]],
        "missingLeft": [int(v) for v in nd["missing_go_to_left"]],
        "left": [int(v) if not leaf else -1 for v, leaf in zip(nd["left"], nd["is_leaf"])],
        "right": [int(v) if not leaf else -1 for v, leaf in zip(nd["right"], nd["is_leaf"])],
        "gain": [float(v) for v in nd["gain"]],
        "depth": [int(v) for v in nd["depth"]],
        "isCategorical": [int(v) for v in nd["is_categorical"]],
        "bitsetIdx": [int(v) for v in nd["bitset_idx"]],
        "binnedBitsets": [[int(w) for w in b] for b in predictor.binned_left_cat_bitsets],
    }


out = {"sklearn": __import__("sklearn").__version__, "binning": [], "models": [], "cv": [], "earlyStopping": []}

# --- binning: thresholds and bins, including ties, negatives, missing values and small maxBins ---
rng = np.random.RandomState(0)
synthetic = np.concatenate([rng.normal(0, 1, 3000), np.round(rng.normal(5, 2, 1500), 1), [np.nan] * 300, [-0.0, 0.0, 1e308, -1e308]])
rng.shuffle(synthetic)
few = rng.randint(0, 7, 2000).astype(float) * 0.5
few[::17] = np.nan
columns = []
for name, target in [("breast_cancer.csv", "target"), ("diabetes.csv", "target"), ("concrete.csv", "compressive_strength")]:
    X, names, _, _ = load(name, target)
    for j in range(min(6, X.shape[1])):
        columns.append((f"{name}:{names[j]}", X[:, j]))
columns.append(("synthetic", synthetic))
columns.append(("few", few))
for label, col in columns:
    for max_bins in (255, 64, 7):
        bm = _BinMapper(n_bins=max_bins + 1).fit(col.reshape(-1, 1))
        binned = bm.transform(col.reshape(-1, 1))[:, 0]
        out["binning"].append(
            {
                "column": label,
                "values": [num(v) if not math.isnan(v) else None for v in col] if label in ("synthetic", "few") else None,
                "maxBins": max_bins,
                "thresholds": [num(v) for v in bm.bin_thresholds_[0]],
                "bins": [int(v) for v in binned],
            }
        )

# --- whole models, no early stopping ---
cases = [
    ("breast_cancer.csv", "target", "classification", {"max_iter": 30}),
    ("breast_cancer.csv", "target", "classification", {"max_iter": 20, "max_depth": 3, "l2_regularization": 1.0, "learning_rate": 0.3}),
    ("wine.csv", "target", "classification", {"max_iter": 15, "min_samples_leaf": 5}),
    ("iris.csv", "target", "classification", {"max_iter": 20, "max_leaf_nodes": 8, "max_bins": 32}),
    ("credit_data.csv", "Status", "classification", {"max_iter": 40}),
    ("penguins.csv", "species", "classification", {"max_iter": 10, "min_samples_leaf": 10}),
    ("diabetes.csv", "target", "regression", {"max_iter": 50}),
    ("diabetes.csv", "target", "regression", {"max_iter": 30, "loss": "absolute_error"}),
    ("diabetes.csv", "target", "regression", {"max_iter": 30, "loss": "poisson", "max_leaf_nodes": 15}),
    ("concrete.csv", "compressive_strength", "regression", {"max_iter": 60, "max_leaf_nodes": None, "max_depth": 4}),
    ("wa_churn.csv", "churn", "classification", {"max_iter": 25}),
]
for name, target, task, params in cases:
    X, names, cat, y = load(name, target)
    cat_idx = [j for j, c in enumerate(cat) if c] or None
    Model = HistGradientBoostingClassifier if task == "classification" else HistGradientBoostingRegressor
    with threadpool_limits(1):
        m = Model(early_stopping=False, categorical_features=cat_idx, **params).fit(X, y)
    # predictions on at most ~500 rows keep the file small
    rows = list(range(0, len(y), max(1, len(y) // 500)))
    entry = {
        "data": name,
        "target": target,
        "task": task,
        "params": params,
        "rows": rows,
        "nIter": int(m.n_iter_),
        "baseline": [float(v) for v in m._baseline_prediction.ravel()],
        "firstTrees": [tree_nodes(p) for p in m._predictors[0]],
        "lastTrees": [tree_nodes(p) for p in m._predictors[-1]],
        "raw": [[float(v) for v in row] for row in m._raw_predict(X[rows])],
        "stages": {},
    }
    if task == "classification":
        entry["classes"] = [class_label(c) for c in m.classes_]
        entry["proba"] = [[float(v) for v in row] for row in m.predict_proba(X[rows])]
    else:
        entry["predictions"] = [float(v) for v in m.predict(X[rows])]
    for stage, raw in enumerate(m._staged_raw_predict(X)):
        if stage in (0, 4, m.n_iter_ - 1):
            entry["stages"][str(stage + 1)] = [[float(v) for v in row] for row in raw[:50]]
    out["models"].append(entry)

# --- 5-fold CV scores with default parameters (no early stopping below 10,000 rows) ---
for name, target, task in [
    ("breast_cancer.csv", "target", "classification"),
    ("wine.csv", "target", "classification"),
    ("credit_data.csv", "Status", "classification"),
    ("diabetes.csv", "target", "regression"),
    ("concrete.csv", "compressive_strength", "regression"),
]:
    X, names, cat, y = load(name, target)
    cat_idx = [j for j, c in enumerate(cat) if c] or None
    Model = HistGradientBoostingClassifier if task == "classification" else HistGradientBoostingRegressor
    with threadpool_limits(1):
        scores = cross_val_score(Model(categorical_features=cat_idx), X, y, cv=KFold(5))
    out["cv"].append({"data": name, "target": target, "task": task, "scores": [float(v) for v in scores]})

# --- early stopping on the training data (deterministic) ---
for name, target, task, params in [
    ("breast_cancer.csv", "target", "classification", {"scoring": "loss", "n_iter_no_change": 5, "tol": 1e-4}),
    ("breast_cancer.csv", "target", "classification", {"scoring": "roc_auc", "n_iter_no_change": 3}),
    ("diabetes.csv", "target", "regression", {"scoring": "loss", "n_iter_no_change": 4, "tol": 1.0}),
    ("diabetes.csv", "target", "regression", {"scoring": "r2", "n_iter_no_change": 5, "tol": 1e-3}),
]:
    X, names, cat, y = load(name, target)
    Model = HistGradientBoostingClassifier if task == "classification" else HistGradientBoostingRegressor
    with threadpool_limits(1):
        m = Model(early_stopping=True, validation_fraction=None, max_iter=200, **params).fit(X, y)
    out["earlyStopping"].append(
        {
            "data": name,
            "target": target,
            "task": task,
            "params": params,
            "nIter": int(m.n_iter_),
            "trainScore": [float(v) for v in m.train_score_],
        }
    )

os.makedirs(os.path.join(ROOT, "test", "golden"), exist_ok=True)
with open(os.path.join(ROOT, "test", "golden", "hist_gradient_boosting.json"), "w") as f:
    json.dump(out, f, separators=(",", ":"))
    f.write("\n")
print(
    "wrote test/golden/hist_gradient_boosting.json:",
    len(out["binning"]), "binnings,", len(out["models"]), "models,", len(out["cv"]), "CV,",
    len(out["earlyStopping"]), "early stopping",
)
