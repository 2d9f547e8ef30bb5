"""Reference values for src/evaluate: metrics and splitters computed by scikit-learn 1.2.1.

Run with Debian's Python (it has scikit-learn 1.2.1, numpy and scipy):

    /usr/bin/python3 scripts/golden/metrics.py

Writes test/golden/metrics.json; test/evaluate/golden.test.ts replays every case. Random inputs are
rounded to 6 decimals so the JSON stays small and both sides parse the very same doubles.
"""

import csv
import json
import os
import warnings

import numpy as np
import sklearn
from sklearn import metrics as M
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs
from sklearn.model_selection import KFold, StratifiedKFold, cross_validate
from sklearn.neighbors import NearestCentroid
from sklearn.preprocessing import label_binarize

assert sklearn.__version__ == "1.2.1", sklearn.__version__
warnings.filterwarnings("ignore")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "test", "golden", "metrics.json")


def num(x):
    """JSON has no NaN/inf: encode them as strings the test decodes."""
    x = float(x)
    if np.isnan(x):
        return "NaN"
    if np.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def ints(a):
    return [int(v) for v in a]


def floats(a):
    return [float(v) for v in np.asarray(a, dtype=float).ravel()]


def round6(a):
    return np.round(np.asarray(a, dtype=float), 6)


