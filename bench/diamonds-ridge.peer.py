"""scikit-learn peer for bench/diamonds-ridge.mjs."""
import sys

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import Ridge
from sklearn.model_selection import KFold, cross_validate
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from peer_common import report, seconds

df = pd.read_csv(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/datasets/diamonds.csv")
y = np.log(df.pop("price").to_numpy())
num = [c for c in df.columns if df[c].dtype.kind in "if"]
cat = [c for c in df.columns if c not in num]
prep = ColumnTransformer(
    [
        ("num", Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]), num),
        (
            "cat",
            Pipeline(
                [("impute", SimpleImputer(strategy="most_frequent")), ("encode", OneHotEncoder(handle_unknown="ignore"))]
            ),
            cat,
        ),
    ]
)
pipe = Pipeline([("columns", prep), ("model", Ridge())])
res, s = seconds(
    lambda: cross_validate(pipe, df, y, cv=KFold(5, shuffle=True, random_state=0), scoring="r2", n_jobs=1)
)
report({"r2": float(np.mean(res["test_score"])), "cvS": s})
