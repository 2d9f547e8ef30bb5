"""pandas peer for bench/load-csv.mjs: pandas.read_csv of the same generated CSV (default options)."""
import os
import sys

import pandas as pd

from peer_common import report, seconds

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "bench-1m.csv")
if len(sys.argv) > 1:
    path = sys.argv[1]
df, s = seconds(lambda: pd.read_csv(path))
report({"loadS": s, "rows": int(df.shape[0]), "cols": int(df.shape[1])}, pandas=pd.__version__)
