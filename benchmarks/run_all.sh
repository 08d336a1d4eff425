#!/usr/bin/env bash
# Run every benchmark (benchmarks/*_bench.py); each prints its own figures.
set -euo pipefail
cd "$(dirname "$0")/.."
for b in benchmarks/*_bench.py; do
  echo "=== $b"
  .venv/bin/python "$b"
done
