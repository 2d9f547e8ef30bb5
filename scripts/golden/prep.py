"""Reference values for src/prep: scikit-learn 1.2.1 transformers (and NumPy percentiles for the clipper).

Run with Debian's Python (it has scikit-learn 1.2.1 and NumPy; no pandas needed):

    /usr/bin/python3 scripts/golden/prep.py

Writes test/golden/prep.json; test/prep/golden.test.ts replays every case. Each case names a fixture, the
columns, which rows to fit on and which to transform, the TS params, the expected learned state (in the TS
state's field names) and the output on a deterministic subset of rows (every `step`-th row), plus column
sums for 0/1 outputs. NaN is written as the string "NaN".
"""

import csv
import json
import os
import warnings

import numpy as np
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, MinMaxScaler, OneHotEncoder, OrdinalEncoder, RobustScaler, StandardScaler

assert sklearn.__version__ == "1.2.1", sklearn.__version__
warnings.filterwarnings("ignore")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "test", "golden", "prep.json")
MAX_ROWS = 60


def num(x):
    x = float(x)
    if np.isnan(x):
        return "NaN"
    if np.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def nums(a):
    return [num(v) for v in np.asarray(a, dtype=float).ravel()]


def cell(v):
    if isinstance(v, str):
        return v
    if v is None:
        return None
    return num(v)


# ---------------------------------------------------------------- fixtures

FIXTURES = {}


def load(name):
    """Columns as the TS fixture loader reads them: numeric if every non-empty cell parses, else text."""
    if name not in FIXTURES:
        with open(os.path.join(ROOT, "test", "fixtures", name), newline="") as f:
            rows = list(csv.reader(f))
        header, body = rows[0], [r for r in rows[1:] if r]
        cols = {}
        for j, h in enumerate(header):
            raw = [r[j] for r in body]
            try:
                cols[h] = np.array([np.nan if v == "" else float(v) for v in raw])
            except ValueError:
                cols[h] = np.array([np.nan if v == "" else v for v in raw], dtype=object)
        FIXTURES[name] = (header, cols, len(body))
    return FIXTURES[name]


def is_numeric(col):
    return col.dtype != object


def missing(col):
    return np.isnan(col) if is_numeric(col) else np.array([isinstance(v, float) for v in col])


def rows_of(name, spec):
    """Row indices for a spec {start?, end?, dropMissingIn?}, the same rule the TS test applies."""
    header, cols, n = load(name)
    idx = np.arange(n)
    for c in spec.get("dropMissingIn", []):
        idx = idx[~missing(cols[c])[idx]]
    return idx[spec.get("start", 0) : spec.get("end", len(idx))]


def matrix(name, columns, rows):
    header, cols, n = load(name)
    if all(is_numeric(cols[c]) for c in columns):
        return np.column_stack([cols[c][rows] for c in columns]).astype(float)
    return np.column_stack([cols[c][rows] for c in columns]).astype(object)


