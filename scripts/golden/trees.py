"""Golden values for decision trees and random forests (scikit-learn 1.2.1).

Run with Debian's Python: /usr/bin/python3 scripts/golden/trees.py  ->  test/golden/trees.json

sklearn permutes candidate features even when max_features is all, so ties between equally good splits
depend on the seed. `splitterSeed` is the seed random_state=0 hands sklearn's xorshift feature sampler
(RandomState(0).randint(0, 2**31 - 1)); our CART kernel given that seed draws the same features, so the
tests compare whole trees. `stable` says whether sklearn's tree is the same for random_state 0..9 (no
ties), where even our public classes, seeded their own way, must give sklearn's tree.
"""
import json
import os

import numpy as np
import csv
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.model_selection import KFold, cross_val_score
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
FIX = os.path.join(ROOT, "test", "fixtures")


def load(name, target):
    with open(os.path.join(FIX, name), newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    j = header.index(target)
    X = np.array([[float(v) for k, v in enumerate(r) if k != j] for r in body], dtype=np.float64)
    raw = [r[j] for r in body]
    try:
        y = np.array([float(v) for v in raw])
    except ValueError:
        y = np.array(raw)
    return X, y


def tree_summary(t):
    tr = t.tree_
    return {
        "nodeCount": int(tr.node_count),
        "depth": int(t.get_depth()),
        "nLeaves": int(t.get_n_leaves()),
        "rootFeature": int(tr.feature[0]),
        "rootThreshold": float(tr.threshold[0]),
        "feature": [int(v) for v in tr.feature],
        "threshold": [float(v) for v in tr.threshold],
        "nNodeSamples": [int(v) for v in tr.n_node_samples],
        "impurity": [float(v) for v in tr.impurity],
        "featureImportances": [float(v) for v in t.feature_importances_],
    }


def same_tree(a, b):
    return (
        a.tree_.node_count == b.tree_.node_count
        and np.array_equal(a.tree_.feature, b.tree_.feature)
        and np.array_equal(a.tree_.threshold, b.tree_.threshold)
    )


PRED_ROWS = list(range(0, 400, 20))
out = {
    "sklearn": __import__("sklearn").__version__,
    "splitterSeed": int(np.random.RandomState(0).randint(0, 2**31 - 1)),
    "predRows": PRED_ROWS,
    "trees": [],
    "forests": [],
}

cls_data = [("breast_cancer.csv", "target"), ("iris.csv", "target"), ("wine.csv", "target")]
reg_data = [("diabetes.csv", "target"), ("concrete.csv", "compressive_strength")]
depths = [3, 5, None]

# digits: 17 distinct pixel values, so large nodes take the kernel's per-rank bucket path
for name, target in cls_data + [("digits.csv", "target")] + reg_data:
    X, y = load(name, target)
    classification = (name, target) in cls_data + [("digits.csv", "target")]
    criteria = ["gini", "entropy"] if classification else ["squared_error"]
    rows = [r for r in PRED_ROWS if r < len(y)]
    for crit in criteria:
        for depth in depths:
            Model = DecisionTreeClassifier if classification else DecisionTreeRegressor
            t = Model(criterion=crit, max_depth=depth, random_state=0).fit(X, y)
            stable = all(same_tree(t, Model(criterion=crit, max_depth=depth, random_state=s).fit(X, y)) for s in range(1, 10))
            cv = cross_val_score(Model(criterion=crit, max_depth=depth, random_state=0), X, y, cv=KFold(5))
            pred = t.predict(X[rows])
            entry = {
                "data": name,
                "target": target,
                "task": "classification" if classification else "regression",
                "criterion": crit,
                "maxDepth": depth,
                "stable": bool(stable),
                **tree_summary(t),
                "predRows": rows,
                # classification: index into the sorted classes (= our level order)
                "predictions": [int(np.searchsorted(t.classes_, v)) for v in pred] if classification else [float(v) for v in pred],
                "cvScores": [float(v) for v in cv],
            }
            out["trees"].append(entry)

# Forests: 100 trees, seed 0, 5-fold KFold without shuffle; plus OOB score on the full data.
for name, target in cls_data + reg_data:
    X, y = load(name, target)
    classification = (name, target) in cls_data
    if classification:
        m = RandomForestClassifier(n_estimators=100, random_state=0, n_jobs=2)
        acc = cross_val_score(m, X, y, cv=KFold(5), scoring="accuracy")
        entry = {"data": name, "target": target, "task": "classification", "cvAccuracy": [float(v) for v in acc]}
        if len(np.unique(y)) == 2:
            auc = cross_val_score(m, X, y, cv=KFold(5), scoring="roc_auc")
            entry["cvRocAuc"] = [float(v) for v in auc]
        oob = RandomForestClassifier(n_estimators=100, random_state=0, n_jobs=2, oob_score=True).fit(X, y)
    else:
        m = RandomForestRegressor(n_estimators=100, random_state=0, n_jobs=2)
        r2 = cross_val_score(m, X, y, cv=KFold(5), scoring="r2")
        entry = {"data": name, "target": target, "task": "regression", "cvR2": [float(v) for v in r2]}
        oob = RandomForestRegressor(n_estimators=100, random_state=0, n_jobs=2, oob_score=True).fit(X, y)
    entry["oobScore"] = float(oob.oob_score_)
    entry["featureImportances"] = [float(v) for v in oob.feature_importances_]
    out["forests"].append(entry)

os.makedirs(os.path.join(ROOT, "test", "golden"), exist_ok=True)
with open(os.path.join(ROOT, "test", "golden", "trees.json"), "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
print("wrote test/golden/trees.json:", len(out["trees"]), "trees,", len(out["forests"]), "forests")
