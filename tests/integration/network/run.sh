#!/usr/bin/env bash
# Integration test of roles/network against the AWS emulator (moto server).
#   tests/integration/network/run.sh            (port 5101, or NETWORK_TEST_PORT;
#                                                deployment of the inventory, or NETWORK_TEST_DEPLOYMENT)
# It resets the emulator on that port: use a port nothing else needs. An emulator this script had to
# start (tests/integration/emulator.sh) is stopped at the end. Logs go to a temporary directory
# printed at the start.
set -uo pipefail
# The default callback's output: the checks below read task headers (plugins/callback/progress.py hides them).
export FARGATE_MICROSERVICE_FULL_OUTPUT=true
cd "$(dirname "$0")/../../.." || exit 2
PORT="${NETWORK_TEST_PORT:-5101}"
HERE=tests/integration/network
WORK="$(mktemp -d /tmp/network-test.XXXXXX)"
TAGS='{"microservice_tags": {"env": "network-test"}}'
AP=(.venv/bin/ansible-playbook -e "emulator_port=$PORT")
if [[ -n "${NETWORK_TEST_DEPLOYMENT:-}" ]]; then AP+=(-e "microservice_deployment=$NETWORK_TEST_DEPLOYMENT"); fi
FAILED=0
echo "logs: $WORK"

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1"; FAILED=$((FAILED + 1)); }

# run NAME RC CHANGED ARGS...  (CHANGED: a number, '+' for at least one, '-' for any)
run() {
  local name=$1 want_rc=$2 want_changed=$3; shift 3
  "${AP[@]}" "$@" >"$WORK/$name.log" 2>&1
  local rc=$? changed
  changed=$(grep -E '^localhost +:' "$WORK/$name.log" | tail -1 | sed -E 's/.*changed=([0-9]+).*/\1/')
  if [[ $rc -ne $want_rc ]]; then fail "$name (rc=$rc, want $want_rc; see $WORK/$name.log)"; return; fi
  case $want_changed in
    -) ;;
    +) [[ ${changed:-0} -ge 1 ]] || { fail "$name (changed=$changed, want >=1)"; return; } ;;
    *) [[ ${changed:-x} == "$want_changed" ]] || { fail "$name (changed=$changed, want $want_changed)"; grep -E '^changed' -B2 "$WORK/$name.log" | head -20; return; } ;;
  esac
  pass "$name (rc=$rc changed=${changed:-?})"
}

# bad NAME MESSAGE ARGS...: the run must fail with MESSAGE before any AWS call
bad() {
  local name=$1 msg=$2; shift 2
  "${AP[@]}" site.yml --tags network "$@" >"$WORK/$name.log" 2>&1
  local rc=$?
  if [[ $rc -eq 0 ]]; then fail "$name (succeeded)"; return; fi
  if ! grep -qF -- "$msg" "$WORK/$name.log"; then fail "$name (message '$msg' missing; see $WORK/$name.log)"; return; fi
  if grep -qE 'TASK \[fargate.microservice.network : Look up' "$WORK/$name.log"; then fail "$name (an AWS lookup ran before the failure)"; return; fi
  pass "$name"
}

# shellcheck source=tests/integration/emulator.sh
source tests/integration/emulator.sh
trap emulator_stop EXIT
if ! emulator_up "$PORT"; then
  emulator_start "$PORT" "$WORK/emulator.log" || { fail "start the emulator on port $PORT"; exit 1; }
fi
curl -sf -X POST "http://127.0.0.1:$PORT/moto-api/reset" >/dev/null || fail "reset the emulator"

# Bad input fails in argument validation or preflight, before any AWS call.
bad bad-cidr "network_vpc_cidr '10.1.0.0/33' is not a valid network address" -e network_vpc_cidr=10.1.0.0/33
bad bad-outside "is outside the VPC 10.1.0.0/16" -e '{"network_public_subnet_cidrs": ["10.2.0.0/24", "10.1.3.0/24"]}'
bad bad-overlap "overlaps network_private_subnet_cidrs[0] 10.1.0.0/25" -e '{"network_private_subnet_cidrs": ["10.1.0.0/25", "10.1.2.0/24"]}'
bad bad-nat-mode "network_nat_mode" -e network_nat_mode=double
bad bad-name-empty "microservice_deployment '' is invalid" -e microservice_deployment=
bad bad-name-upper "microservice_deployment 'CountWeb' is invalid" -e microservice_deployment=CountWeb
bad bad-one-az "network_availability_zones lists 1 zone(s)" -e '{"network_availability_zones": ["us-east-1a"]}'
bad bad-ingress "network_alb_ingress_cidrs[0]" -e '{"network_alb_ingress_cidrs": ["everyone"]}'
bad bad-port "network_task_port 70000 is not a TCP port" -e network_task_port=70000

