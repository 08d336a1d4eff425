# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark: API requests and wall time of a no-change run of the task definition modules.

Starts its own AWS emulator (moto server) on a free loopback port, registers N revisions (50 by
default) of one family, then runs, through ansible-playbook, a no-change run of

  - fargate.microservice.ecs_task_definition  (ours)
  - community.aws.ecs_taskdefinition          (the stock module)

and prints, side by side, the API requests each made (counted by the emulator's request
recorder, /moto-api/recorder/*) and the wall time of the ansible-playbook run. Figures only:
nothing here asserts a time.

Usage: .venv/bin/python benchmarks/taskdef_bench.py [--revisions 50] [--repeat 3] [--port PORT]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from emulator import Emulator  # noqa: E402  pylint: disable=wrong-import-position

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
VENV_BIN = os.path.dirname(sys.executable)
FAMILY = "bench-web-redis"
WEB, REDIS = "example/web:1.0.0", "example/redis:7"

OURS = {
    "fargate.microservice.ecs_task_definition": {
        "family": FAMILY, "cpu": 256, "memory": 512,
        "app": {"image": WEB, "port": 8000, "environment": {"COUNT_WINDOW_SECONDS": "60"}},
        "redis": {"image": REDIS, "port": 6379},
    }
}
# The same definition for the stock module, in the API's shape.
STOCK = {
    "community.aws.ecs_taskdefinition": {
        "family": FAMILY, "state": "present", "network_mode": "awsvpc", "launch_type": "FARGATE",
        "cpu": "256", "memory": "512",
        "containers": [
            {"name": "web", "image": WEB, "essential": True,
             "portMappings": [{"containerPort": 8000, "hostPort": 8000, "protocol": "tcp"}],
             "environment": [{"name": "COUNT_WINDOW_SECONDS", "value": "60"},
                             {"name": "REDIS_ADDR", "value": "localhost:6379"}],
             "dependsOn": [{"containerName": "redis", "condition": "START"}]},
            {"name": "redis", "image": REDIS, "essential": True},
        ],
    }
}


def playbook(path, endpoint, task):
    play = [{
        "name": "Benchmark run", "hosts": "localhost", "gather_facts": False,
        "module_defaults": {"group/fargate.microservice.aws": {
            "region": "us-east-1", "endpoint_url": endpoint, "access_key": "testing", "secret_key": "testing"}},
        "tasks": [dict(name="Run the module", register="result", **task)],
    }]
    with open(path, "w") as f:
        json.dump(play, f)


def run_playbook(path):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_STDOUT_CALLBACK="ansible.posix.json",
               ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false")
    start = time.monotonic()
    proc = subprocess.run([os.path.join(VENV_BIN, "ansible-playbook"), "-i", "localhost,", "-c", "local",
                           "-e", f"ansible_python_interpreter={sys.executable}", path],
                          cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    elapsed = time.monotonic() - start
    if proc.returncode != 0:
        sys.exit(f"ansible-playbook failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    result = json.loads(proc.stdout)["plays"][0]["tasks"][0]["hosts"]["localhost"]
    return elapsed, result


def register_revisions(endpoint, count):
    import boto3

    ecs = boto3.client("ecs", endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    for n in range(count):
        ecs.register_task_definition(
            family=FAMILY, networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
            containerDefinitions=[
                {"name": "web", "image": WEB, "environment": [{"name": "COUNT_WINDOW_SECONDS", "value": str(1000 + n)}]},
                {"name": "redis", "image": REDIS},
            ])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--revisions", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3, help="measured no-change runs per module (median time shown)")
    parser.add_argument("--port", type=int, help="the emulator's port (default: a free one)")
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="taskdef-bench-")
    with Emulator(args.port) as emulator:
        base = emulator.url
        register_revisions(base, args.revisions)
        modules = {"ours: fargate.microservice.ecs_task_definition": OURS,
                   "stock: community.aws.ecs_taskdefinition": STOCK}
        paths = {}
        for label, task in modules.items():
            paths[label] = os.path.join(work, label.split()[1] + ".json")
            playbook(paths[label], base, task)
        # First runs bring the family to each module's desired definition (each may register once).
        for label in modules:
            run_playbook(paths[label])
        for label in modules:
            run_playbook(paths[label])
        rows = []
        for label in modules:
            times, ops, changed = [], None, []
            for dummy in range(args.repeat):
                emulator.start_counting()
                elapsed, result = run_playbook(paths[label])
                ops = emulator.stop_counting()
                times.append(elapsed)
                changed.append(result.get("changed"))
            rows.append((label, sum(ops.values()), ops, statistics.median(times), changed))
        active = len(json.loads(subprocess.run(
            [sys.executable, "-c", "import boto3, json; e = boto3.client('ecs', endpoint_url='%s', region_name='us-east-1', "
             "aws_access_key_id='t', aws_secret_access_key='t'); print(json.dumps(e.list_task_definitions("
             "familyPrefix='%s', status='ACTIVE')['taskDefinitionArns']))" % (base, FAMILY)],
            capture_output=True, text=True, check=True).stdout))
        print(f"No-change run of a task definition family with {active} ACTIVE revisions "
              f"(emulator: moto server, requests counted by its recorder; wall time = whole ansible-playbook run, "
              f"median of {args.repeat}):")
        print(f"{'module':52} {'API requests':>12} {'wall time':>10}  changed  per operation")
        for label, total, ops, median, changed in rows:
            per = ", ".join(f"{op} x{n}" for op, n in sorted(ops.items()))
            print(f"{label:52} {total:>12} {median:>9.2f}s  {str(any(changed)).lower():7}  {per}")


if __name__ == "__main__":
    main()
