"""Send GET requests to a loopback URL until a stop file appears, a request budget or a time
budget runs out, and write a JSON summary: {"ok": n, "failed": n, "errors": [...], "codes": {...}}.

A request fails when it does not complete or does not answer 200. Used while the local runtime
rolls tasks, to prove that no request fails. Only loopback addresses are accepted.

Usage: request_loop.py URL SUMMARY.json [--stop-file F] [--max-requests N] [--max-seconds S] [--workers W] [--pause S]
                       [--source ADDRESS]
--source: the loopback address the requests come from (the client the app counts behind the load balancer),
so that the loop's visits do not add to another client's count.
"""
import argparse
import http.client
import ipaddress
import json
import os
import threading
import time
import urllib.parse


def main():
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("summary")
    p.add_argument("--stop-file")
    p.add_argument("--max-requests", type=int, default=100000)
    p.add_argument("--max-seconds", type=float, default=300)
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--pause", type=float, default=0.02, help="seconds each worker waits between requests")
    p.add_argument("--source", help="loopback source address of the requests")
    a = p.parse_args()
    u = urllib.parse.urlsplit(a.url)
    if a.source and not ipaddress.ip_address(a.source).is_loopback:
        raise SystemExit("request_loop.py only sends from loopback addresses, got %s" % a.source)
    if not ipaddress.ip_address(u.hostname).is_loopback:
        raise SystemExit("request_loop.py only sends to loopback addresses, got %s" % u.hostname)
    lock = threading.Lock()
    state = {"sent": 0, "ok": 0, "failed": 0, "errors": [], "codes": {}}
    deadline = time.monotonic() + a.max_seconds

    def take():
        with lock:
            if state["sent"] >= a.max_requests or time.monotonic() > deadline:
                return False
            if a.stop_file and os.path.exists(a.stop_file):
                return False
            state["sent"] += 1
            return True

    def worker():
        while take():
            try:
                conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=10,
                                                  source_address=(a.source, 0) if a.source else None)
                conn.request("GET", u.path or "/")
                r = conn.getresponse()
                r.read()
                conn.close()
                code, err = r.status, None if r.status == 200 else "HTTP %d" % r.status
            except Exception as e:  # any failure to complete the request counts
                code, err = "error", "%s: %s" % (type(e).__name__, e)
            with lock:
                state["codes"][str(code)] = state["codes"].get(str(code), 0) + 1
                if err is None:
                    state["ok"] += 1
                else:
                    state["failed"] += 1
                    if len(state["errors"]) < 20:
                        state["errors"].append("%.3f %s" % (time.time(), err))
            time.sleep(a.pause)

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for dummy in range(a.workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    state["seconds"] = round(time.monotonic() - started, 2)
    with open(a.summary, "w") as f:
        json.dump(state, f)
    print(json.dumps(state))


if __name__ == "__main__":
    main()
