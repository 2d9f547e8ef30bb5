"""scikit-learn peer for bench/tune.mjs: HistGradientBoostingClassifier() and HistGradientBoostingRegressor()
with their defaults (learning rate 0.1, 100 iterations, 31 leaves, 20 rows per leaf, no L2, early stopping
off below 10,000 rows), random_state 0..2, on the folds of bench/data/tune_folds.json, with the same
preparation as mlship's default (median impute for numbers; most-frequent impute and one-hot for the
rest, dense). The default's score is reported under every key the tuned rows compare against."""
import json
import os

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.impute import SimpleImputer
from sklearn.model_selection import PredefinedSplit, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

from peer_common import report, seconds

here = os.path.dirname(os.path.abspath(__file__))
folds = json.load(open(os.path.join(here, "data", "tune_folds.json")))
# TUNE_SEEDS in bench/tune.mjs, with the same override for quick checks
SEEDS = [int(s) for s in os.environ.get("MLSHIP_BENCH_TUNE_SEEDS", "0,1,2,3,4,5,6,7,8,9").split(",")]


def prep(df):
    num = [c for c in df.columns if df[c].dtype.kind in "if"]
    cat = [c for c in df.columns if c not in num]
    return ColumnTransformer(
        [
            ("num", SimpleImputer(strategy="median"), num),
            ("cat", Pipeline([("impute", SimpleImputer(strategy="most_frequent")), ("encode", OneHotEncoder(handle_unknown="ignore", sparse_output=False))]), cat),
        ]
    )


def defaults(df, y, model, fold, scoring):
    pipe = Pipeline([("prep", prep(df)), ("model", model)])
    return float(np.mean(cross_val_score(pipe, df, y, cv=PredefinedSplit(fold), scoring=scoring, n_jobs=1)))


churn = pd.read_csv(os.path.join(here, "..", "examples", "churn", "wa_churn.csv"))
yc = (churn.pop("churn") == "Yes").astype(int).to_numpy()
ames = pd.read_csv(os.path.join(here, "..", "examples", "ames", "ames.csv"))
ya = ames.pop("Sale_Price").to_numpy(dtype=float)

out = {}
for key, df, y, make, fold, scoring in [
    ("churn", churn, yc, lambda s: HistGradientBoostingClassifier(random_state=s), folds["churn"], "roc_auc"),
    ("ames", ames, ya, lambda s: HistGradientBoostingRegressor(random_state=s), folds["ames"], "r2"),
]:
    scores, s = seconds(lambda: [defaults(df, y, make(seed), fold, scoring) for seed in SEEDS])
    mean, std = float(np.mean(scores)), float(np.std(scores))
    for row in ("Default", "Tpe", "Random"):
        out[f"{key}{row}"] = mean
        out[f"{key}{row}Std"] = std
    out[f"{key}DefaultS"] = s / len(SEEDS)
report(out)
