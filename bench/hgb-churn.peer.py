"""scikit-learn peer for bench/hgb-churn.mjs: HistGradientBoostingClassifier with its defaults, 5-fold
StratifiedKFold(shuffle=True, random_state=0) ROC-AUC, after median imputation + one-hot encoding, and
natively (categorical columns ordinal-encoded and declared in categorical_features, missing values kept)."""
import os

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder

from peer_common import report, seconds

here = os.path.dirname(os.path.abspath(__file__))
df = pd.read_csv(os.path.join(here, "..", "examples", "churn", "wa_churn.csv"))
y = (df.pop("churn") == "Yes").astype(int).to_numpy()
num = [c for c in df.columns if df[c].dtype.kind in "if"]
cat = [c for c in df.columns if c not in num]
folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)


def cv(pipe):
    res, s = seconds(lambda: cross_validate(pipe, df, y, cv=folds, scoring="roc_auc", n_jobs=1))
    return float(np.mean(res["test_score"])), s


one_hot = ColumnTransformer(
    [
        ("num", SimpleImputer(strategy="median"), num),
        ("cat", Pipeline([("impute", SimpleImputer(strategy="most_frequent")), ("encode", OneHotEncoder(handle_unknown="ignore"))]), cat),
    ]
)
auc_one_hot, s_one_hot = cv(Pipeline([("columns", one_hot), ("model", HistGradientBoostingClassifier())]))
ordinal = ColumnTransformer(
    [
        ("num", "passthrough", num),
        ("cat", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan), cat),
    ]
)
native = HistGradientBoostingClassifier(categorical_features=list(range(len(num), len(num) + len(cat))))
auc_native, s_native = cv(Pipeline([("columns", ordinal), ("model", native)]))
report({"aucOneHot": auc_one_hot, "cvOneHotS": s_one_hot, "aucNative": auc_native, "cvNativeS": s_native})
