#!/usr/bin/env bash
# Run the integration playbooks under tests/integration/<name>/test.yml against an emulator on
# port ${EMULATOR_PORT:-5103} (started by the emulator role if not running, left running).
# Usage: tests/integration/run.sh [name ...]     (default: task_definition task service)
set -euo pipefail
cd "$(dirname "$0")/../.."
port=${EMULATOR_PORT:-5103}
venv=${VENV:-.venv}
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(task_definition task service)
for name in "${names[@]}"; do
  echo "=== integration: $name (emulator port $port)"
  "$venv/bin/ansible-playbook" -i inventory/local -e "emulator_port=$port" "tests/integration/$name/test.yml"
done