def subset(n):
    step = max(1, -(-n // MAX_ROWS))
    return list(range(0, n, step))


def output(names, Z, sums=False):
    Z = np.asarray(Z)
    picked = subset(Z.shape[0])
    out = {"names": list(names), "rows": picked, "values": [[cell(v) for v in Z[i]] for i in picked]}
    if sums:
        out["sums"] = nums(Z.astype(float).sum(axis=0))
    return out


CASES = []


def case(id, kind, fixture, columns, params, state, out, fit=None, transform=None):
    CASES.append(
        {
            "id": id,
            "kind": kind,
            "fixture": fixture,
            "columns": columns,
            "fit": fit or {},
            "transform": transform if transform is not None else (fit or {}),
            "params": params,
            "state": state,
            "output": out,
        }
    )


def fit_transform(est, fixture, columns, fit, transform):
    Xf = matrix(fixture, columns, rows_of(fixture, fit))
    Xt = matrix(fixture, columns, rows_of(fixture, transform if transform is not None else fit))
    est.fit(Xf)
    return est.transform(Xt)


# ---------------------------------------------------------------- SimpleImputer

PENGUIN_NUM = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
CREDIT_NUM = ["Seniority", "Time", "Age", "Expenses", "Income", "Assets", "Debt", "Amount", "Price"]
CREDIT_CAT = ["Home", "Marital", "Records", "Job"]
CHURN_CAT = [
    "multiple_lines", "internet_service", "online_security", "online_backup", "device_protection",
    "tech_support", "streaming_tv", "streaming_movies", "contract", "payment_method",
]

STRATEGIES = {"mean": "mean", "median": "median", "most_frequent": "mostFrequent", "constant": "constant"}


def imputer_case(id, fixture, columns, strategy, fill=None, fit=None, transform=None, keep_empty=False):
    est = SimpleImputer(strategy=strategy, fill_value=fill, add_indicator=True, keep_empty_features=keep_empty)
    Z = fit_transform(est, fixture, columns, fit or {}, transform)
    indicators = [columns[j] for j in est.indicator_.features_] if est.indicator_ is not None else []
    names = columns + [f"{c}__missing" for c in indicators]
    stats = [cell(v) for v in est.statistics_]
    params = {"strategy": STRATEGIES[strategy], "addIndicator": True}
    if fill is not None:
        params["fillValue"] = fill
    case(id, "simpleImputer", fixture, columns, params, {"fill": stats, "indicators": indicators},
         output(names, Z), fit, transform)


for s in STRATEGIES:
    fill = -1.5 if s == "constant" else None
    imputer_case(f"imputer-{s}-penguins", "penguins.csv", PENGUIN_NUM, s, fill)
    imputer_case(f"imputer-{s}-credit", "credit_data.csv", CREDIT_NUM, s, fill)
imputer_case("imputer-median-churn", "wa_churn.csv", ["tenure", "monthly_charges", "total_charges"], "median")
imputer_case("imputer-mean-churn", "wa_churn.csv", ["tenure", "monthly_charges", "total_charges"], "mean")
imputer_case("imputer-most_frequent-credit-cat", "credit_data.csv", CREDIT_CAT, "most_frequent")
imputer_case("imputer-constant-credit-cat", "credit_data.csv", CREDIT_CAT, "constant")
imputer_case("imputer-most_frequent-penguins-sex", "penguins.csv", ["island", "sex"], "most_frequent")
# Row 3 of penguins has no measurements: fitted on it alone, every column is entirely missing.
for s in ["mean", "median", "most_frequent"]:
    imputer_case(f"imputer-{s}-empty", "penguins.csv", PENGUIN_NUM, s, fit={"start": 3, "end": 4},
                 transform={}, keep_empty=True)

# ---------------------------------------------------------------- scalers


def scaler_case(id, kind, est, params, fixture, columns, state_of, fit=None, transform=None):
    Z = fit_transform(est, fixture, columns, fit or {}, transform)
    case(id, kind, fixture, columns, params, state_of(est), output(columns, Z), fit, transform)


def std_state(e):
    s = {"nSamplesSeen": nums(np.broadcast_to(e.n_samples_seen_, (e.n_features_in_,)))}
    if e.mean_ is not None:
        s["mean"] = nums(e.mean_)
    if e.var_ is not None:
        s["var"] = nums(e.var_)
    if e.scale_ is not None:
        s["scale"] = nums(e.scale_)
    return s


def minmax_state(e):
    return {"dataMin": nums(e.data_min_), "dataMax": nums(e.data_max_), "scale": nums(e.scale_), "min": nums(e.min_)}


def robust_state(e):
    s = {}
    if e.center_ is not None:
        s["center"] = nums(e.center_)
    if e.scale_ is not None:
        s["scale"] = nums(e.scale_)
    return s


DIABETES = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]
_, _wine, _ = load("wine.csv")
WINE = [c for c in load("wine.csv")[0] if c != "target"]
DIGITS = [c for c in load("digits.csv")[0] if c != "target"]
CONCRETE = [c for c in load("concrete.csv")[0]]

for fx, cols in [("penguins.csv", PENGUIN_NUM), ("diabetes.csv", DIABETES), ("digits.csv", DIGITS),
                 ("credit_data.csv", CREDIT_NUM), ("wine.csv", WINE)]:
    scaler_case(f"standard-{fx}", "standardScaler", StandardScaler(), {}, fx, cols, std_state)
scaler_case("standard-nomean-penguins", "standardScaler", StandardScaler(with_mean=False), {"withMean": False},
            "penguins.csv", PENGUIN_NUM, std_state)
scaler_case("standard-nostd-penguins", "standardScaler", StandardScaler(with_std=False), {"withStd": False},
            "penguins.csv", PENGUIN_NUM, std_state)
scaler_case("standard-unseen-rows", "standardScaler", StandardScaler(), {}, "credit_data.csv", CREDIT_NUM,
            std_state, fit={"end": 1000}, transform={})

for fx, cols in [("penguins.csv", PENGUIN_NUM), ("digits.csv", DIGITS), ("credit_data.csv", CREDIT_NUM)]:
    scaler_case(f"minmax-{fx}", "minMaxScaler", MinMaxScaler(), {}, fx, cols, minmax_state)
scaler_case("minmax-range-wine", "minMaxScaler", MinMaxScaler(feature_range=(-1, 2)), {"featureRange": [-1, 2]},
            "wine.csv", WINE, minmax_state)

for fx, cols in [("penguins.csv", PENGUIN_NUM), ("digits.csv", DIGITS), ("credit_data.csv", CREDIT_NUM),
                 ("diabetes.csv", DIABETES)]:
    scaler_case(f"robust-{fx}", "robustScaler", RobustScaler(), {}, fx, cols, robust_state)
scaler_case("robust-range-diabetes", "robustScaler", RobustScaler(quantile_range=(10.0, 90.0)),
            {"quantileRange": [10, 90]}, "diabetes.csv", DIABETES, robust_state)
scaler_case("robust-nocenter-wine", "robustScaler", RobustScaler(with_centering=False),
            {"withCentering": False}, "wine.csv", WINE, robust_state)
scaler_case("robust-noscale-concrete", "robustScaler", RobustScaler(with_scaling=False),
            {"withScaling": False}, "concrete.csv", CONCRETE, robust_state)
scaler_case("robust-range-penguins", "robustScaler", RobustScaler(quantile_range=(12.5, 83.3)),
            {"quantileRange": [12.5, 83.3]}, "penguins.csv", PENGUIN_NUM, robust_state)

# ---------------------------------------------------------------- OneHotEncoder

UNKNOWN = {"error": "error", "ignore": "ignore", "infrequent_if_exist": "other"}
DROP = {None: "none", "first": "first", "if_binary": "ifBinary"}


def ohe_case(id, fixture, columns, fit=None, transform=None, handle_unknown="error", min_frequency=None, drop=None):
    est = OneHotEncoder(sparse_output=False, handle_unknown=handle_unknown, min_frequency=min_frequency, drop=drop)
    Z = fit_transform(est, fixture, columns, fit or {}, transform)
    names = []
    outputs = []
    for i, c in enumerate(columns):
        labels = [
            "__other__" if str(v) == "infrequent_sklearn" else str(v)
            for v in est._compute_transformed_categories(i)
        ]
        outputs.append(labels)
        names += [f"{c}={l}" for l in labels]
    assert len(names) == Z.shape[1]
    state = {
        "categories": [[str(v) for v in cats] for cats in est.categories_],
        "outputs": outputs,
    }
    params = {"unknown": UNKNOWN[handle_unknown], "drop": DROP[drop]}
    if min_frequency is not None:
        params["minFrequency"] = min_frequency
    case(id, "oneHotEncoder", fixture, columns, params, state, output(names, Z, sums=True), fit, transform)


CREDIT_ROWS = {"dropMissingIn": CREDIT_CAT}
ohe_case("onehot-churn", "wa_churn.csv", CHURN_CAT)
ohe_case("onehot-churn-drop-first", "wa_churn.csv", CHURN_CAT, drop="first")
ohe_case("onehot-churn-share", "wa_churn.csv", CHURN_CAT, min_frequency=0.2)
ohe_case("onehot-credit", "credit_data.csv", CREDIT_CAT, fit=CREDIT_ROWS)
ohe_case("onehot-credit-ifbinary", "credit_data.csv", CREDIT_CAT, fit=CREDIT_ROWS, drop="if_binary")
ohe_case("onehot-credit-count", "credit_data.csv", CREDIT_CAT, fit=CREDIT_ROWS, min_frequency=100)
ohe_case("onehot-credit-share-first", "credit_data.csv", CREDIT_CAT, fit=CREDIT_ROWS, min_frequency=0.06,
         drop="first")
ohe_case("onehot-credit-count-ifbinary", "credit_data.csv", CREDIT_CAT, fit=CREDIT_ROWS, min_frequency=700,
         drop="if_binary")
FEW = {"dropMissingIn": CREDIT_CAT, "end": 120}
ohe_case("onehot-credit-unknown-ignore", "credit_data.csv", CREDIT_CAT, fit=FEW, transform=CREDIT_ROWS,
         handle_unknown="ignore")
ohe_case("onehot-credit-unknown-other", "credit_data.csv", CREDIT_CAT, fit=FEW, transform=CREDIT_ROWS,
         handle_unknown="infrequent_if_exist", min_frequency=5)
ohe_case("onehot-credit-unknown-other-none", "credit_data.csv", CREDIT_CAT, fit=FEW, transform=CREDIT_ROWS,
         handle_unknown="infrequent_if_exist")
ohe_case("onehot-credit-unknown-ignore-freq", "credit_data.csv", CREDIT_CAT, fit=FEW, transform=CREDIT_ROWS,
         handle_unknown="ignore", min_frequency=5, drop="first")

# ---------------------------------------------------------------- OrdinalEncoder


def ordinal_case(id, fixture, columns, params, est, fit=None, transform=None):
    Z = fit_transform(est, fixture, columns, fit or {}, transform)
    state = {"categories": [[str(v) for v in cats if not (isinstance(v, float) and np.isnan(v))]
                            for cats in est.categories_]}
    case(id, "ordinalEncoder", fixture, columns, params, state, output(columns, Z.astype(float)), fit, transform)


ordinal_case("ordinal-penguins", "penguins.csv", ["species", "island", "sex"], {}, OrdinalEncoder())
CONTRACT = ["Month-to-month", "One year", "Two year"]
ordinal_case("ordinal-churn-explicit", "wa_churn.csv", ["contract", "internet_service"],
             {"categories": {"contract": CONTRACT, "internet_service": ["No", "DSL", "Fiber optic"]}},
             OrdinalEncoder(categories=[CONTRACT, ["No", "DSL", "Fiber optic"]]))
ordinal_case("ordinal-unknown-minus1", "penguins.csv", ["species", "island"],
             {"unknown": "useValue", "unknownValue": -1},
             OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1), fit={"end": 150}, transform={})
