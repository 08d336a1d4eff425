"""Exactness run: N concurrent requests carrying one X-Forwarded-For client must end with a
visit count of exactly N for that client (the lab's GET-then-SET loses increments here).

The requests go straight to one task's published port: each task counts in its own Redis, and
behind the load balancer the app counts the address HAProxy appends (the trusted hop), not the
one a client claims. A fresh random documentation address (2001:db8::/32) is used per run, so
the count starts at zero. Loopback only; bounded by N and a timeout. Prints the figures; exits 1
when the count is not exact.

Through the load balancer (--lb URL, microservice_topology service_discovery: one Redis for every
task): the client is the address HAProxy received the request from, so each run connects from a fresh
random loopback source address (127.0.0.0/8) as its one client; N concurrent requests must end with a
count of exactly N whichever tasks answer (X-Served-By, reported).

Usage: benchmarks/load_exactness.py [--deployment countweb] [--requests 200] [--url URL | --lb URL]
  --url  a task's /home URL; by default the first task of the deployment, found by label
         through DOCKER_HOST (default unix:///run/fargate-microservice/podman.sock).
  --lb   the load balancer's /home URL (e.g. http://127.0.0.1:8080/home).
"""
import argparse
import http.client
import ipaddress
import json
import os
import random
import re
import socket
import threading
import time
import urllib.parse

COUNT = re.compile(r"You access this website (\d+) time")


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost")
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.path)


def first_task_url(deployment):
    host = os.environ.get("DOCKER_HOST", "unix:///run/fargate-microservice/podman.sock")
    if host.startswith("unix://"):
        conn = UnixHTTPConnection(host[len("unix://"):])
    else:
        u = urllib.parse.urlsplit(host.replace("tcp://", "http://"))
        conn = http.client.HTTPConnection(u.hostname, u.port)
    filters = json.dumps({"label": ["fargate.microservice/deployment=%s" % deployment, "fargate.microservice/role=infra"]})
    conn.request("GET", "/containers/json?filters=" + urllib.parse.quote(filters))
    tasks = sorted(json.loads(conn.getresponse().read()), key=lambda c: c["Labels"]["fargate.microservice/task-id"])
    if not tasks:
        raise SystemExit("No running task of deployment %s: deploy it first (make deploy)." % deployment)
    return "http://127.0.0.1:%s/home" % tasks[0]["Labels"]["fargate.microservice/host-port"]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--deployment", default="countweb")
    p.add_argument("--requests", type=int, default=200)
    p.add_argument("--url")
    p.add_argument("--lb", help="the load balancer's /home URL: one client by its source address, every task")
    p.add_argument("--timeout", type=float, default=30)
    a = p.parse_args()
    url = a.lb or a.url or first_task_url(a.deployment)
    u = urllib.parse.urlsplit(url)
    if not ipaddress.ip_address(u.hostname).is_loopback:
        raise SystemExit("load_exactness.py only sends to loopback addresses, got %s" % u.hostname)
    if a.lb:
        client = str(ipaddress.IPv4Address("127.0.0.0") + random.randrange(2, 2 ** 24 - 1))
        source, headers = (client, 0), {}
    else:
        client = str(ipaddress.IPv6Address("2001:db8::") + random.getrandbits(64))
        source, headers = None, {"X-Forwarded-For": client}
    n = a.requests
    counts, errors, servers, lock = [], [], {}, threading.Lock()
    barrier = threading.Barrier(n)

    def one():
        try:
            conn = http.client.HTTPConnection(u.hostname, u.port, timeout=a.timeout, source_address=source)
            conn.connect()
            barrier.wait(timeout=a.timeout)  # all connections open, then all requests at once
            conn.request("GET", u.path or "/home", headers=headers)
            r = conn.getresponse()
            body = r.read().decode("utf-8", "replace")
            m = COUNT.search(body)
            with lock:
                served = r.getheader("X-Served-By") or "unnamed"
                servers[served] = servers.get(served, 0) + 1
                if r.status == 200 and m:
                    counts.append(int(m.group(1)))
                else:
                    errors.append("HTTP %d" % r.status)
        except Exception as e:  # every failure is reported
            with lock:
                errors.append("%s: %s" % (type(e).__name__, e))

    started = time.monotonic()
    threads = [threading.Thread(target=one) for dummy in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.monotonic() - started
    final = max(counts) if counts else 0
    exact = not errors and sorted(counts) == list(range(1, n + 1))
    print("exactness: %d concurrent requests as client %s to %s in %.2fs" % (n, client, url, seconds))
    print("  answered %d, errors %d, final count %d, distinct counts %d, lost increments %d -> %s"
          % (len(counts), len(errors), final, len(set(counts)), n - final, "EXACT" if exact else "NOT EXACT"))
    print("  answered by %s" % ", ".join("%s (%d)" % kv for kv in sorted(servers.items())))
    if errors:
        print("  first errors: %s" % "; ".join(errors[:5]))
    raise SystemExit(0 if exact else 1)


if __name__ == "__main__":
    main()
