"""scikit-learn 1.2 and xgboost 1.7 peers for bench/hgb-synthetic.mjs, on the same data
(bench/make-classification.py), 2 threads: HistGradientBoostingClassifier(max_iter=100,
early_stopping=False), and XGBClassifier(tree_method="hist", n_estimators=100, n_jobs=2) with its
defaults otherwise (depth 6, learning rate 0.3)."""
import os
import resource
import time

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from threadpoolctl import threadpool_limits

from peer_common import report, seconds

data = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
y = np.fromfile(os.path.join(data, "synth_y.i32"), dtype=np.int32)
X = np.ascontiguousarray(np.fromfile(os.path.join(data, "synth_X.f64")).reshape(-1, len(y)).T)
Xtr, Xte, ytr, yte = X[:160_000], X[160_000:], y[:160_000], y[160_000:]

metrics = {}
with threadpool_limits(2):
    cpu = time.process_time()
    model, fit_s = seconds(lambda: HistGradientBoostingClassifier(max_iter=100, early_stopping=False).fit(Xtr, ytr))
    metrics["fitCpuS"] = time.process_time() - cpu
    metrics["fitS"] = fit_s
    metrics["accuracy"] = float(model.score(Xte, yte))
    model.predict_proba(Xte)
    metrics["predictS"] = min(seconds(lambda: model.predict_proba(Xte))[1] for _ in range(5))
try:
    from xgboost import XGBClassifier

    xgb, xgb_s = seconds(lambda: XGBClassifier(tree_method="hist", n_estimators=100, n_jobs=2).fit(Xtr, ytr))
    metrics["xgbFitS"] = xgb_s
    metrics["xgbAccuracy"] = float((xgb.predict(Xte) == yte).mean())
except ImportError:
    pass
report(metrics)
