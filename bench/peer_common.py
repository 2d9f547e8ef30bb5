"""Shared by the scikit-learn / pandas peers: timing and the one JSON line bench/run.mjs reads."""
import json
import resource
import sys
import time


def seconds(fn):
    t = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - t


def report(metrics, **extra):
    # ru_maxrss is in kilobytes on Linux
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"metrics": metrics, "rssMb": rss_mb, **extra}))
    sys.stdout.flush()
