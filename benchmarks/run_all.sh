#!/usr/bin/env bash
# Run every benchmark; each prints its own figures (record them in docs/benchmarks.md).
set -euo pipefail
cd "$(dirname "$0")/.."
# BASELINE=REF (make bench BASELINE=REF): the deploy benchmark also measures a clone of REF,
# alternating with the work tree, and prints both with their ratios.
for b in benchmarks/*_bench.py; do
  echo "=== $b"
  if [[ $b == */deploy_bench.py && -n ${BASELINE:-} ]]; then
    .venv/bin/python "$b" --baseline "$BASELINE"
  else
    .venv/bin/python "$b"
  fi
done
if curl -sf -o /dev/null http://127.0.0.1:8080/home; then
  echo "=== benchmarks/load_lb_vs_task.sh"
  bash benchmarks/load_lb_vs_task.sh
  echo "=== benchmarks/load_exactness.py"
  .venv/bin/python benchmarks/load_exactness.py
else
  echo "skipping the load benchmarks: nothing answers on 127.0.0.1:8080 (run make deploy first)"
fi
