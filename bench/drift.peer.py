"""scipy peer for bench/drift.mjs: the same per-feature tests on the same arrays (bench/drift-data.mjs).

Preset: for each numeric feature, NaN dropped, Evidently's rule (pandas nunique over both sides <= 5 means
categorical) then wasserstein_distance / max(std(reference), 0.001); for each categorical feature the
level shares (np.bincount) and scipy.spatial.distance.jensenshannon. Tests: ks_2samp on every numeric
feature, chi2_contingency on every categorical one (levels absent from both dropped).
"""
import json
import os
import time

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial import distance

from peer_common import report

data = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
meta = json.load(open(os.path.join(data, "drift-meta.json")))
R, N = meta["referenceRows"], meta["currentRows"]
num_ref = np.fromfile(os.path.join(data, "drift-ref.f64")).reshape(meta["numeric"], R)
num_cur = np.fromfile(os.path.join(data, "drift-cur.f64")).reshape(meta["numeric"], N)
cat_ref = np.fromfile(os.path.join(data, "drift-ref.i32"), dtype=np.int32).reshape(meta["categorical"], R)
cat_cur = np.fromfile(os.path.join(data, "drift-cur.i32"), dtype=np.int32).reshape(meta["categorical"], N)


def finite(x):
    return x[np.isfinite(x)]


def counts(ref, cur, levels):
    r = np.bincount(ref[ref >= 0], minlength=levels).astype(float)
    c = np.bincount(cur[cur >= 0], minlength=levels).astype(float)
    keep = (r + c) > 0
    return r[keep], c[keep]


def preset():
    drifted = 0
    for j in range(meta["numeric"]):
        x, y = finite(num_ref[j]), finite(num_cur[j])
        if pd.concat([pd.Series(x), pd.Series(y)]).nunique() <= 5:
            raise SystemExit("the benchmark data has no numeric feature with <= 5 values")
        d = stats.wasserstein_distance(x, y) / max(np.std(x), 0.001)
        drifted += d >= 0.1
    for j, levels in enumerate(meta["levels"]):
        r, c = counts(cat_ref[j], cat_cur[j], len(levels))
        drifted += distance.jensenshannon(r / r.sum(), c / c.sum()) >= 0.1
    return int(drifted)


def tests():
    drifted = 0
    for j in range(meta["numeric"]):
        drifted += stats.ks_2samp(finite(num_ref[j]), finite(num_cur[j])).pvalue < 0.05
    for j, levels in enumerate(meta["levels"]):
        r, c = counts(cat_ref[j], cat_cur[j], len(levels))
        drifted += stats.chi2_contingency(np.array([r, c]))[1] < 0.05
    return int(drifted)


def timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    value = fn()
    return value, time.perf_counter() - wall, time.process_time() - cpu


preset_drifted, preset_s, preset_cpu = timed(preset)
tests_drifted, tests_s, tests_cpu = timed(tests)
report(
    {
        "presetS": preset_s,
        "presetCpuS": preset_cpu,
        "testsS": tests_s,
        "testsCpuS": tests_cpu,
        "presetDrifted": preset_drifted,
        "testsDrifted": tests_drifted,
    }
)
