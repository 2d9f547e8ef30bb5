"""Python peer for bench/monitor.mjs: drift of the latest 100,000 and 1,000,000 logged predictions, the
way a Python service would check its own log: the window's rows read with sqlite3, each row's inputs
json.loads'ed into a pandas DataFrame, then Evidently's default tests per feature with scipy against the
training data (the churn CSV): numeric features with more than 5 distinct values get the Wasserstein
distance over the reference's standard deviation, the rest the Jensen-Shannon distance of the value
shares; drift at 0.1. (Evidently itself is not installed here; its rules are reproduced.)
"""
import json
import os
import sqlite3
import time

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial import distance

from peer_common import report

data = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "monitor")
meta = json.load(open(os.path.join(data, "meta.json")))
reference = pd.read_csv(os.path.join(data, "wa_churn.csv")).drop(columns=["churn"])
db = sqlite3.connect(f"file:{meta['store']}?mode=ro", uri=True)


def window(rows):
    cur = db.execute(
        "SELECT inputs FROM prediction_log WHERE model = ? AND version = 1 ORDER BY at DESC, rowid DESC LIMIT ?",
        (meta["model"], rows),
    )
    return pd.DataFrame([json.loads(r[0]) for r in cur])


def js(ref, cur):
    keys = sorted(set(ref.dropna().unique()) | set(cur.dropna().unique()), key=str)
    r = ref.value_counts().reindex(keys, fill_value=0).to_numpy(dtype=float)
    c = cur.value_counts().reindex(keys, fill_value=0).to_numpy(dtype=float)
    return distance.jensenshannon(r / r.sum(), c / c.sum())


def drift(rows):
    current = window(rows)
    drifted = 0
    for col in reference.columns:
        ref, cur = reference[col], current[col]
        numeric = pd.api.types.is_numeric_dtype(ref) and pd.api.types.is_numeric_dtype(cur)
        if numeric and pd.concat([ref, cur]).nunique() > 5:
            x, y = ref.dropna().to_numpy(dtype=float), cur.dropna().to_numpy(dtype=float)
            d = stats.wasserstein_distance(x, y) / max(np.std(x), 0.001)
        else:
            d = js(ref.astype(str).where(ref.notna()), cur.astype(str).where(cur.notna())) if not numeric else js(ref, cur)
        drifted += d >= 0.1
    return int(drifted), len(current)


def timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    value = fn()
    return value, time.perf_counter() - wall, time.process_time() - cpu


(d100k, n100k), s100k, c100k = timed(lambda: drift(100_000))
(d1m, n1m), s1m, c1m = timed(lambda: drift(1_000_000))
report(
    {
        "drift100kS": s100k,
        "drift100kCpuS": c100k,
        "drift1MS": s1m,
        "drift1MCpuS": c1m,
        "rowsPerS": n1m / s1m,
        "drifted100k": d100k,
        "drifted1M": d1m,
    }
)