# Check mode on an empty account must not fail.
run check-empty 0 - site.yml --tags network --check --diff

# An unowned VPC with the same Name and CIDR must be neither adopted nor deleted.
run decoy 0 + "$HERE/decoy.yml" -e "network_test_decoy_file=$WORK/decoy"
DECOY="$(cat "$WORK/decoy" 2>/dev/null)"

# single (the lab): deploy, rerun, check mode, verify
run single-1 0 + site.yml --tags network -e "$TAGS"
run single-2 0 0 site.yml --tags network -e "$TAGS"
run single-check 0 0 site.yml --tags network -e "$TAGS" --check --diff
run single-verify 0 - "$HERE/verify.yml" -e network_nat_mode=single -e "network_test_decoy_id=$DECOY" \
  -e '{"network_test_extra_tags": {"env": "network-test"}}'

# Drift behind the role's back (what it compares before skipping a module call): one rerun repairs it all.
DEPLOYMENT="${NETWORK_TEST_DEPLOYMENT:-$(.venv/bin/ansible-inventory -i inventory/local --host localhost 2>/dev/null \
  | .venv/bin/python -c 'import json, sys; print(json.load(sys.stdin)["microservice_deployment"])')}"
if .venv/bin/python "$HERE/drift.py" "$PORT" "$DEPLOYMENT" apply "$WORK/drift.json"; then pass "drift-apply"; else fail "drift-apply"; fi
run drift-repair 0 + site.yml --tags network -e "$TAGS"
run drift-repair-2 0 0 site.yml --tags network -e "$TAGS"
if .venv/bin/python "$HERE/drift.py" "$PORT" "$DEPLOYMENT" check "$WORK/drift.json"; then pass "drift-repaired"; else fail "drift-repaired"; fi

# A run interrupted after the EIP was allocated and before the NAT gateway existed.
run crash 0 + "$HERE/crash.yml" -e "network_test_eip_file=$WORK/eip"
run crash-rerun 0 + site.yml --tags network -e "$TAGS"
run crash-adopted 0 - "$HERE/crash.yml" --tags after -e "network_test_eip_file=$WORK/eip"
run crash-rerun-2 0 0 site.yml --tags network -e "$TAGS"

# per_az, then none (switching modes removes what the new mode does not use)
run per-az-1 0 + site.yml --tags network -e "$TAGS" -e network_nat_mode=per_az
run per-az-2 0 0 site.yml --tags network -e "$TAGS" -e network_nat_mode=per_az
run per-az-check 0 0 site.yml --tags network -e "$TAGS" -e network_nat_mode=per_az --check --diff
run per-az-verify 0 - "$HERE/verify.yml" -e network_nat_mode=per_az -e "network_test_decoy_id=$DECOY"
run none-1 0 + site.yml --tags network -e "$TAGS" -e network_nat_mode=none
run none-2 0 0 site.yml --tags network -e "$TAGS" -e network_nat_mode=none
run none-check 0 0 site.yml --tags network -e "$TAGS" -e network_nat_mode=none --check --diff
run none-verify 0 - "$HERE/verify.yml" -e network_nat_mode=none -e "network_test_decoy_id=$DECOY"

# Teardown: check mode changes nothing, then remove, then rerun (no change), decoy survives.
run teardown-check 0 + playbooks/teardown.yml --tags network --check
run none-still-there 0 - "$HERE/verify.yml" -e network_nat_mode=none
run teardown-1 0 + playbooks/teardown.yml --tags network
run teardown-2 0 0 playbooks/teardown.yml --tags network
run teardown-check-empty 0 0 playbooks/teardown.yml --tags network --check
run absent-verify 0 - "$HERE/verify.yml" -e network_test_expect=absent -e "network_test_decoy_id=$DECOY"

# A fresh deployment in mode none (the no-NAT path from scratch), then teardown.
run none-fresh 0 + site.yml --tags network -e network_nat_mode=none
run none-fresh-2 0 0 site.yml --tags network -e network_nat_mode=none
run none-fresh-verify 0 - "$HERE/verify.yml" -e network_nat_mode=none
# none -> single -> none in the same VPC: ec2_vpc_endpoint would adopt the deleted endpoints,
# so the role stops before changing anything, with a message.
run roundtrip-single 0 + site.yml --tags network
run roundtrip-none 2 0 site.yml --tags network -e network_nat_mode=none
if grep -qF "still lists deleted endpoint(s)" "$WORK/roundtrip-none.log"; then pass "roundtrip-none message"; else fail "roundtrip-none message"; fi
run none-teardown 0 + playbooks/teardown.yml --tags network
run none-absent-verify 0 - "$HERE/verify.yml" -e network_test_expect=absent -e "network_test_decoy_id=$DECOY"

echo "network integration: $FAILED failure(s); logs in $WORK"
exit $((FAILED > 0))
