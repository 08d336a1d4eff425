"""How long the local scheduler takes to heal: one task's web container is killed (SIGKILL through the engine's
API) under a loopback request loop, and the time is taken until two healthy tasks serve through the load
balancer again, with no rerun (issue 11 point 6: ECS does it within a minute).

Needs a deployed local stack (its deployment, load balancer port and task ports are the options; with the
defaults: `make deploy`). With `--baseline REF` the same runs alternate between the supervisor of a clone of REF
and the work tree's: before each run, that tree's `playbooks/local_runtime.yml` reconciles the tasks and
restarts the supervisor with its own code (later runs restart the process with the configuration that run
wrote, as the role does). Figures are printed, never asserted.

Phases, each in seconds from the kill, seen from outside (the load balancer's admin socket, the engine, the
supervisor's status file), polled every 0.25 s:
  detected   the killed task is out of rotation in HAProxy (the supervisor's `set server ... maint`)
  started    the replacement task's infra container exists
  registered the replacement is a server of HAProxy's backend, UP
  serving    two tasks UP in HAProxy, neither the killed one: what the heal test waits for
  done       the killed task's containers are gone and the supervisor is watching again
and the request loop's failures (the heal test allows those in flight at the kill: at most one per worker).
The work tree's supervisor also reports each step's phases itself (start, healthy, register, stop).

  .venv/bin/python benchmarks/heal_bench.py --baseline 2dde787 --deployment h4a --alb-port 8740 \
      --extra-vars '-e emulator_port=5740 -e local_alb_port=8740 -e local_runtime_host_port_first=8741 ...'
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "collections"))
# pylint: disable=wrong-import-position
from ansible_collections.fargate.microservice.plugins.module_utils import _haproxy_stats  # noqa: E402
from ansible_collections.fargate.microservice.plugins.plugin_utils._local_scheduler import Engine  # noqa: E402

ANSIBLE_PLAYBOOK = str(Path(sys.executable).parent / "ansible-playbook")
PHASES = ("detected", "started", "registered", "serving", "done")


def clone(ref: str, into: Path) -> Path:
    subprocess.run(["git", "clone", "-q", "--no-checkout", str(ROOT), str(into)], check=True)
    subprocess.run(["git", "-C", str(into), "checkout", "-q", ref], check=True)
    venv = ROOT / ".venv"
    if venv.exists() and not (into / ".venv").exists():
        (into / ".venv").symlink_to(venv.resolve())
    return into


def reconcile(tree: Path, args) -> float:
    """Reconcile with the tree's role, which restarts the supervisor with the tree's code; returns the seconds."""
    env = dict(os.environ, ANSIBLE_CONFIG=str(tree / "ansible.cfg"), ANSIBLE_NOCOLOR="true",
               CONTAINERS_CONF=str(tree / "files/podman/containers.conf"),
               CONTAINERS_STORAGE_CONF=str(tree / "files/podman/storage.conf"))
    t0 = time.monotonic()
    proc = subprocess.run([ANSIBLE_PLAYBOOK, "-i", "inventory/local", "playbooks/local_runtime.yml",
                           "-e", f"microservice_deployment={args.deployment}"] + shlex.split(args.extra_vars),
                          cwd=tree, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{tree}: playbooks/local_runtime.yml failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-2000:]}")
    return time.monotonic() - t0


def install_supervisor(tree: Path, args, sup_dir: str, saved: dict) -> float:
    """Run the tree's supervisor. The first time, through a run of the tree's role (which writes the tree's
    configuration, kept in ``saved``); later, by restarting the process with that configuration, as the role
    does (a run of the role costs minutes on a loaded machine and changes nothing here)."""
    config = os.path.join(sup_dir, "supervisor.json")
    if str(tree) not in saved:
        current = read_status(config)
        owner = str(current.get("collection") or current.get("logic") or "")
        if owner == str(tree.resolve()) or owner.startswith(str(tree.resolve()) + os.sep):
            # The running supervisor is already this tree's (the stack was deployed from it).
            saved[str(tree)] = json.dumps(current)
            return 0.0
        seconds = reconcile(tree, args)
        with open(config, encoding="utf-8") as f:
            saved[str(tree)] = f.read()
        return seconds
    t0 = time.monotonic()
    pid_file = os.path.join(sup_dir, "supervisor.pid")
    try:
        with open(pid_file, encoding="utf-8") as f:
            pid = int(f.read().strip())
        os.kill(pid, signal.SIGTERM)
        while os.path.exists(f"/proc/{pid}"):
            time.sleep(0.2)
    except (OSError, ValueError):
        pass
    with open(config, "w", encoding="utf-8") as f:
        f.write(saved[str(tree)])
    python = json.loads(saved[str(tree)]).get("python") or sys.executable
    with open(os.path.join(sup_dir, "supervisor.log"), "a", encoding="utf-8") as log:
        proc = subprocess.Popen([python, str(tree / "roles/local_runtime/files/supervisor.py"), "--config", config],
                                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    with open(pid_file, "w", encoding="utf-8") as f:
        f.write(f"{proc.pid}\n")
    return time.monotonic() - t0


def read_status(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def wait_steady(args, status_file: str, timeout: float = 600) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        s = read_status(status_file)
        servers = lb_servers(args)
        if (s.get("activity") == "watching" and s.get("running_count") == args.desired
                and sum(1 for v in servers.values() if v.startswith("UP")) == args.desired):
            return
        time.sleep(1)
    raise SystemExit("the stack did not settle to %d tasks serving within %d s" % (args.desired, timeout))


def lb_servers(args) -> dict:
    s = _haproxy_stats.stats(args.haproxy_socket, args.backend)
    return dict((srv["name"], srv["status"]) for srv in s["servers"]) if s["available"] else {}


def one_run(args, status_file: str) -> dict:
    engine = Engine(args.docker_host)
    web = [c for c in engine.containers(args.deployment)
           if (c.get("Labels") or {}).get("fargate.microservice/container") == "web" and c.get("State") == "running"
           and not (c.get("Labels") or {}).get("fargate.microservice/service")]
    if len(web) < args.desired:
        raise SystemExit(f"expected {args.desired} running web containers of {args.deployment}, found {len(web)}")
    victim = sorted(web, key=lambda c: c["Names"][0])[0]
    killed_task = victim["Labels"]["fargate.microservice/task-id"]
    before = set(c["Labels"].get("fargate.microservice/task-id") for c in engine.containers(args.deployment))
    with tempfile.TemporaryDirectory(prefix="heal-bench-") as tmp:
        summary, stop = os.path.join(tmp, "summary.json"), os.path.join(tmp, "stop")
        loop = subprocess.Popen([sys.executable, str(ROOT / "tests/integration/local_runtime/request_loop.py"),
                                 f"http://127.0.0.1:{args.alb_port}/home", summary, "--stop-file", stop,
                                 "--max-seconds", str(args.timeout + 60), "--workers", str(args.workers)])
        time.sleep(2)
        t0 = time.monotonic()
        killed_iso = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        status, dummy = engine.call("POST", "/containers/%s/kill?signal=KILL" % victim["Id"])
        if status != 204:
            raise SystemExit(f"killing {victim['Names'][0]} answered HTTP {status}")
        seen: dict[str, float] = {}
        new_task = None
        next_engine_look = 0.0
        while time.monotonic() - t0 < args.timeout:
            now = time.monotonic() - t0
            servers = lb_servers(args)
            if "detected" not in seen and not servers.get(killed_task, "").startswith("UP"):
                seen["detected"] = now
            if now >= next_engine_look or new_task is None:
                tasks = set(c["Labels"].get("fargate.microservice/task-id") for c in engine.containers(args.deployment)
                            if not c["Labels"].get("fargate.microservice/service"))
                fresh = tasks - before
                if fresh and "started" not in seen:
                    seen["started"] = now
                    new_task = sorted(fresh)[0]
                if "serving" in seen and killed_task not in tasks:
                    s = read_status(status_file)
                    if s.get("activity") == "watching":
                        seen["done"] = now
                        break
                next_engine_look = now + 0.5
            if new_task and "registered" not in seen and servers.get(new_task, "").startswith("UP"):
                seen["registered"] = now
            up = [n for n, v in servers.items() if v.startswith("UP") and n != killed_task]
            if "serving" not in seen and len(up) >= args.desired:
                seen["serving"] = now
            time.sleep(0.25)
        Path(stop).touch()
        loop.wait(timeout=60)
        with open(summary, encoding="utf-8") as f:
            loop_summary = json.load(f)
    s = read_status(status_file)
    last = (s.get("heals") or {}).get("last") or {}
    # Only this run's replacement (the baseline's supervisor reports no steps; a finished earlier one would).
    steps = last.get("steps") if (last.get("started") or "") >= killed_iso else None
    return {"phases": {k: round(v, 1) for k, v in seen.items()}, "failed": loop_summary.get("failed"),
            "ok": loop_summary.get("ok"), "steps": steps}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--baseline", help="a commit of this repository whose supervisor to measure beside the work tree's")
    p.add_argument("--baseline-tree", type=Path, help="an existing checkout of --baseline to use instead of a fresh clone")
    p.add_argument("--runs", type=int, default=3, help="kills per variant")
    p.add_argument("--deployment", default="countweb")
    p.add_argument("--alb-port", type=int, default=8080)
    p.add_argument("--desired", type=int, default=2)
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--timeout", type=float, default=400, help="seconds a run may take")
    p.add_argument("--docker-host", default=os.environ.get("DOCKER_HOST") or "unix:///run/fargate-microservice/podman.sock")
    p.add_argument("--state-dir", default=os.path.expanduser("~/.cache/fargate-microservice/local-runtime"),
                   help="local_runtime_state_dir of the deployment (its supervisor's directory is under it)")
    p.add_argument("--extra-vars", default="", help="more ansible-playbook options for the reconcile runs (ports, ...)")
    args = p.parse_args()
    args.haproxy_socket = os.path.expanduser(f"~/.cache/fargate-microservice/local-alb-{args.deployment}/haproxy.sock")
    args.backend = f"{args.deployment}-web-tg"
    status_file = os.path.join(args.state_dir, f"supervisor-{args.deployment}", "status.json")

    with tempfile.TemporaryDirectory(prefix="heal-bench-base-") as tmp:
        variants = []
        if args.baseline:
            tree = args.baseline_tree.resolve() if args.baseline_tree else clone(args.baseline, Path(tmp) / "base")
            variants.append(("baseline " + args.baseline, tree))
        variants.append(("work tree", ROOT))
        results: dict[str, list] = {name: [] for name, dummy in variants}
        saved: dict[str, str] = {}
        for run in range(args.runs):
            for name, tree in variants:
                seconds = install_supervisor(tree, args, os.path.dirname(status_file), saved)
                wait_steady(args, status_file)
                r = one_run(args, status_file)
                r["install_s"] = round(seconds, 1)
                results[name].append(r)
                print(f"{name:22} run {run + 1}: {r}", flush=True)
                wait_steady(args, status_file)

    load = os.getloadavg()
    print(f"\nmachine: {platform.machine()} {os.cpu_count()} cpus, load {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}, "
          f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC")
    print("seconds from the kill (median of %d runs; each run in brackets)\n" % args.runs)
    print(f"{'variant':22}" + "".join(f"{ph:>22}" for ph in PHASES) + f"{'failed requests':>18}")
    medians = {}
    for name, runs in results.items():
        cells = []
        for ph in PHASES:
            values = [r["phases"].get(ph) for r in runs]
            known = [v for v in values if v is not None]
            medians[(name, ph)] = statistics.median(known) if known else None
            cells.append(f"{(medians[(name, ph)] or 0):6.1f} {str([v if v is not None else '-' for v in values]):>15}")
        print(f"{name:22}" + "".join(f"{c:>22}" for c in cells) + f"{str([r['failed'] for r in runs]):>18}")
    if args.baseline:
        base = variants[0][0]
        ratios = ["%s %.2f" % (ph, medians[("work tree", ph)] / medians[(base, ph)])
                  for ph in PHASES if medians.get((base, ph)) and medians.get(("work tree", ph)) is not None]
        print("\nwork tree / baseline: " + ", ".join(ratios))
    steps = [r["steps"] for r in results["work tree"] if r.get("steps")]
    if steps:
        print("\nwork tree, the supervisor's own step timings (s): " + "; ".join(json.dumps(s) for s in steps))
    return 0


if __name__ == "__main__":
    sys.exit(main())
