"""Writes scikit-learn's CV fold of every row, so a benchmark scores exactly the folds its peer scores (our
shuffles use our own seeded generator, not numpy's, so the same seed gives other folds):
  bench/data/diamonds_folds.json: KFold(5, shuffle=True, random_state=0) over bench/datasets/diamonds.csv.
(bench/churn-folds.py does the same for the churn data with StratifiedKFold.)"""
import json
import os

import numpy as np
import pandas as pd
from sklearn.model_selection import KFold

here = os.path.dirname(os.path.abspath(__file__))
n = len(pd.read_csv(os.path.join(here, "datasets", "diamonds.csv")))
fold = np.zeros(n, dtype=int)
for k, (_, test) in enumerate(KFold(5, shuffle=True, random_state=0).split(np.zeros(n))):
    fold[test] = k
os.makedirs(os.path.join(here, "data"), exist_ok=True)
with open(os.path.join(here, "data", "diamonds_folds.json"), "w") as f:
    json.dump(fold.tolist(), f)
