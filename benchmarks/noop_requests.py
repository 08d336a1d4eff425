"""AWS API requests of a no-op rerun, per role, per task and per operation (issue 9 point 7).

Deploys once (site.yml's AWS side, as deploy_bench.py does: local runtime, local load balancer
and verify skipped), then reruns, each with moto's request recorder counting: a no-op
`site.yml`, `--tags alb` and `--tags image_build` (with the image_build role's seconds). Request
counts do not depend on the machine's load, so this is the quick check of the request targets;
deploy_bench.py measures wall times side by side.

    .venv/bin/python benchmarks/noop_requests.py --deployment h6a --emulator-port 5760

To measure again after each change to a role without deploying again, start an emulator of your
own with the recorder's file set and the emulator role's setting (`MOTO_IAM_LOAD_MANAGED_POLICIES=true
MOTO_RECORDER_FILEPATH=/tmp/rec .venv/bin/moto_server -H 127.0.0.1 -p 5760`) and pass `--reuse --emulator-port 5760 --recording /tmp/rec` (with `--deploy`
the first time). Figures are printed, never asserted.
"""
from __future__ import annotations

import argparse
import collections
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from deploy_bench import ROOT, mitogen_env, play, recap_of  # noqa: E402
from emulator import Emulator  # noqa: E402

RERUNS = [
    ("no-op site.yml", ["site.yml"]),
    ("--tags alb", ["site.yml", "--tags", "alb"]),
    ("--tags image_build", ["site.yml", "--tags", "image_build"]),
]


class Existing:
    """An emulator already running (with MOTO_RECORDER_FILEPATH=recording)."""

    def __init__(self, port: int, recording: str) -> None:
        self.port, self.recording = port, recording
        self._e = Emulator.__new__(Emulator)
        self._e.url = f"http://127.0.0.1:{port}"

    def start_counting(self) -> None:
        Emulator.start_counting(self._e)

    def stop_counting(self) -> collections.Counter:
        return Emulator.stop_counting(self._e)


def playbook(emulator, args: list[str], deployment: str, extra_env: dict, count: bool) -> dict:
    r = play(ROOT, emulator, args, deployment, os.environ, extra_env, count=count, role_requests=count)
    proc = r["proc"]
    out = {"wall": r["wall"], "ops": r["ops"], "roles": {}, "tasks": {}, "times": r["times"] or {}}
    if count and r["requests"]:
        out.update(r["requests"])
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-6000:] + proc.stderr[-2000:])
        raise SystemExit(f"{' '.join(args)}: ansible-playbook failed with exit code {proc.returncode}")
    out["recap"] = recap_of(proc)
    return out


def report(label: str, r: dict, verbose: bool) -> None:
    print(f"\n{label}: {sum(r['ops'].values())} requests, {r['wall']:.1f} s; {r['recap']}")
    for role, n in sorted(r["roles"].items(), key=lambda x: -x[1]):
        if n:
            print(f"  {role:<16} {n:>4}  ({r['times'].get(role, 0.0):.1f} s)")
    print("  operations: " + ", ".join(f"{op} {n}" for op, n in r["ops"].most_common()))
    if verbose:
        for task, n in sorted(r["tasks"].items(), key=lambda x: -x[1]):
            print(f"    {n:>3}  {task}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--deployment", default="bench-noop")
    parser.add_argument("--emulator-port", type=int, default=None)
    parser.add_argument("--reuse", action="store_true", help="skip the deploy: the emulator on --emulator-port holds it")
    parser.add_argument("--recording", help="with --reuse: the running emulator's MOTO_RECORDER_FILEPATH")
    parser.add_argument("--deploy", action="store_true", help="with --reuse: deploy first all the same")
    parser.add_argument("--only", default="", help="comma-separated labels' first words to run: no-op,alb,image_build")
    parser.add_argument("--tasks", action="store_true", help="also print the requests of every task that sent some")
    parser.add_argument("--mitogen", action="store_true", help="run under Mitogen's strategy (same requests, faster)")
    options = parser.parse_args()
    env = mitogen_env() if options.mitogen else {}
    if options.reuse:
        if not (options.emulator_port and options.recording):
            raise SystemExit("--reuse needs --emulator-port and --recording")
        emulator = Existing(options.emulator_port, options.recording)
    else:
        emulator = Emulator(options.emulator_port).__enter__()
    try:
        if not options.reuse or options.deploy:
            r = playbook(emulator, ["site.yml"], options.deployment, env, count=False)
            print(f"first deploy: {r['wall']:.1f} s; {r['recap']}", flush=True)
        wanted = [w for w in options.only.split(",") if w]
        for label, args in RERUNS:
            if wanted and not any(w in label for w in wanted):
                continue
            report(label, playbook(emulator, args, options.deployment, env, count=True), options.tasks)
            sys.stdout.flush()
    finally:
        if not options.reuse:
            emulator.__exit__(None, None, None)


if __name__ == "__main__":
    main()
