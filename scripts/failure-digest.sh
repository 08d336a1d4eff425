#!/usr/bin/env bash
# Prints, last, what failed in a test log: each failing Ansible task with the task line above it,
# pytest failures, shell and make errors. CI keeps only the end of the output, and the lanes of
# `make test` print thousands of lines, so the cause would otherwise scroll away.
# Usage: scripts/failure-digest.sh LOG
set -uo pipefail
log=${1:?usage: failure-digest.sh LOG}
[[ -r $log ]] || { echo "failure-digest: no log at $log"; exit 0; }

echo
echo "==================== what failed (from $log) ===================="
# Strip colour codes, remember the last TASK/PLAY header, print it once before each failure.
sed -e 's/\x1b\[[0-9;]*m//g' "$log" | awk '
  function flush() {
    if (pending == "") return
    if (header != "" && !shown) { print header; shown = 1 }
    printf "%s", pending
    pending = ""; n++
  }
  function keep(line) {
    if (length(line) > 600) line = substr(line, 1, 600) " ...(cut)"
    pending = pending line "\n"
  }
  # The YAML callback prints a failure over several indented lines.
  pending != "" && /^[ \t]/ { if (extra++ < 12) keep($0); next }
  # A failure Ansible ignores (ignore_errors) is followed by "...ignoring": not a failure.
  /^\.\.\.ignoring/ { pending = ""; next }
  { flush() }
  /^(TASK|PLAY|RUNNING HANDLER) \[/ { header = $0; shown = 0; next }
  /^FAILED - RETRYING/ { next }
  /^fatal: \[|^failed: \[|FAILED! =>|^ERROR!|^ERROR: |^E  +|^FAILED |AssertionError|^not ok |^--- FAIL|^make(\[[0-9]+\])?: \*\*\*|Executed: Failed|^FAIL: |^FAIL / {
    extra = 0; keep($0)
  }
  END { flush(); if (n == 0) print "(no failure line recognised; read the full log above)" }
' | tail -n 120
echo "=================================================================="
