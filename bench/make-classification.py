"""Writes scikit-learn's make_classification(n_samples=200_000, n_features=30, n_informative=15,
random_state=0) to bench/data/ as synth_X.f64 (float64, column-major) and synth_y.i32, read by both the
synthetic-200k benchmark and its scikit-learn peer. Run with Debian's /usr/bin/python3."""
import os

import numpy as np
from sklearn.datasets import make_classification

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
os.makedirs(out, exist_ok=True)
X, y = make_classification(n_samples=200_000, n_features=30, n_informative=15, random_state=0)
# tofile writes C order, so the transpose lands column-major: one contiguous run per feature
X.T.astype(np.float64).tofile(os.path.join(out, "synth_X.f64"))
y.astype(np.int32).tofile(os.path.join(out, "synth_y.i32"))
print(f"wrote {X.shape[0]} x {X.shape[1]} to {out}")
