#!/usr/bin/env bash
# Integration test of playbooks/cost.yml and the short form at the start of site.yml: real runs
# with no AWS credentials and every AWS endpoint unreachable (a proxy on a closed port), so any AWS
# call would fail the run. Needs no emulator. Totals are the hand-worked ones of
# tests/unit/plugins/module_utils/test_cost.py. Logs go to a temporary directory printed first.
set -uo pipefail
cd "$(dirname "$0")/../../.." || exit 2
WORK="$(mktemp -d /tmp/cost-test.XXXXXX)"
FAILED=0
echo "logs: $WORK"
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1"; FAILED=$((FAILED + 1)); }

# No credentials anywhere, and any HTTP(S) request goes to a closed port.
unset AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_URL AWS_ENDPOINT_URL
export AWS_CONFIG_FILE=/nonexistent AWS_SHARED_CREDENTIALS_FILE=/nonexistent AWS_EC2_METADATA_DISABLED=true
export HTTPS_PROXY=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9 NO_PROXY=
export ANSIBLE_CONFIG="$PWD/ansible.cfg"
# One message per line in the logs (the default YAML format wraps long strings).
export ANSIBLE_CALLBACK_RESULT_FORMAT=json
AP=(.venv/bin/ansible-playbook)

# run NAME RC ARGS...: run and keep the log; RC is the wanted exit code. Nothing may change but
# the JSON file cost_path names (a local file written by the copy module).
run() {
  local name=$1 want_rc=$2 want_changed=0; shift 2
  [[ "$*" == *cost_path=* ]] && want_changed=1
  "${AP[@]}" "$@" >"$WORK/$name.log" 2>&1
  local rc=$?
  [[ $rc -eq $want_rc ]] || { fail "$name (rc=$rc, want $want_rc; see $WORK/$name.log)"; return 1; }
  grep -qE "changed=$want_changed " "$WORK/$name.log" || { fail "$name (changed is not $want_changed; see $WORK/$name.log)"; return 1; }
  return 0
}
# total NAME MODE MONTHLY: the JSON estimate's monthly total for MODE is MONTHLY (to the cent)
total() {
  .venv/bin/python - "$WORK/$1.json" "$2" "$3" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
got = report["modes"][sys.argv[2]]["monthly"]
sys.exit(0 if abs(got - float(sys.argv[3])) < 0.005 else f"{sys.argv[2]}: {got:.6f}, want {sys.argv[3]}")
PY
}

# 1. Defaults on the aws inventory: every NAT mode against the hand-worked totals.
if run defaults 0 -i inventory/aws playbooks/cost.yml -e "cost_path=$WORK/defaults.json"; then
  ok=1
  for pair in single:79.28 per_az:115.78 none:86.38; do total defaults "${pair%%:*}" "${pair##*:}" || ok=0; done
  grep -qF 'total per month                      79.28      115.78       86.38' "$WORK/defaults.log" || ok=0
  if [[ $ok == 1 ]]; then pass "defaults: 79.28 / 115.78 / 86.38 USD a month (single / per_az / none)"; else fail "defaults (see $WORK/defaults.log)"; fi
fi

# 2. The cost role's fallbacks are the owning roles' defaults: loading those defaults changes nothing.
DEFAULT_FILES=()
for role in network task service ecs_cluster alb; do DEFAULT_FILES+=(-e "@roles/$role/defaults/main.yml"); done
if run role-defaults 0 -i inventory/aws playbooks/cost.yml "${DEFAULT_FILES[@]}" -e "cost_path=$WORK/role-defaults.json"; then
  if .venv/bin/python -c 'import json,sys; a,b=(json.load(open(f))["modes"] for f in sys.argv[1:]); sys.exit(a!=b)' \
      "$WORK/defaults.json" "$WORK/role-defaults.json"; then
    pass "role-defaults: the estimate with every owning role's defaults loaded is the same"
  else
    fail "role-defaults: the cost role's fallbacks differ from the roles' defaults (compare $WORK/*.json)"
  fi
fi

# 3. network_nat_mode none with ARM64 on the local inventory: 86.378239 - 3.60255 = 82.78 a month.
if run none-arm 0 -i inventory/local playbooks/cost.yml -e network_nat_mode=none -e task_cpu_architecture=ARM64 \
    -e "cost_path=$WORK/none-arm.json"; then
  if total none-arm none 82.78; then pass "none-arm: 82.78 USD a month"; else fail "none-arm (see $WORK/none-arm.json)"; fi
fi

# 4. A price override from the command line: NAT 0.05/h -> 79.28 + 3.65 = 82.93.
if run override 0 -i inventory/aws playbooks/cost.yml -e '{"cost_prices": {"nat_gateway_hour": 0.05}}' \
    -e "cost_path=$WORK/override.json"; then
  if total override single 82.93; then pass "override: 82.93 USD a month"; else fail "override (see $WORK/override.json)"; fi
fi

