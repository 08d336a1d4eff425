#!/usr/bin/env bash
# Integration tests of ecs_task_definition and the task and service roles against the AWS emulator.
#
# Starts its own moto_server on a free loopback port (or $EMULATOR_PORT) and stops it at the end.
# MOTO_ECS_SERVICE_RUNNING=2 makes the emulator report 2 running tasks per service (it runs none),
# so a 2-task deployment reaches rolloutState COMPLETED and a larger one stays IN_PROGRESS.
#
# Usage: tests/integration/run.sh [name ...]     (default: task_definition task service cloud_map)
#   <name>/test.yml        playbook with assertions
#   <name>/converge.yml    if present: run twice after test.yml's fixture, then with --check --diff;
#                          the second and the check runs must report changed=0
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=${VENV:-.venv}
port=${EMULATOR_PORT:-$("$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
log=$(mktemp -d)
MOTO_IAM_LOAD_MANAGED_POLICIES=true MOTO_ECS_SERVICE_RUNNING=2 \
  "$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$log/moto.log" 2>&1 &
moto=$!
trap 'kill "$moto" 2>/dev/null || true; wait "$moto" 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do
  "$venv/bin/python" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/moto-api/', timeout=2)" \
    >/dev/null 2>&1 && break
  sleep 0.5
done
ap() { "$venv/bin/ansible-playbook" -i inventory/local -e "emulator_port=$port" "$@"; }
changed_of() { grep -E '^localhost +:' "$1" | sed -E 's/.*changed=([0-9]+).*/\1/' | tail -n 1; }

names=("$@")
[ ${#names[@]} -gt 0 ] || names=(task_definition task service cloud_map)
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