def load_fixture(name):
    with open(os.path.join(ROOT, "test", "fixtures", name), newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


# ---------------------------------------------------------------- label metrics


def label_case(name, y_true, y_pred, n_classes, pos_label=1, labels=None):
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    present = sorted(set(y_true.tolist()) | set(y_pred.tolist()))
    binary = len(present) <= 2
    expected = {
        "accuracy": num(M.accuracy_score(y_true, y_pred)),
        "balancedAccuracy": num(M.balanced_accuracy_score(y_true, y_pred)),
        "confusionMatrix": M.confusion_matrix(y_true, y_pred, labels=labels).tolist(),
    }
    for avg in ["macro", "weighted", "micro"] + (["binary"] if binary else []):
        kw = {"average": avg, "zero_division": "warn"}
        if avg == "binary":
            kw["pos_label"] = pos_label
        expected[avg] = {
            "precision": num(M.precision_score(y_true, y_pred, **kw)),
            "recall": num(M.recall_score(y_true, y_pred, **kw)),
            "f1": num(M.f1_score(y_true, y_pred, **kw)),
        }
    report = M.classification_report(y_true, y_pred, output_dict=True)
    expected["report"] = {k: (num(v) if not isinstance(v, dict) else {a: num(b) for a, b in v.items()})
                          for k, v in report.items()}
    expected["reportText"] = M.classification_report(y_true, y_pred)
    expected["reportText4"] = M.classification_report(y_true, y_pred, digits=4)
    case = {"name": name, "yTrue": ints(y_true), "yPred": ints(y_pred), "nClasses": n_classes,
            "posLabel": pos_label, "expected": expected}
    if labels is not None:
        case["labels"] = ints(labels)
    return case


def report_subset_cases():
    """classification_report restricted to some classes: a "micro avg" row replaces "accuracy"."""
    r = np.random.default_rng(150)
    y = r.integers(0, 4, 70)
    pred = np.where(r.random(70) < 0.4, r.integers(0, 4, 70), y)
    cases = []
    for labels in ([0, 2], [3, 1, 0], [0, 1, 2, 3]):
        cases.append({"yTrue": ints(y), "yPred": ints(pred), "labels": labels,
                      "text": M.classification_report(y, pred, labels=labels, digits=3),
                      "names": ["class %d" % v for v in labels],
                      "namedText": M.classification_report(y, pred, labels=labels,
                                                           target_names=["class %d" % v for v in labels])})
    return cases


def label_cases():
    cases = []
    rng = np.random.default_rng(1)
    for seed, (n, k) in enumerate([(40, 2), (120, 2), (7, 2), (90, 3), (150, 4), (60, 5), (300, 3)]):
        r = np.random.default_rng(100 + seed)
        y = r.integers(0, k, n)
        noisy = np.where(r.random(n) < 0.35, r.integers(0, k, n), y)
        cases.append(label_case(f"random n={n} k={k}", y, noisy, k, labels=list(range(k))[::-1]))
    y = rng.integers(0, 3, 50)
    cases.append(label_case("constant prediction multiclass", y, np.full(50, 1), 3))
    y = rng.integers(0, 2, 30)
    cases.append(label_case("constant prediction binary (negative)", y, np.zeros(30, int), 2))
    cases.append(label_case("constant prediction binary, pos_label=0", y, np.ones(30, int), 2, pos_label=0))
    y = rng.integers(0, 4, 80)
    pred = np.where(y == 2, 0, y)  # class 2 never predicted
    cases.append(label_case("class never predicted", y, pred, 4))
    y = rng.integers(0, 3, 40)
    cases.append(label_case("perfect predictions", y, y.copy(), 3))
    y = rng.integers(0, 2, 25)
    pred = np.where(rng.random(25) < 0.2, 2, y)  # predicts a class absent from y_true
    cases.append(label_case("prediction outside y_true classes", y, pred, 3))
    cases.append(label_case("only negatives in y_true and y_pred", np.zeros(10, int), np.zeros(10, int), 2))
    cases.append(label_case("single sample", np.array([1]), np.array([0]), 2))
    y = np.array([0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3])
    pred = np.array([0, 0, 1, 3, 1, 1, 2, 0, 3, 3, 3, 3, 0, 3, 3, 1])
    cases.append(label_case("present labels skip an unused code", y * 2, pred * 2, 7))
    return cases


# ---------------------------------------------------------------- ranking and probabilistic metrics


def binary_score_case(name, y, s, pos_label=1):
    y = np.asarray(y)
    s = np.asarray(s, dtype=float)
    expected = {"averagePrecision": num(M.average_precision_score(y == pos_label, s))}
    if len(np.unique(y)) == 2:
        expected["rocAuc"] = num(M.roc_auc_score(y == pos_label, s))
    return {"name": name, "yTrue": ints(y), "scores": floats(s), "posLabel": pos_label, "expected": expected}


def binary_score_cases():
    cases = []
    for seed, n in enumerate([30, 100, 250, 8]):
        r = np.random.default_rng(200 + seed)
        y = r.integers(0, 2, n)
        s = round6(r.random(n) + 0.6 * y)
        cases.append(binary_score_case(f"random n={n}", y, s))
        cases.append(binary_score_case(f"random n={n}, pos_label=0", y, s, pos_label=0))
        cases.append(binary_score_case(f"tied scores n={n}", y, np.round(r.random(n) + 0.3 * y, 1)))
    r = np.random.default_rng(210)
    y = r.integers(0, 2, 40)
    cases.append(binary_score_case("all scores equal", y, np.full(40, 0.5)))
    cases.append(binary_score_case("perfect separation", y, y + round6(r.random(40)) * 0.5))
    cases.append(binary_score_case("perfectly wrong", y, -y + round6(r.random(40)) * 0.5))
    cases.append(binary_score_case("no positives (AP only)", np.zeros(12, int), round6(r.random(12))))
    cases.append(binary_score_case("scores 0 and 1 only", y, r.integers(0, 2, 40).astype(float)))
    return cases


def softmax_rows(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def proba_case(name, y, p, labels):
    y = np.asarray(y)
    p = np.asarray(p, dtype=float)
    k = p.shape[1]
    expected = {"logLoss": num(M.log_loss(y, p, labels=labels))}
    if k > 2 and len(np.unique(y)) == k and np.allclose(1, p.sum(axis=1)):
        expected["rocAucOvrMacro"] = num(M.roc_auc_score(y, p, multi_class="ovr", average="macro"))
        expected["rocAucOvrWeighted"] = num(M.roc_auc_score(y, p, multi_class="ovr", average="weighted"))
        expected["averagePrecisionOvrMacro"] = num(
            M.average_precision_score(label_binarize(y, classes=labels), p, average="macro"))
    if k == 2:
        expected["brier"] = num(M.brier_score_loss(y, p[:, 1], pos_label=1))
        expected["brierPos0"] = num(M.brier_score_loss(y, p[:, 0], pos_label=0))
        if len(np.unique(y)) == 2:
            expected["rocAuc"] = num(M.roc_auc_score(y, p[:, 1]))
    return {"name": name, "yTrue": ints(y), "proba": floats(p), "nClasses": k, "expected": expected}


def proba_cases():
    cases = []
    for seed, (n, k) in enumerate([(50, 2), (200, 2), (80, 3), (150, 4), (40, 6)]):
        r = np.random.default_rng(300 + seed)
        y = r.integers(0, k, n)
        z = r.normal(size=(n, k))
        z[np.arange(n), y] += 1.2
        cases.append(proba_case(f"softmax n={n} k={k}", y, round6(softmax_rows(z)), list(range(k))))
    r = np.random.default_rng(320)
    # ties: few distinct probability rows sampled with replacement, rows still sum to 1
    distinct = softmax_rows(r.normal(size=(5, 3)))
    rows = r.integers(0, 5, 60)
    y = r.integers(0, 3, 60)
    cases.append(proba_case("tied probability rows k=3", y, round6(distinct[rows]), [0, 1, 2]))
    # probabilities exactly 0 and 1, including confident mistakes (clipped by eps)
    y = np.array([0, 1, 1, 0, 1, 0, 1, 1])
    p1 = np.array([0.0, 1.0, 0.0, 1.0, 0.5, 0.0, 1.0, 0.25])
    cases.append(proba_case("binary probabilities at 0 and 1", y, np.column_stack([1 - p1, p1]), [0, 1]))
    y = np.array([0, 1, 2, 2, 1, 0])
    p = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0], [0.2, 0.8, 0], [0, 0.5, 0.5]], dtype=float)
    cases.append(proba_case("multiclass one-hot probabilities", y, p, [0, 1, 2]))
    # y_true misses class 2: log loss with explicit labels still uses all columns
    y = r.integers(0, 2, 30)
    cases.append(proba_case("y_true lacks a class", y, round6(softmax_rows(r.normal(size=(30, 3)))), [0, 1, 2]))
    # rows that do not sum to 1 are renormalised after clipping
    y = r.integers(0, 3, 20)
    cases.append(proba_case("unnormalised rows", y, round6(r.random((20, 3))), [0, 1, 2]))
    return cases


