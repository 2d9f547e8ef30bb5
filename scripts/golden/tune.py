"""Reference values for src/tune: Optuna's MedianPruner decisions on scripted studies, and the normal
distribution functions TPE's kernels use (scipy).

Run with Debian's Python after `apt-get install python3-optuna` (Optuna 3.1.0; its MedianPruner /
PercentilePruner rule is the one Optuna 4.9 still ships, line for line):

    /usr/bin/python3 scripts/golden/tune.py

Writes test/golden/tune.json; test/tune/golden.test.ts replays every case.

Each pruner case is a list of trials, each a list of intermediate values (one per step, NaN allowed) and
a final value. A trial reports its values in order and stops as soon as Optuna's pruner says so; the
golden records, per trial, the step it was pruned at (or null when it completed).
"""

import json
import math
import os

import numpy as np
import optuna
import scipy
from scipy import special, stats

assert optuna.__version__ == "3.1.0", optuna.__version__
assert scipy.__version__ == "1.10.1", scipy.__version__

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "test", "golden", "tune.json")
optuna.logging.set_verbosity(optuna.logging.WARNING)


def scripted(seed, n_trials, n_steps, nan_share=0.0):
    """Noisy learning curves: each trial has a level; values climb towards it with noise."""
    rng = np.random.RandomState(seed)
    trials = []
    for _ in range(n_trials):
        level = rng.uniform(0.5, 0.9)
        values = []
        for s in range(n_steps):
            v = level - 0.2 / (s + 1) + rng.normal(0, 0.03)
            if rng.uniform() < nan_share:
                v = float("nan")
            values.append(float(v))
        finite = [v for v in values if not math.isnan(v)]
        trials.append({"values": values, "final": float(np.mean(finite)) if finite else 0.0})
    return trials


def run_case(name, trials, direction, pruner_args):
    pruner = optuna.pruners.MedianPruner(**pruner_args)
    study = optuna.create_study(direction=direction, pruner=pruner, sampler=optuna.samplers.RandomSampler(0))
    decisions = []
    for t in trials:
        trial = study.ask()
        pruned_at = None
        for step, v in enumerate(t["values"]):
            trial.report(v, step)
            if trial.should_prune():
                pruned_at = step
                break
        if pruned_at is None:
            study.tell(trial, t["final"])
        else:
            study.tell(trial, state=optuna.trial.TrialState.PRUNED)
        decisions.append(pruned_at)
    return {
        "name": name,
        "direction": direction,
        "pruner": {
            "startupTrials": pruner_args.get("n_startup_trials", 5),
            "warmupSteps": pruner_args.get("n_warmup_steps", 0),
            "intervalSteps": pruner_args.get("interval_steps", 1),
            "minTrials": pruner_args.get("n_min_trials", 1),
        },
        "trials": [{"values": [None if math.isnan(v) else v for v in t["values"]], "final": t["final"]} for t in trials],
        "prunedAt": decisions,
    }


def negate(trials):
    return [{"values": [-v for v in t["values"]], "final": -t["final"]} for t in trials]


cases = [
    run_case("defaults, 5 folds, maximize", scripted(0, 40, 5), "maximize", {}),
    run_case("defaults, 5 folds, minimize", negate(scripted(1, 40, 5)), "minimize", {}),
    run_case(
        "startup 2, warm-up 1, interval 2",
        scripted(2, 40, 8),
        "maximize",
        {"n_startup_trials": 2, "n_warmup_steps": 1, "interval_steps": 2},
    ),
    run_case("min trials 4", scripted(3, 30, 5), "maximize", {"n_startup_trials": 1, "n_min_trials": 4}),
    run_case("NaN values", scripted(4, 40, 5, nan_share=0.2), "maximize", {"n_startup_trials": 3}),
    run_case("10 folds, startup 0", scripted(5, 30, 10), "minimize", {"n_startup_trials": 0}),
]

xs = [-40.0, -12.5, -5.0, -2.6, -1.0, -0.3, 0.0, 0.3, 1.0, 2.49, 2.51, 4.0, 9.0, 26.0]
pairs = [[-1.0, 1.0], [-40.0, -39.0], [5.0, 6.0], [-0.1, 50.0], [-3.0, -2.9], [0.2, 0.21], [-30.0, 0.1], [7.0, 40.0]]
ps = [1e-300, 1e-20, 1e-10, 1e-4, 0.01, 0.02425, 0.3, 0.5, 0.7, 0.9, 0.99, 0.999999]
ppf_cases = [[0.3, -1.0, 2.0], [0.5, -30.0, 0.1], [0.9, 2.0, 3.0], [0.01, -0.5, 0.5], [0.999, -3.0, 8.0], [0.2, -9.0, -8.0]]
logpdf_cases = [[0.3, 0.5, 0.2, 0.0, 1.0], [-39.5, 0.0, 1.0, -40.0, -39.0], [2.0, 1.0, 0.01, 0.0, 3.0], [0.0, 0.0, 5.0, -1.0, 1.0]]


def log_mass(a, b):
    # scipy's truncnorm normalising constant, in log space
    return float(stats.norm.logpdf(0.5 * (a + b)) - stats.truncnorm.logpdf(0.5 * (a + b), a, b))


golden = {
    "versions": {"optuna": optuna.__version__, "scipy": scipy.__version__, "numpy": np.__version__},
    "medianPruner": cases,
    "normal": {
        "erfc": [[x, float(special.erfc(x))] for x in xs],
        "logNdtr": [[x, float(special.log_ndtr(x))] for x in xs],
        "logGaussMass": [[a, b, log_mass(a, b)] for a, b in pairs],
        "ndtri": [[p, float(special.ndtri(p))] for p in ps],
        "truncnormPpf": [[u, a, b, float(stats.truncnorm.ppf(u, a, b))] for u, a, b in ppf_cases],
        "truncnormLogPdf": [
            [x, mu, s, lo, hi, float(stats.truncnorm.logpdf(x, (lo - mu) / s, (hi - mu) / s, loc=mu, scale=s))]
            for x, mu, s, lo, hi in logpdf_cases
        ],
    },
}

with open(OUT, "w") as f:
    json.dump(golden, f, indent=1)
    f.write("\n")
print(f"wrote {OUT}")
