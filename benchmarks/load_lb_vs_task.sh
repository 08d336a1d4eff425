#!/usr/bin/env bash
# Load benchmark of the local target: the same wrk run through the load balancer (HAProxy) and
# straight to one task's published port, printed side by side (requests/s, p50/p99 latency,
# errors). Figures, not a test. Loopback only; each run is bounded in time.
#
# Usage: benchmarks/load_lb_vs_task.sh [deployment] [lb_url]
#   deployment  containers are found by label (default countweb)
#   lb_url      default http://127.0.0.1:8080/home
# Environment: DURATION (10s), THREADS (2), CONNECTIONS (32),
#              DOCKER_HOST (default unix:///run/fargate-microservice/podman.sock).
set -euo pipefail
deployment=${1:-countweb}
lb_url=${2:-http://127.0.0.1:8080/home}
duration=${DURATION:-10s}
threads=${THREADS:-2}
connections=${CONNECTIONS:-32}
docker_host=${DOCKER_HOST:-unix:///run/fargate-microservice/podman.sock}

command -v wrk >/dev/null || { echo "wrk is not installed: run make setup-host (Debian package wrk)." >&2; exit 1; }
case "$lb_url" in
  http://127.*|http://localhost[:/]*) ;;
  *) echo "load_lb_vs_task.sh only loads loopback addresses, got $lb_url" >&2; exit 1 ;;
esac
case "$docker_host" in
  unix://*) api=(curl -sf --unix-socket "${docker_host#unix://}"); api_base=http://localhost ;;
  tcp://*) api=(curl -sf); api_base="http://${docker_host#tcp://}" ;;
  *) echo "DOCKER_HOST must be unix:// or tcp://, got $docker_host" >&2; exit 1 ;;
esac

filters=$(printf '{"label":["fargate.microservice/deployment=%s","fargate.microservice/role=infra"]}' "$deployment")
port=$("${api[@]}" "$api_base/containers/json" -G --data-urlencode "filters=$filters" | python3 -c '
import json, sys
tasks = sorted(json.load(sys.stdin), key=lambda c: c["Labels"]["fargate.microservice/task-id"])
print(tasks[0]["Labels"]["fargate.microservice/host-port"] if tasks else "")')
[ -n "$port" ] || { echo "No running task of deployment $deployment: deploy it first (make deploy)." >&2; exit 1; }
path=/${lb_url#http://*/}
task_url="http://127.0.0.1:${port}${path}"

curl -sf -o /dev/null "$lb_url" || { echo "$lb_url does not answer: deploy first (make deploy)." >&2; exit 1; }
curl -sf -o /dev/null "$task_url" || { echo "$task_url does not answer." >&2; exit 1; }

run() { wrk -t"$threads" -c"$connections" -d"$duration" --latency "$1"; }
parse() {  # wrk output on stdin -> "rps p50 p99 errors"
  python3 -c '
import re, sys
out = sys.stdin.read()
def lat(p):
    m = re.search(r"^\s*%s%%\s+(\S+)" % p, out, re.M)
    return m.group(1) if m else "?"
rps = re.search(r"Requests/sec:\s+(\S+)", out)
total = re.search(r"(\d+) requests in", out)
errs = sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
errs += int(non2xx.group(1)) if non2xx else 0
print(rps.group(1) if rps else "?", lat(50), lat(99), errs, total.group(1) if total else "?")'
}

echo "wrk -t$threads -c$connections -d$duration on $(nproc) CPU(s): $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
lb=$(run "$lb_url" | parse)
task=$(run "$task_url" | parse)
printf '%-34s %10s %10s %10s %8s %10s\n' path req/s p50 p99 errors requests
# $lb and $task hold five space-separated figures each: split on purpose.
# shellcheck disable=SC2086
printf '%-34s %10s %10s %10s %8s %10s\n' "load balancer ${lb_url#http://}" $lb
# shellcheck disable=SC2086
printf '%-34s %10s %10s %10s %8s %10s\n' "one task 127.0.0.1:$port$path" $task