ordinal_case("ordinal-unknown-nan", "penguins.csv", ["species", "island"],
             {"unknown": "useValue", "unknownValue": None},
             OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan), fit={"end": 150},
             transform={})

# ---------------------------------------------------------------- OutlierClipper (NumPy percentiles)


def clipper_case(id, fixture, columns, params):
    X = matrix(fixture, columns, rows_of(fixture, {}))
    if params.get("method", "iqr") == "iqr":
        k = params.get("k", 1.5)
        q1, q3 = np.nanpercentile(X, [25, 75], axis=0)
        iqr = q3 - q1
        lower, upper = q1 - k * iqr, q3 + k * iqr
    else:
        lower, upper = np.nanquantile(X, params["quantiles"], axis=0)
    Z = np.clip(X, lower, upper)
    case(id, "outlierClipper", fixture, columns, params, {"lower": nums(lower), "upper": nums(upper)},
         output(columns, Z))


for fx, cols in [("penguins.csv", PENGUIN_NUM), ("diabetes.csv", DIABETES), ("concrete.csv", CONCRETE),
                 ("credit_data.csv", CREDIT_NUM)]:
    clipper_case(f"clip-iqr-{fx}", fx, cols, {})
clipper_case("clip-iqr3-credit", "credit_data.csv", CREDIT_NUM, {"k": 3})
clipper_case("clip-quantile-credit", "credit_data.csv", CREDIT_NUM, {"method": "quantile", "quantiles": [0.05, 0.95]})
clipper_case("clip-quantile-concrete", "concrete.csv", CONCRETE, {"method": "quantile", "quantiles": [0.01, 0.99]})

