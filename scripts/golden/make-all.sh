#!/usr/bin/env bash
# Regenerates every golden file in test/golden from scikit-learn/scipy (and Optuna for tune.py). Needs
# Debian's python3-sklearn, python3-scipy and python3-optuna (`apt-get install python3-sklearn
# python3-scipy python3-optuna`); CI never runs this, it reads the committed JSON.
set -euo pipefail
cd "$(dirname "$0")/../.."
py=/usr/bin/python3
"$py" -c "import sklearn, scipy, optuna" 2>/dev/null || { echo "needs Debian's python3-sklearn, python3-scipy and python3-optuna at $py" >&2; exit 1; }
for script in scripts/golden/[!_]*.py; do  # _*.py are modules they share
  echo "== $script"
  "$py" "$script"
done
