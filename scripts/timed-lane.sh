#!/usr/bin/env bash
# Runs make targets one after another like `make -k`: goes on past a failure, fails at the end if
# any target failed. Prints how long each target took (also appended to tests/output/lane-times.txt)
# so a slow `make test` shows where its time went.
# Usage: scripts/timed-lane.sh LANE TARGET...
set -uo pipefail
lane=${1:?usage: timed-lane.sh LANE TARGET...}
shift
make=${MAKE:-make}
mkdir -p tests/output
failed=()
report=()
lane_start=$SECONDS
for target in "$@"; do
	start=$SECONDS
	if $make --no-print-directory "$target"; then result=ok; else result=FAILED; failed+=("$target"); fi
	report+=("$(printf '%-40s %5ss  %s' "$target" $((SECONDS - start)) "$result")")
done
{
	echo "== lane $lane: $((SECONDS - lane_start))s ($(date -u +%FT%TZ))"
	printf '%s\n' "${report[@]}"
} | tee -a tests/output/lane-times.txt
if ((${#failed[@]})); then
	echo "lane $lane: failed: ${failed[*]}"
	exit 2
fi
