#!/usr/bin/env bash
# The helpers below run from the EXIT trap or from check, which evaluates the single-quoted
# expressions given to it later (so shellcheck's SC2317 and SC2016 do not apply).
# shellcheck disable=SC2016,SC2317
# Local teardown spares what is not its own (issue 11, point 7), with the project's own playbooks:
# two local deployments (lt-one, lt-two) on ONE emulator and one Podman service, both the test's
# own (emulator port $LT_EMULATOR_PORT, a Podman service with its own storage and socket, so no
# other stack's engine or emulator is touched).
#  1. teardown of lt-one removes lt-one's resources and container; the emulator keeps running
#     with lt-two's resources in it, and the Podman service keeps running for lt-two's container;
#  2. a second teardown of lt-one reports changed=0;
#  3. teardown of lt-two stops the emulator and the Podman service (nothing of the deploy runs), though both
#     deployments' deleted NAT gateways are still listed by the tagging API (as AWS lists them for about an hour);
#  4. a second teardown of lt-two reports changed=0 and starts neither.
# About 5 minutes on 2 busy cores. The runs' logs are kept in tests/output/local_teardown/.
set -euo pipefail
cd "$(dirname "$0")/../../.."
venv=${VENV:-.venv}
port=${LT_EMULATOR_PORT:-5444}
work=$(mktemp -d /tmp/lt.XXXXXX)
export ANSIBLE_CONFIG=$PWD/ansible.cfg ANSIBLE_NOCOLOR=true
# The test's own Podman: its own storage, run and temporary directories, containers without network.
mkdir -p "$work/conf" "$work/state" "$work/emulator"
cp files/podman/containers.conf "$work/conf/containers.conf"
printf 'tmp_dir = "%s/tmp"\n' "$work" >>"$work/conf/containers.conf"   # the last section is [engine]
printf '[storage]\ndriver = "vfs"\nrunroot = "%s/run"\ngraphroot = "%s/graph"\n' "$work" "$work" >"$work/conf/storage.conf"
export CONTAINERS_CONF=$work/conf/containers.conf CONTAINERS_STORAGE_CONF=$work/conf/storage.conf
sock=$work/podman.sock
vars=(-e "emulator_port=$port" -e "emulator_state_dir=$work/emulator" -e "container_engine_docker_host=unix://$sock"
      -e "container_engine_state_dir=$work/state" -e "container_engine_podman_conf_dir=$work/conf"
      -e "container_engine_start_podman=true" -e "lt_work=$work")