# ---------------------------------------------------------------- regression


def regression_case(name, y, p):
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    return {
        "name": name,
        "yTrue": floats(y),
        "yPred": floats(p),
        "expected": {
            "mae": num(M.mean_absolute_error(y, p)),
            "mse": num(M.mean_squared_error(y, p)),
            "rmse": num(M.mean_squared_error(y, p, squared=False)),
            "r2": num(M.r2_score(y, p)),
            "mape": num(M.mean_absolute_percentage_error(y, p)),
        },
    }


def regression_cases():
    cases = []
    for seed, n in enumerate([10, 100, 500]):
        r = np.random.default_rng(400 + seed)
        y = round6(r.normal(50, 20, n))
        cases.append(regression_case(f"random n={n}", y, round6(y + r.normal(0, 8, n))))
    r = np.random.default_rng(410)
    y = round6(r.normal(0, 1, 40))
    y[::5] = 0.0
    cases.append(regression_case("zeros in y_true (MAPE eps guard)", y, round6(y + r.normal(0, 0.3, 40))))
    cases.append(regression_case("perfect predictions", y, y.copy()))
    cases.append(regression_case("constant y_true, imperfect", np.full(12, 3.5), round6(r.normal(3.5, 1, 12))))
    cases.append(regression_case("constant y_true, perfect", np.full(12, 3.5), np.full(12, 3.5)))
    cases.append(regression_case("single sample (r2 undefined)", [2.0], [1.5]))
    # the mean of a constant 0.1 is not exactly 0.1 in NumPy's summation order: R² depends on matching it
    cases.append(regression_case("constant 0.1 y_true, imperfect", np.full(37, 0.1), round6(r.normal(0.1, 0.01, 37))))
    cases.append(regression_case("constant 0.1 y_true, perfect", np.full(37, 0.1), np.full(37, 0.1)))
    cases.append(regression_case("worse than the mean", round6(r.normal(0, 1, 30)), round6(r.normal(0, 3, 30))))
    return cases


