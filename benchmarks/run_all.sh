#!/usr/bin/env bash
# Run every benchmark; each prints its own figures (record them in docs/benchmarks.md).
set -euo pipefail
cd "$(dirname "$0")/.."
# BASELINE=REF (make bench BASELINE=REF): the deploy benchmark also measures a clone of REF,
# alternating with the work tree, and prints both with their ratios. Issue 9's baseline is 026aa55
# (the commit before its work began): make bench BASELINE=026aa55.
# MITOGEN=1 (make bench MITOGEN=1): it also measures the work tree under Mitogen's strategy plugin.
# DEPLOY_BENCH_ARGS: more options of deploy_bench.py (e.g. --deployment hio --emulator-ports 5680,5681,5682).
for b in benchmarks/*_bench.py; do
  # The heal benchmark needs a deployed local stack: below, with the load benchmarks.
  [[ $b == */heal_bench.py ]] && continue
  echo "=== $b"
  if [[ $b == */deploy_bench.py ]]; then
    args=()
    [[ -n ${BASELINE:-} ]] && args+=(--baseline "$BASELINE")
    [[ ${MITOGEN:-0} == 1 ]] && args+=(--mitogen)
    # shellcheck disable=SC2206 # DEPLOY_BENCH_ARGS is a list of options, split on purpose
    args+=(${DEPLOY_BENCH_ARGS:-})
    .venv/bin/python "$b" "${args[@]}"
  else
    .venv/bin/python "$b"
  fi
done
if curl -sf -o /dev/null http://127.0.0.1:8080/home; then
  echo "=== benchmarks/load_lb_vs_task.sh"
  bash benchmarks/load_lb_vs_task.sh
  echo "=== benchmarks/load_exactness.py"
  .venv/bin/python benchmarks/load_exactness.py
  # Kills a web container of that deployment (countweb) and times the heal; with BASELINE, the supervisor of a
  # clone of BASELINE too, alternating. HEAL_BENCH_ARGS: more options (--runs, --deployment, ...).
  echo "=== benchmarks/heal_bench.py"
  heal_args=()
  [[ -n ${BASELINE:-} ]] && heal_args+=(--baseline "$BASELINE")
  # shellcheck disable=SC2206 # HEAL_BENCH_ARGS is a list of options, split on purpose
  heal_args+=(${HEAL_BENCH_ARGS:-})
  .venv/bin/python benchmarks/heal_bench.py "${heal_args[@]}"
else
  echo "skipping the load benchmarks: nothing answers on 127.0.0.1:8080 (run make deploy first)"
fi
