"""scikit-learn peer for bench/churn-cv.mjs: the same preparation and models, cross_validate with
StratifiedKFold(5, shuffle=True, random_state=0); LR with n_jobs=1, the forest with n_jobs=2 and
random_state 0..4 (mean and population standard deviation of the CV scores, mean CV time per seed)."""
import os

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from peer_common import report, seconds

here = os.path.dirname(os.path.abspath(__file__))
df = pd.read_csv(os.path.join(here, "..", "examples", "churn", "wa_churn.csv"))
y = (df.pop("churn") == "Yes").astype(int).to_numpy()
num = [c for c in df.columns if df[c].dtype.kind in "if"]
cat = [c for c in df.columns if c not in num]


def prep(scale):
    num_steps = [("impute", SimpleImputer(strategy="median"))] + ([("scale", StandardScaler())] if scale else [])
    cat_steps = [("impute", SimpleImputer(strategy="most_frequent")), ("encode", OneHotEncoder(handle_unknown="ignore"))]
    return ColumnTransformer([("num", Pipeline(num_steps), num), ("cat", Pipeline(cat_steps), cat)])


def cv(model, scale):
    pipe = Pipeline([("columns", prep(scale)), ("model", model)])
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    res, s = seconds(lambda: cross_validate(pipe, df, y, cv=folds, scoring="roc_auc", n_jobs=1))
    return float(np.mean(res["test_score"])), s


lr_auc, lr_s = cv(LogisticRegression(), True)
# the seeds of RF_SEEDS in bench/lib.mjs
rf = [cv(RandomForestClassifier(n_estimators=200, n_jobs=2, random_state=seed), False) for seed in range(5)]
rf_auc = [a for a, _ in rf]
report(
    {
        "lrAuc": lr_auc,
        "lrS": lr_s,
        "rfAuc": float(np.mean(rf_auc)),
        "rfAucStd": float(np.std(rf_auc)),
        "rfS": float(np.mean([s for _, s in rf])),
    }
)