# ---------------------------------------------------------------- clustering


def cluster_case(name, X, labels, fixture=None):
    X = np.asarray(X, dtype=float)
    labels = np.asarray(labels)
    case = {"name": name, "labels": ints(labels), "expected": {
        "silhouette": num(M.silhouette_score(X, labels)),
        "daviesBouldin": num(M.davies_bouldin_score(X, labels)),
    }}
    if fixture is None:
        case["X"] = [floats(row) for row in X]
    else:
        case["fixture"] = fixture
    return case


def fixture_matrix(name, target):
    header, rows = load_fixture(name)
    keep = [j for j, h in enumerate(header) if h != target]
    X = np.array([[float(r[j]) for j in keep] for r in rows])
    t = [r[header.index(target)] for r in rows]
    levels = sorted(set(t))
    return X, np.array([levels.index(v) for v in t])


def cluster_cases():
    cases = []
    for seed, (n, k, d) in enumerate([(60, 3, 2), (150, 4, 5), (400, 5, 3)]):
        X, lab = make_blobs(n_samples=n, centers=k, n_features=d, random_state=500 + seed)
        X = round6(X)
        cases.append(cluster_case(f"blobs n={n} k={k} d={d}", X, lab))
    r = np.random.default_rng(510)
    X = round6(r.normal(size=(50, 3)))
    cases.append(cluster_case("random labels", X, r.integers(0, 3, 50)))
    lab = r.integers(0, 3, 30)
    lab[7] = 3  # a singleton cluster scores 0 in the silhouette
    cases.append(cluster_case("singleton cluster", round6(r.normal(size=(30, 2))), lab))
    X = np.repeat(round6(r.normal(size=(4, 2))), 3, axis=0)
    cases.append(cluster_case("duplicated points", X, np.array([0, 0, 0, 1, 1, 1, 0, 0, 0, 2, 2, 2])))
    cases.append(cluster_case("non-contiguous label ids", round6(r.normal(size=(20, 2))), r.choice([1, 4, 6], 20)))
    X, target = fixture_matrix("iris.csv", "target")
    cases.append(cluster_case("iris, true species", X, target, fixture={"file": "iris.csv", "drop": "target"}))
    km = KMeans(n_clusters=3, n_init=10, random_state=0).fit(X)
    cases.append(cluster_case("iris, k-means k=3", X, km.labels_, fixture={"file": "iris.csv", "drop": "target"}))
    X, target = fixture_matrix("wine.csv", "target")
    cases.append(cluster_case("wine, true classes", X, target, fixture={"file": "wine.csv", "drop": "target"}))
    X, target = fixture_matrix("digits.csv", "target")
    cases.append(cluster_case("digits, true digits", X, target, fixture={"file": "digits.csv", "drop": "target"}))
    return cases


# ---------------------------------------------------------------- the high-level score() on string labels


