"""Writes scikit-learn's StratifiedKFold(5, shuffle=True, random_state=0) fold of each churn row to
bench/data/churn_folds.json, so bench/churn-cv.mjs scores exactly the folds its peer scores (our
shuffle uses our own seeded generator, not numpy's, so the same seed gives other folds)."""
import json
import os

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold

here = os.path.dirname(os.path.abspath(__file__))
y = (pd.read_csv(os.path.join(here, "..", "examples", "churn", "wa_churn.csv"))["churn"] == "Yes").to_numpy()
fold = np.zeros(len(y), dtype=int)
for k, (_, test) in enumerate(StratifiedKFold(n_splits=5, shuffle=True, random_state=0).split(np.zeros(len(y)), y)):
    fold[test] = k
os.makedirs(os.path.join(here, "data"), exist_ok=True)
with open(os.path.join(here, "data", "churn_folds.json"), "w") as f:
    json.dump(fold.tolist(), f)
