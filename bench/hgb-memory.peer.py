"""scikit-learn peer for bench/hgb-memory.mjs: the same shape (1,000,000 x 50 standard normal, 2% missing;
its own random numbers), _BinMapper(n_bins=256).fit_transform (the bins HistGradientBoosting builds,
quantiles on a 200,000-row draw), then HistGradientBoostingRegressor(max_iter=10, early_stopping=False) on
2 threads."""
import resource

import numpy as np
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.ensemble._hist_gradient_boosting.binning import _BinMapper
from threadpoolctl import threadpool_limits

from peer_common import report, seconds

rng = np.random.RandomState(0)
X = rng.normal(size=(1_000_000, 50))
X[rng.rand(*X.shape) < 0.02] = np.nan
y = np.nansum(X[:, :10], axis=1)
inputs_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
with threadpool_limits(2):
    binned, bin_s = seconds(lambda: _BinMapper(n_bins=256, random_state=1).fit_transform(X))
    _, fit_s = seconds(lambda: HistGradientBoostingRegressor(max_iter=10, early_stopping=False).fit(X, y))
report({"binnedMb": binned.nbytes / 2**20, "binS": bin_s, "fitS": fit_s, "inputsRssMb": inputs_mb})
