"""Golden values for src/models/linear: sklearn 1.2 linear models on the test fixtures.

Run with Debian's Python (it has scikit-learn): /usr/bin/python3 scripts/golden/linear.py
Writes test/golden/linear.json. X is standardised over the whole fixture with StandardScaler
(population std), which the TypeScript test recomputes, so the JSON holds no feature data.
"""

import csv
import json
import os
import warnings

import numpy as np
import sklearn
from sklearn.linear_model import ElasticNet, Lasso, LinearRegression, LogisticRegression, Ridge
from sklearn.metrics import r2_score, roc_auc_score
from sklearn.model_selection import KFold
from sklearn.preprocessing import StandardScaler

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
FIXTURES = os.path.join(ROOT, "test", "fixtures")
HEAD = 20


def load(name, target):
    with open(os.path.join(FIXTURES, name), newline="") as f:
        rows = list(csv.reader(f))
    header, rows = rows[0], rows[1:]
    t = header.index(target)
    y = np.array([r[t] for r in rows])
    X = np.array([[float(v) for j, v in enumerate(r) if j != t] for r in rows])
    return StandardScaler().fit_transform(X), y


def cv(make, X, y, classification):
    scores = {"accuracy": [], "rocAuc": []} if classification else {"r2": []}
    for train, test in KFold(n_splits=5).split(X):
        m = make().fit(X[train], y[train])
        if classification:
            scores["accuracy"].append(m.score(X[test], y[test]))
            if len(m.classes_) == 2:
                scores["rocAuc"].append(roc_auc_score(y[test], m.predict_proba(X[test])[:, 1]))
        else:
            scores["r2"].append(r2_score(y[test], m.predict(X[test])))
    return {k: v for k, v in scores.items() if v}


def regression_case(name, fixture, target, make, columns=None, extra_column=False):
    X, y = load(fixture, target)
    y = y.astype(float)
    if columns is not None:
        X = X[:, columns]
    if extra_column:
        # A collinear copy: rank-deficient, so lstsq returns the minimum-norm solution.
        X = np.column_stack([X, 2 * X[:, 0]])
    m = make().fit(X, y)
    out = {
        "name": name,
        "fixture": fixture,
        "target": target,
        "columns": columns,
        "duplicateFirstColumn": extra_column,
        "coef": m.coef_.tolist(),
        "intercept": float(m.intercept_),
        "predictHead": m.predict(X[:HEAD]).tolist(),
        "cv": cv(make, X, y, False),
    }
    if getattr(m, "n_iter_", None) is not None:
        out["nIter"] = int(m.n_iter_)
    return out


def classification_case(name, fixture, target, make, columns=None):
    X, y = load(fixture, target)
    if columns is not None:
        X = X[:, columns]
    m = make().fit(X, y)
    out = {
        "name": name,
        "fixture": fixture,
        "target": target,
        "columns": columns,
        "classes": m.classes_.tolist(),
        "coef": m.coef_.tolist(),
        "intercept": m.intercept_.tolist(),
        "nIter": int(m.n_iter_[0]),
        "probaHead": m.predict_proba(X[:HEAD]).tolist(),
        "predictHead": m.predict(X[:HEAD]).tolist(),
        "cv": cv(make, X, y, True),
    }
    return out


def main():
    warnings.simplefilter("error")
    reg = [
        regression_case("ols diabetes", "diabetes.csv", "target", LinearRegression),
        regression_case("ols concrete", "concrete.csv", "compressive_strength", LinearRegression),
        regression_case(
            "ols diabetes rank-deficient", "diabetes.csv", "target", LinearRegression, extra_column=True
        ),
        regression_case(
            "ols diabetes no intercept", "diabetes.csv", "target", lambda: LinearRegression(fit_intercept=False)
        ),
        regression_case("ridge diabetes", "diabetes.csv", "target", Ridge),
        regression_case("ridge concrete alpha=10", "concrete.csv", "compressive_strength", lambda: Ridge(alpha=10)),
        regression_case("lasso diabetes alpha=0.5", "diabetes.csv", "target", lambda: Lasso(alpha=0.5)),
        regression_case("lasso concrete", "concrete.csv", "compressive_strength", Lasso),
        regression_case(
            "elasticNet diabetes alpha=0.1", "diabetes.csv", "target", lambda: ElasticNet(alpha=0.1, l1_ratio=0.5)
        ),
        regression_case(
            "elasticNet concrete alpha=0.05 l1Ratio=0.8",
            "concrete.csv",
            "compressive_strength",
            lambda: ElasticNet(alpha=0.05, l1_ratio=0.8),
        ),
    ]
    clf = [
        classification_case("logistic breast_cancer", "breast_cancer.csv", "target", LogisticRegression),
        classification_case(
            "logistic breast_cancer C=0.1 balanced",
            "breast_cancer.csv",
            "target",
            lambda: LogisticRegression(C=0.1, class_weight="balanced"),
        ),
        classification_case(
            "logistic breast_cancer weights {0: 3, 1: 0.5}",
            "breast_cancer.csv",
            "target",
            lambda: LogisticRegression(class_weight={"0": 3.0, "1": 0.5}),
        ),
        classification_case(
            "logistic breast_cancer penalty=none two features",
            "breast_cancer.csv",
            "target",
            lambda: LogisticRegression(penalty=None),
            columns=[0, 1],
        ),
        classification_case("logistic iris", "iris.csv", "target", LogisticRegression),
        classification_case(
            "logistic wine C=0.5 balanced",
            "wine.csv",
            "target",
            lambda: LogisticRegression(C=0.5, class_weight="balanced"),
        ),
    ]
    out = {"sklearn": sklearn.__version__, "head": HEAD, "regression": reg, "classification": clf}
    path = os.path.join(ROOT, "test", "golden", "linear.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