# 4b. A region whose list lacks some prices (us-west-2: alb_lcu_hour and logs_storage_gb_month are
#     null; its other prices are us-east-1's): the lines are printed as unpriced, the totals are the
#     priced lines' (79.283239 - 0.2336 - 0.029589 = 79.02 single, + 32.85 + 3.65 = 115.52 per_az,
#     - 32.85 - 0.225 - 3.65 + 43.80 + 0.02 = 86.12 none).
if run us-west-2 0 -i inventory/aws playbooks/cost.yml -e microservice_aws_region=us-west-2 -e "cost_path=$WORK/us-west-2.json"; then
  ok=1
  for pair in single:79.02 per_az:115.52 none:86.12; do total us-west-2 "${pair%%:*}" "${pair##*:}" || ok=0; done
  grep -qF 'Load balancer LCUs                unpriced    unpriced    unpriced' "$WORK/us-west-2.log" || ok=0
  grep -qF 'priced lines per month               79.02      115.52       86.12' "$WORK/us-west-2.log" || ok=0
  grep -qF 'Unpriced in us-west-2 (no confirmed price in roles/cost/vars/prices.yml): Load balancer LCUs (alb_lcu_hour)' "$WORK/us-west-2.log" || ok=0
  .venv/bin/python -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit([u["price"] for u in r["unpriced"]] != ["alb_lcu_hour","logs_storage_gb_month"])' \
    "$WORK/us-west-2.json" || ok=0
  if [[ $ok == 1 ]]; then pass "us-west-2: unpriced lines named, priced lines 79.02 / 115.52 / 86.12"; else fail "us-west-2 (see $WORK/us-west-2.log)"; fi
fi

# 4c. Two other regions against their hand calculations in test_cost.py, every NAT mode fully priced:
#     eu-central-1 90.55 / 132.16 / 101.26 (6 interface endpoints at 0.012/h: 52.56), eu-west-1
#     83.53 / 122.22 / 92.80 (at 0.011/h: 48.18).
for pair in eu-central-1:90.55:132.16:101.26:52.56 eu-west-1:83.53:122.22:92.80:48.18; do
  IFS=: read -r region single per_az none endpoints <<<"$pair"
  if run "$region" 0 -i inventory/aws playbooks/cost.yml -e "microservice_aws_region=$region" -e "cost_path=$WORK/$region.json"; then
    ok=1
    for mode_total in "single:$single" "per_az:$per_az" "none:$none"; do total "$region" "${mode_total%%:*}" "${mode_total##*:}" || ok=0; done
    grep -qF "Interface endpoints                   0.00        0.00       $endpoints" "$WORK/$region.log" || ok=0
    .venv/bin/python -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(r["unpriced"] != [] or r["unpriced_in_any_mode"] != [])' \
      "$WORK/$region.json" || ok=0
    if [[ $ok == 1 ]]; then pass "$region: $single / $per_az / $none (endpoints $endpoints)"; else fail "$region (see $WORK/$region.log)"; fi
  fi
done

# 5. Bad input stops with one sentence naming the variable.
bad() {
  local name=$1 msg=$2; shift 2
  "${AP[@]}" -i inventory/aws playbooks/cost.yml "$@" >"$WORK/$name.log" 2>&1 && { fail "$name (succeeded)"; return; }
  if grep -qF -- "$msg" "$WORK/$name.log"; then pass "$name: $msg"; else fail "$name (message '$msg' missing; see $WORK/$name.log)"; fi
}
bad unknown-region "The price list has no prices for microservice_aws_region 'xx-east-9'" -e microservice_aws_region=xx-east-9
grep -qF "set cost_prices with" "$WORK/unknown-region.log" || fail "unknown-region (no 'set cost_prices')"
bad bad-mode "network_nat_mode must be one of single, per_az, none, got 'both'." -e network_nat_mode=both
bad bad-price "cost_prices names unknown prices nat_hour" -e '{"cost_prices": {"nat_hour": 1}}'
bad bad-traffic "cost_log_ingested_gb_month' is of type str and we were unable to convert to float" -e cost_log_ingested_gb_month=lots

# 6. site.yml prints the short form first on the aws target (and in check mode), and a missing
#    price there does not stop the run. --tags cost runs nothing else but
#    the roles' argument checks (no AWS call).
if run site-aws 0 -i inventory/aws site.yml --tags cost; then
  if grep -qF 'Estimated cost in us-east-1 (network_nat_mode single): 0.1086 USD per hour, 79.28 USD per month' "$WORK/site-aws.log"; then
    pass "site-aws: short form printed"
  else
    fail "site-aws (no short form; see $WORK/site-aws.log)"
  fi
fi
if run site-aws-check 0 -i inventory/aws site.yml --tags cost --check; then
  if grep -qF 'Estimated cost in us-east-1' "$WORK/site-aws-check.log"; then pass "site-aws-check: short form printed"; else fail "site-aws-check"; fi
fi
if run site-aws-partial 0 -i inventory/aws site.yml --tags cost -e microservice_aws_region=us-west-2; then
  if grep -qF "Estimated cost in us-west-2 (network_nat_mode single): at least 0.1082 USD per hour, 79.02 USD per month" "$WORK/site-aws-partial.log" \
      && grep -qF "unpriced in us-west-2: alb_lcu_hour, logs_storage_gb_month (set cost_prices)" "$WORK/site-aws-partial.log"; then
    pass "site-aws-partial: the short form names the unpriced prices and the run goes on"
  else
    fail "site-aws-partial (see $WORK/site-aws-partial.log)"
  fi
fi
# (A plain run on the local target, where the cost play is skipped, is not run here: its emulator
# play, tagged always, would start an emulator.)

echo "cost integration: $FAILED failure(s)"
if [[ $FAILED -eq 0 ]]; then rm -rf "$WORK"; fi
[[ $FAILED -eq 0 ]]
