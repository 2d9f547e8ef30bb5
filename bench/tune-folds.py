"""Writes scikit-learn's folds for bench/tune.mjs to bench/data/tune_folds.json: churn with
StratifiedKFold(5, shuffle=True, random_state=0), Ames with KFold(5, shuffle=True, random_state=0), as the
fold of each row, so mlship's tuner and the scikit-learn peer score exactly the same rows."""
import json
import os

import numpy as np
import pandas as pd
from sklearn.model_selection import KFold, StratifiedKFold

here = os.path.dirname(os.path.abspath(__file__))
churn = pd.read_csv(os.path.join(here, "..", "examples", "churn", "wa_churn.csv"))
ames = pd.read_csv(os.path.join(here, "..", "examples", "ames", "ames.csv"))


def folds(splitter, n, y=None):
    fold = np.zeros(n, dtype=int)
    for k, (_, test) in enumerate(splitter.split(np.zeros(n), y)):
        fold[test] = k
    return fold.tolist()


out = {
    "churn": folds(StratifiedKFold(n_splits=5, shuffle=True, random_state=0), len(churn), churn["churn"] == "Yes"),
    "ames": folds(KFold(n_splits=5, shuffle=True, random_state=0), len(ames)),
}
os.makedirs(os.path.join(here, "data"), exist_ok=True)
with open(os.path.join(here, "data", "tune_folds.json"), "w") as f:
    json.dump(out, f)
