"""scikit-learn peer for bench/synthetic-200k.mjs, on the same binary data (bench/make-classification.py)."""
import os

import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from peer_common import report, seconds

data = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
y = np.fromfile(os.path.join(data, "synth_y.i32"), dtype=np.int32)
# stored column-major: reshape to (p, n) and transpose; copy to the C-contiguous layout sklearn prefers
X = np.ascontiguousarray(np.fromfile(os.path.join(data, "synth_X.f64")).reshape(-1, len(y)).T)
Xtr, Xte, ytr, yte = X[:160_000], X[160_000:], y[:160_000], y[160_000:]

lr, lr_s = seconds(lambda: LogisticRegression().fit(Xtr, ytr))
rf, rf_s = seconds(lambda: RandomForestClassifier(n_estimators=50, n_jobs=2, random_state=0).fit(Xtr, ytr))
pipe = Pipeline([("scale", StandardScaler()), ("model", LogisticRegression())]).fit(Xtr, ytr)
pipe.predict(Xte)
predict_s = min(seconds(lambda: pipe.predict(Xte))[1] for _ in range(5))
report(
    {
        "lrFitS": lr_s,
        "lrAccuracy": float(lr.score(Xte, yte)),
        "rfFitS": rf_s,
        "rfAccuracy": float(rf.score(Xte, yte)),
        "pipePredictS": predict_s,
    }
)