# ---------------------------------------------------------------- ColumnTransformer + Pipeline


def default_prep(fixture, target, scale, fit=None, transform=None):
    header, cols, n = load(fixture)
    features = [c for c in header if c != target]
    numeric = [c for c in features if is_numeric(cols[c])]
    categorical = [c for c in features if not is_numeric(cols[c])]
    # The mixed matrix is dtype object; the numeric branch casts back to float first.
    num_steps = [("float", FunctionTransformer(lambda X: X.astype(float))), ("impute", SimpleImputer(strategy="median"))] + ([("scale", StandardScaler())] if scale else [])
    cat_steps = [("impute", SimpleImputer(strategy="most_frequent")),
                 ("encode", OneHotEncoder(handle_unknown="ignore", sparse_output=False))]
    where = {c: j for j, c in enumerate(features)}
    ct = ColumnTransformer([
        ("numeric", Pipeline(num_steps), [where[c] for c in numeric]),
        ("categorical", Pipeline(cat_steps), [where[c] for c in categorical]),
    ])
    pipe = Pipeline([("columns", ct)])
    Xf = matrix(fixture, features, rows_of(fixture, fit or {}))
    Xt = matrix(fixture, features, rows_of(fixture, transform if transform is not None else (fit or {})))
    pipe.fit(Xf)
    Z = pipe.transform(Xt).astype(float)
    enc = ct.named_transformers_["categorical"].named_steps["encode"]
    names = numeric + [f"{c}={v}" for c, cats in zip(categorical, enc.categories_) for v in cats]
    assert len(names) == Z.shape[1]
    num_pipe = ct.named_transformers_["numeric"]
    state = {"numericMedian": nums(num_pipe.named_steps["impute"].statistics_),
             "categoricalMode": [str(v) for v in ct.named_transformers_["categorical"].named_steps["impute"].statistics_]}
    if scale:
        state["mean"] = nums(num_pipe.named_steps["scale"].mean_)
        state["scale"] = nums(num_pipe.named_steps["scale"].scale_)
    case(f"default-prep-{fixture}-{'scaled' if scale else 'unscaled'}", "defaultPrep", fixture, features,
         {"scale": scale}, state, output(names, Z), fit, transform)


