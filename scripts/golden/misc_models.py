"""Golden values for k-nearest neighbours, Gaussian naive Bayes, k-means and dummy baselines (scikit-learn 1.2.1).

Run with Debian's Python: /usr/bin/python3 scripts/golden/misc_models.py  ->  test/golden/misc_models.json

kNN features are standardised over the whole data set (population std); the held-out rows are those with
index % 4 == 0. kNN uses algorithm="brute" on one thread: sklearn's brute search then visits training rows
in index order through one bounded heap, which is the tie-breaking mlship reproduces (with several threads
sklearn merges per-thread heaps and exact ties can resolve differently). Class predictions are stored as
indices into the sorted class labels (sklearn's classes_, mlship's level order).
"""
import csv
import json
import os

import numpy as np
from sklearn.cluster import KMeans
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.model_selection import KFold, cross_val_score
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from threadpoolctl import threadpool_limits

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


def standardise(X):
    return (X - X.mean(axis=0)) / X.std(axis=0)


def holdout(n):
    test = np.arange(n) % 4 == 0
    return ~test, test


CLASSIFICATION = [("iris.csv", "target"), ("wine.csv", "target"), ("breast_cancer.csv", "target")]
REGRESSION = [("diabetes.csv", "target"), ("concrete.csv", "compressive_strength")]
SETTINGS = [(w, p) for w in ("uniform", "distance") for p in (1, 2)]


def knn():
    out = {"classification": {}, "regression": {}}
    for name, target in CLASSIFICATION:
        X, y = load(name, target)
        X = standardise(X)
        tr, te = holdout(len(y))
        runs = []
        for w, p in SETTINGS:
            m = KNeighborsClassifier(weights=w, p=p, algorithm="brute").fit(X[tr], y[tr])
            pred = m.predict(X[te])
            runs.append({
                "weights": w,
                "p": p,
                "predict": [int(np.searchsorted(m.classes_, v)) for v in pred],
                "proba": m.predict_proba(X[te]).tolist(),
                "cv": cross_val_score(KNeighborsClassifier(weights=w, p=p, algorithm="brute"), X, y, cv=KFold(5)).tolist(),
            })
        out["classification"][name] = runs
    for name, target in REGRESSION:
        X, y = load(name, target)
        X = standardise(X)
        tr, te = holdout(len(y))
        runs = []
        for w, p in SETTINGS:
            m = KNeighborsRegressor(weights=w, p=p, algorithm="brute").fit(X[tr], y[tr])
            runs.append({
                "weights": w,
                "p": p,
                "predict": m.predict(X[te]).tolist(),
                "cv": cross_val_score(KNeighborsRegressor(weights=w, p=p, algorithm="brute"), X, y, cv=KFold(5)).tolist(),
            })
        out["regression"][name] = runs
    return out


def gaussian_nb():
    out = {}
    for name, target in CLASSIFICATION:
        X, y = load(name, target)
        tr, te = holdout(len(y))
        m = GaussianNB().fit(X[tr], y[tr])
        out[name] = {
            "theta": m.theta_.tolist(),
            "var": m.var_.tolist(),
            "classPrior": m.class_prior_.tolist(),
            "epsilon": float(m.epsilon_),
            "proba": m.predict_proba(X[te]).tolist(),
            "predict": [int(np.searchsorted(m.classes_, v)) for v in m.predict(X[te])],
        }
    X, y = load("iris.csv", "target")
    tr, te = holdout(len(y))
    m = GaussianNB(priors=[0.2, 0.3, 0.5], var_smoothing=1e-3).fit(X[tr], y[tr])
    out["iris.csv priors"] = {
        "theta": m.theta_.tolist(),
        "var": m.var_.tolist(),
        "classPrior": m.class_prior_.tolist(),
        "epsilon": float(m.epsilon_),
        "proba": m.predict_proba(X[te]).tolist(),
        "predict": [int(np.searchsorted(m.classes_, v)) for v in m.predict(X[te])],
    }
    return out


def kmeans():
    out = {}
    for name, target, k, std in [("iris.csv", "target", 3, False), ("wine.csv", "target", 3, True)]:
        X, _ = load(name, target)
        if std:
            X = standardise(X)
        m = KMeans(n_clusters=k, n_init=10, random_state=0).fit(X)
        # The best inertia over many seeds: what a good run converges to.
        best = min(KMeans(n_clusters=k, n_init=10, random_state=s).fit(X).inertia_ for s in range(10))
        out[name] = {
            "nClusters": k,
            "standardised": std,
            "inertia": float(m.inertia_),
            "bestInertia": float(best),
            "labels": m.labels_.tolist(),
            "clusterCenters": m.cluster_centers_.tolist(),
        }
    return out


def dummy():
    X, y = load("iris.csv", "target")
    # Unbalanced training part so the strategies differ.
    tr = np.arange(len(y)) % 4 != 0
    tr[100:130] = False
    te = ~tr
    clf = {}
    for strategy, extra in [("prior", {}), ("most_frequent", {}), ("constant", {"constant": "virginica"}), ("uniform", {})]:
        m = DummyClassifier(strategy=strategy, **extra).fit(X[tr], y[tr])
        clf[strategy] = {
            "proba": m.predict_proba(X[te]).tolist(),
            "score": float(m.score(X[te], y[te])),
            "classPrior": m.class_prior_.tolist(),
        }
        if strategy != "uniform":
            clf[strategy]["predict"] = [int(np.searchsorted(m.classes_, v)) for v in m.predict(X[te])]
    X, y = load("diabetes.csv", "target")
    tr, te = holdout(len(y))
    reg = {}
    for key, kw in [
        ("mean", {"strategy": "mean"}),
        ("median", {"strategy": "median"}),
        ("median odd", {"strategy": "median"}),
        ("quantile 0.3", {"strategy": "quantile", "quantile": 0.3}),
        ("quantile 0.75", {"strategy": "quantile", "quantile": 0.75}),
        ("quantile 0.9", {"strategy": "quantile", "quantile": 0.9}),
        ("constant", {"strategy": "constant", "constant": 100.0}),
    ]:
        rows = np.where(tr)[0][:-1] if key == "median odd" else np.where(tr)[0]
        m = DummyRegressor(**kw).fit(X[rows], y[rows])
        reg[key] = {"nTrain": int(len(rows)), "constant": float(m.constant_.ravel()[0]), "score": float(m.score(X[te], y[te]))}
    return {"classifier": clf, "regressor": reg}


def main():
    with threadpool_limits(1):
        out = {
            "sklearn": __import__("sklearn").__version__,
            "knn": knn(),
            "gaussianNB": gaussian_nb(),
            "kMeans": kmeans(),
            "dummy": dummy(),
        }
    path = os.path.join(ROOT, "test", "golden", "misc_models.json")
    with open(path, "w") as f:
        json.dump(out, f)
        f.write("\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