def score_cases():
    cases = []
    r = np.random.default_rng(600)
    classes = ["No", "Yes"]
    n = 80
    y = r.integers(0, 2, n)
    z = r.normal(size=(n, 2))
    z[np.arange(n), y] += 1.0
    p = round6(softmax_rows(z))
    pred = p.argmax(axis=1)
    yt = np.array(classes)[y]
    yp = np.array(classes)[pred]
    pos = p[:, 1]
    cases.append({
        "name": "binary strings, positive Yes", "task": "binary", "classes": classes, "positiveClass": "Yes",
        "yTrue": yt.tolist(), "yPred": yp.tolist(), "proba": floats(p),
        "expected": {
            "accuracy": num(M.accuracy_score(yt, yp)),
            "balanced_accuracy": num(M.balanced_accuracy_score(yt, yp)),
            "precision": num(M.precision_score(yt, yp, pos_label="Yes")),
            "recall": num(M.recall_score(yt, yp, pos_label="Yes")),
            "f1": num(M.f1_score(yt, yp, pos_label="Yes")),
            "f1_macro": num(M.f1_score(yt, yp, average="macro")),
            "f1_weighted": num(M.f1_score(yt, yp, average="weighted")),
            "roc_auc": num(M.roc_auc_score(yt == "Yes", pos)),
            "roc_auc_ovr": num(M.roc_auc_score(yt == "Yes", pos)),
            "average_precision": num(M.average_precision_score(yt == "Yes", pos)),
            "log_loss": num(M.log_loss(yt, p, labels=classes)),
            "brier": num(M.brier_score_loss(yt, pos, pos_label="Yes")),
        },
    })
    # positive class "No": the first level
    cases.append({
        "name": "binary strings, positive No", "task": "binary", "classes": classes, "positiveClass": "No",
        "yTrue": yt.tolist(), "yPred": yp.tolist(), "proba": floats(p),
        "expected": {
            "precision": num(M.precision_score(yt, yp, pos_label="No")),
            "recall": num(M.recall_score(yt, yp, pos_label="No")),
            "f1": num(M.f1_score(yt, yp, pos_label="No")),
            "roc_auc": num(M.roc_auc_score(yt == "No", p[:, 0])),
            "average_precision": num(M.average_precision_score(yt == "No", p[:, 0])),
            "brier": num(M.brier_score_loss(yt, p[:, 0], pos_label="No")),
            "log_loss": num(M.log_loss(yt, p, labels=classes)),
        },
    })
    classes = ["setosa", "versicolor", "virginica"]
    n = 90
    y = r.integers(0, 3, n)
    z = r.normal(size=(n, 3))
    z[np.arange(n), y] += 1.0
    p = round6(softmax_rows(z))
    pred = p.argmax(axis=1)
    yt = np.array(classes)[y]
    yp = np.array(classes)[pred]
    cases.append({
        "name": "multiclass strings", "task": "multiclass", "classes": classes,
        "yTrue": yt.tolist(), "yPred": yp.tolist(), "proba": floats(p),
        "expected": {
            "accuracy": num(M.accuracy_score(yt, yp)),
            "balanced_accuracy": num(M.balanced_accuracy_score(yt, yp)),
            "precision": num(M.precision_score(yt, yp, average="macro")),
            "recall": num(M.recall_score(yt, yp, average="macro")),
            "f1": num(M.f1_score(yt, yp, average="macro")),
            "f1_macro": num(M.f1_score(yt, yp, average="macro")),
            "f1_weighted": num(M.f1_score(yt, yp, average="weighted")),
            "roc_auc": num(M.roc_auc_score(yt, p, multi_class="ovr")),
            "roc_auc_ovr": num(M.roc_auc_score(yt, p, multi_class="ovr")),
            "average_precision": num(M.average_precision_score(label_binarize(yt, classes=classes), p)),
            "log_loss": num(M.log_loss(yt, p, labels=classes)),
        },
    })
    y = round6(r.normal(10, 3, 60))
    pr = round6(y + r.normal(0, 1, 60))
    cases.append({
        "name": "regression", "task": "regression", "yTrue": floats(y), "values": floats(pr),
        "expected": {
            "mae": num(M.mean_absolute_error(y, pr)),
            "mse": num(M.mean_squared_error(y, pr)),
            "rmse": num(M.mean_squared_error(y, pr, squared=False)),
            "r2": num(M.r2_score(y, pr)),
            "mape": num(M.mean_absolute_percentage_error(y, pr)),
        },
    })
    X, lab = make_blobs(n_samples=45, centers=3, n_features=2, random_state=601)
    X = round6(X)
    cases.append({
        "name": "clustering", "task": "clustering", "X": [floats(row) for row in X],
        "clusterLabels": [str(v) for v in lab],
        "expected": {
            "silhouette": num(M.silhouette_score(X, lab)),
            "davies_bouldin": num(M.davies_bouldin_score(X, lab)),
        },
    })
    return cases