# Every podman command names the test's own storage, so nothing outside it can ever be touched.
lpod() { podman --root "$work/graph" --runroot "$work/run" "$@"; }
cleanup() {
  if [ -d "$work/graph" ]; then lpod rm -af >/dev/null 2>&1 || true; fi
  for pidfile in "$work/state/podman.pid" "$work/emulator/moto.pid"; do
    if [ -f "$pidfile" ]; then kill "$(cat "$pidfile")" 2>/dev/null || true; fi
  done
  if mkdir -p tests/output/local_teardown; then cp "$work"/*.log tests/output/local_teardown/ 2>/dev/null || true; fi
  sleep 1; rm -rf "$work"
}
trap cleanup EXIT
FAILED=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; FAILED=$((FAILED + 1)); }
ap() { local log=$1; shift; "$venv/bin/ansible-playbook" -i inventory/local "${vars[@]}" "$@" >"$work/$log.log" 2>&1; }
changed_of() { grep -E '^localhost +:' "$work/$1.log" | sed -E 's/.*changed=([0-9]+).*/\1/' | tail -n 1; }
check() { if eval "$2"; then pass "$1"; else fail "$1"; tail -n 30 "$work/${3:-none}.log" 2>/dev/null || true; fi; }
emulator_up() { "$venv/bin/python" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/moto-api/', timeout=3)" 2>/dev/null; }
owners() {  # the deployments owning resources in the emulator, by the ownership tag
  "$venv/bin/python" - "$port" <<'PY'
import sys, boto3
c = boto3.client("resourcegroupstaggingapi", endpoint_url="http://127.0.0.1:%s" % sys.argv[1], region_name="us-east-1",
                 aws_access_key_id="testing", aws_secret_access_key="testing")
ecs = boto3.client("ecs", endpoint_url=c.meta.endpoint_url, region_name="us-east-1",
                   aws_access_key_id="testing", aws_secret_access_key="testing")
ec2 = boto3.client("ec2", endpoint_url=c.meta.endpoint_url, region_name="us-east-1",
                   aws_access_key_id="testing", aws_secret_access_key="testing")
items = c.get_paginator("get_resources").paginate(TagFilters=[{"Key": "fargate.microservice/deployment"}]).build_full_result()
owners = set()
for i in items["ResourceTagMappingList"]:
    arn = i["ResourceARN"]
    # A deleted cluster stays listed (INACTIVE) for a while: it is no longer anyone's.
    if ":cluster/" in arn and ecs.describe_clusters(clusters=[arn])["clusters"][0]["status"] != "ACTIVE":
        continue
    # A deleted NAT gateway stays listed too (on AWS for about an hour).
    if ":natgateway/" in arn and ec2.describe_nat_gateways(
            NatGatewayIds=[arn.rsplit("/", 1)[1]])["NatGateways"][0]["State"] == "deleted":
        continue
    owners.update(t["Value"] for t in i["Tags"] if t["Key"] == "fargate.microservice/deployment")
print(" ".join(sorted(owners)))
PY
}
nat_gateways() {  # how many NAT gateways tagged as deployment $1 the emulator lists in state $2
  "$venv/bin/python" - "$port" "$1" "$2" <<'PY'
import sys, boto3
ec2 = boto3.client("ec2", endpoint_url="http://127.0.0.1:%s" % sys.argv[1], region_name="us-east-1",
                   aws_access_key_id="testing", aws_secret_access_key="testing")
gateways = ec2.describe_nat_gateways()["NatGateways"]
print(sum(1 for g in gateways if g["State"] == sys.argv[3]
          and {"Key": "fargate.microservice/deployment", "Value": sys.argv[2]} in g.get("Tags", [])))
PY
}
listed_nat_gateways() {  # how many NAT gateways tagged as deployment $1 the tagging API lists
  "$venv/bin/python" - "$port" "$1" <<'PY'
import sys, boto3
c = boto3.client("resourcegroupstaggingapi", endpoint_url="http://127.0.0.1:%s" % sys.argv[1], region_name="us-east-1",
                 aws_access_key_id="testing", aws_secret_access_key="testing")
items = c.get_paginator("get_resources").paginate(
    TagFilters=[{"Key": "fargate.microservice/deployment", "Values": [sys.argv[2]]}], ResourceTypeFilters=["ec2:natgateway"]
).build_full_result()["ResourceTagMappingList"]
print(len(items))
PY
}
containers_of() { lpod ps -a --filter "label=fargate.microservice/deployment=$1" --format '{{.Names}}' | wc -l; }
podman_alive() { [ -f "$work/state/podman.pid" ] && kill -0 "$(cat "$work/state/podman.pid")" 2>/dev/null; }

if emulator_up; then echo "port $port is taken: set LT_EMULATOR_PORT to a free one"; exit 2; fi
start=$(date +%s)
for d in lt-one lt-two; do
  ap "setup-$d" tests/integration/local_teardown/setup.yml -e "microservice_deployment=$d" || { fail "setup $d"; tail -n 30 "$work/setup-$d.log"; exit 1; }
done
check "both deployments own resources in one emulator" '[ "$(owners)" = "lt-one lt-two" ]'
check "each deployment has a NAT gateway in the emulator" '[ "$(nat_gateways lt-one available)" = 1 ] && [ "$(nat_gateways lt-two available)" = 1 ]'
check "both deployments have a container in the test's engine" '[ "$(containers_of lt-one)" = 1 ] && [ "$(containers_of lt-two)" = 1 ]'

ap teardown-one-1 playbooks/teardown.yml -e microservice_deployment=lt-one || fail "teardown lt-one"
check "lt-one's teardown leaves the emulator running" emulator_up teardown-one-1
check "lt-two's resources are still in the emulator, lt-one's are gone" '[ "$(owners)" = "lt-two" ]' teardown-one-1
check "lt-one's teardown says why the emulator keeps running" 'tr -s "\n " "  " <"$work/teardown-one-1.log" | grep -q "deployment(s) lt-two still own resources in it"'
check "lt-one's NAT gateway is deleted and still listed by the tagging API (as on AWS)" '[ "$(nat_gateways lt-one deleted)" = 1 ] && [ "$(listed_nat_gateways lt-one)" = 1 ]' teardown-one-1
check "lt-one's container is gone, lt-two's is there" '[ "$(containers_of lt-one)" = 0 ] && [ "$(containers_of lt-two)" = 1 ]'
check "the Podman service stays up while lt-two's container is in the engine" podman_alive teardown-one-1

ap teardown-one-2 playbooks/teardown.yml -e microservice_deployment=lt-one || fail "second teardown lt-one"
check "a second teardown of lt-one reports changed=0" '[ "$(changed_of teardown-one-2)" = 0 ]' teardown-one-2

ap teardown-two-1 playbooks/teardown.yml -e microservice_deployment=lt-two || fail "teardown lt-two"
check "the last teardown stops the emulator" '! emulator_up' teardown-two-1
check "the last teardown stops the Podman service the project started" '! podman_alive && [ ! -S "$sock" ]' teardown-two-1

ap teardown-two-2 playbooks/teardown.yml -e microservice_deployment=lt-two || fail "second teardown lt-two"
check "a second teardown of lt-two reports changed=0" '[ "$(changed_of teardown-two-2)" = 0 ]' teardown-two-2
check "the second teardown started neither the emulator nor Podman" '! emulator_up && ! podman_alive' teardown-two-2

echo "local teardown: $FAILED failure(s) in $(( $(date +%s) - start )) s"
exit $((FAILED > 0))