default_prep("penguins.csv", "species", True)
default_prep("penguins.csv", "species", False)
default_prep("credit_data.csv", "Status", True, fit={"end": 3000}, transform={})

# An explicit ColumnTransformer with passthrough remainder (numeric remainder so the output stays numeric).
ct_cols = ["island", "bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
ct = ColumnTransformer(
    [("robust", Pipeline([("float", FunctionTransformer(lambda X: X.astype(float))), ("scale", RobustScaler())]), [1, 4]),
     ("onehot", OneHotEncoder(sparse_output=False, drop="first"), [0])],
    remainder="passthrough",
)
Xp = matrix("penguins.csv", ct_cols, rows_of("penguins.csv", {}))
Zp = ct.fit_transform(Xp).astype(float)
ct_names = ["bill_length_mm", "body_mass_g"] + [f"island={v}" for v in ct.named_transformers_["onehot"].categories_[0][1:]] + [
    "bill_depth_mm", "flipper_length_mm"]
case("column-transformer-passthrough", "columnTransformer", "penguins.csv", ct_cols, {},
     {"center": nums(ct.named_transformers_["robust"]["scale"].center_),
      "scale": nums(ct.named_transformers_["robust"]["scale"].scale_)},
     output(ct_names, Zp))

with open(OUT, "w") as f:
    json.dump({"sklearn": sklearn.__version__, "numpy": np.__version__, "cases": CASES}, f, separators=(",", ":"))
    f.write("\n")
print(f"wrote {OUT}: {len(CASES)} cases, {os.path.getsize(OUT)} bytes")
