"""scikit-learn peer for bench/hgb-diamonds.mjs: HistGradientBoostingRegressor(random_state=0) with its
defaults, 5-fold KFold(shuffle=True, random_state=0) R² on log(price), after median imputation + one-hot
encoding, and natively (cut, color, clarity ordinal-encoded and declared in categorical_features)."""
import os

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.impute import SimpleImputer
from sklearn.model_selection import KFold, cross_validate
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder

from peer_common import report, seconds

here = os.path.dirname(os.path.abspath(__file__))
df = pd.read_csv(os.path.join(here, "datasets", "diamonds.csv"))
y = np.log(df.pop("price").to_numpy())
num = [c for c in df.columns if df[c].dtype.kind in "if"]
cat = [c for c in df.columns if c not in num]
folds = KFold(5, shuffle=True, random_state=0)


def cv(pipe):
    res, s = seconds(lambda: cross_validate(pipe, df, y, cv=folds, scoring="r2", n_jobs=1))
    return float(np.mean(res["test_score"])), s


one_hot = ColumnTransformer(
    [
        ("num", SimpleImputer(strategy="median"), num),
        ("cat", Pipeline([("impute", SimpleImputer(strategy="most_frequent")), ("encode", OneHotEncoder(handle_unknown="ignore"))]), cat),
    ]
)
r2_one_hot, s_one_hot = cv(Pipeline([("columns", one_hot), ("model", HistGradientBoostingRegressor(random_state=0))]))
ordinal = ColumnTransformer(
    [
        ("num", "passthrough", num),
        ("cat", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan), cat),
    ]
)
native = HistGradientBoostingRegressor(random_state=0, categorical_features=list(range(len(num), len(num) + len(cat))))
r2_native, s_native = cv(Pipeline([("columns", ordinal), ("model", native)]))
report({"r2OneHot": r2_one_hot, "cvOneHotS": s_one_hot, "r2Native": r2_native, "cvNativeS": s_native})
