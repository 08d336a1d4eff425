#!/usr/bin/env bash
# Integration tests of ecs_task_definition and the task and service roles against the AWS emulator.
#
# Starts its own emulator (tests/integration/emulator.sh) on a free loopback port (or $EMULATOR_PORT) and stops it
# at the end.
# MOTO_ECS_SERVICE_RUNNING=2 makes the emulator report 2 running tasks per service (it runs none),
# so a 2-task deployment reaches rolloutState COMPLETED and a larger one stays IN_PROGRESS.
#
# The emulator records requests (moto's request recorder, to $log/recording) once a test starts
# recording (POST /moto-api/recorder/start-recording), so a test can assert which calls were made.
#
# Usage: tests/integration/run.sh [name ...]     (default: task_definition task service rollback cloud_map)
#   <name>/test.yml        playbook with assertions
#   <name>/converge.yml    if present: run twice after test.yml's fixture, then with --check --diff;
#                          the second and the check runs must report changed=0
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=${VENV:-.venv}
# shellcheck source=tests/integration/emulator.sh
source tests/integration/emulator.sh
port=${EMULATOR_PORT:-$(emulator_free_port)}
log=$(mktemp -d)
trap 'emulator_stop' EXIT
emulator_start "$port" "$log/moto.log" MOTO_ECS_SERVICE_RUNNING=2 MOTO_RECORDER_FILEPATH="$log/recording"
ap() { "$venv/bin/ansible-playbook" -i inventory/local -e "emulator_port=$port" "$@"; }
changed_of() { grep -E '^localhost +:' "$1" | sed -E 's/.*changed=([0-9]+).*/\1/' | tail -n 1; }

names=("$@")
[ ${#names[@]} -gt 0 ] || names=(task_definition task service rollback cloud_map)
for name in "${names[@]}"; do
  echo "=== integration: $name (emulator port $port)"
  ap "tests/integration/$name/test.yml"
  if [ -f "tests/integration/$name/converge.yml" ]; then
    echo "=== check mode on the fixture stack before $name converges (must not fail)"
    ap tests/integration/fixtures/stack.yml >/dev/null
    ap "tests/integration/$name/converge.yml" --check --diff | tail -n 3
    echo "=== idempotence: $name"
    ap "tests/integration/$name/converge.yml" | tee "$log/first" | tail -n 3
    ap "tests/integration/$name/converge.yml" | tee "$log/second" | tail -n 3
    ap "tests/integration/$name/converge.yml" --check --diff | tee "$log/check" | tail -n 3
    for run in second check; do
      c=$(changed_of "$log/$run")
      if [ "$c" != 0 ]; then
        echo "FAIL: the $run run of $name/converge.yml reported changed=$c (want 0)"
        grep -B2 -A12 '^changed:' "$log/$run" | head -n 60
        exit 1
      fi
    done
    echo "OK: second run and --check --diff run report changed=0"
  fi
done