# ---------------------------------------------------------------- splitters without shuffling


def split_cases():
    kfold = []
    for n, k in [(10, 3), (11, 5), (7, 7), (100, 4), (23, 6)]:
        folds = [ints(test) for _, test in KFold(n_splits=k).split(np.zeros(n))]
        kfold.append({"n": n, "nSplits": k, "tests": folds})
    strat = []
    r = np.random.default_rng(700)
    ys = [
        r.integers(0, 2, 30),
        r.integers(0, 3, 47),
        np.array([2] * 9 + [0] * 4 + [1] * 7 + [0] * 3),
        np.where(r.random(101) < 0.1, 1, 0),
        r.integers(0, 5, 64),
    ]
    for y, k in zip(ys, [3, 5, 3, 5, 4]):
        folds = [ints(test) for _, test in StratifiedKFold(n_splits=k).split(np.zeros(len(y)), y)]
        strat.append({"y": ints(y), "nSplits": k, "tests": folds})
    return {"kfold": kfold, "stratifiedKFold": strat}


def cross_validate_cases():
    """NearestCentroid under sklearn's default cv (StratifiedKFold(5), no shuffle), which our splitter
    reproduces exactly, so the per-fold scores of the test's nearest-centroid fixture must match."""
    cases = []
    for name in ["iris.csv", "wine.csv"]:
        header, rows = load_fixture(name)
        keep = [j for j, h in enumerate(header) if h != "target"]
        X = np.array([[float(r[j]) for j in keep] for r in rows])
        y = np.array([r[header.index("target")] for r in rows])
        scoring = ["accuracy", "balanced_accuracy", "f1_macro", "f1_weighted"]
        res = cross_validate(NearestCentroid(), X, y, cv=5, scoring=scoring)
        cases.append({"fixture": name, "target": "target", "nSplits": 5,
                      "scores": {m: floats(res["test_" + m]) for m in scoring}})
    return cases


def formatting_cases():
    """Python's fixed-point formatting (exact ties round to even), as used by the report text."""
    values = [0.125, 0.375, 0.625, 0.875, 0.5, 1.5, 2.5, 0.0625, 0.3125, 0.005, 0.015, 0.025, 0.045, 1 / 3,
              2 / 3, 0.999, 0.995, 0.9949999, 0.0, 1.0, 0.12345, 0.5625, 0.6875]
    return [{"x": v, "digits": d, "text": "{:.{d}f}".format(v, d=d)} for v in values for d in [0, 1, 2, 3, 4]]


def main():
    data = {
        "generator": "scripts/golden/metrics.py",
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "labels": label_cases(),
        "reportSubsets": report_subset_cases(),
        "binaryScores": binary_score_cases(),
        "proba": proba_cases(),
        "regression": regression_cases(),
        "clustering": cluster_cases(),
        "score": score_cases(),
        "splits": split_cases(),
        "formatting": formatting_cases(),
        "crossValidate": cross_validate_cases(),
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(data, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {OUT} ({os.path.getsize(OUT)} bytes)")


if __name__ == "__main__":
    main()
