"""Wall time and AWS API requests of site.yml's AWS side against the emulator:
a first deploy, a no-op rerun and a `--tags alb` rerun (then a teardown, also measured).

Run with the project's virtual environment: `.venv/bin/python benchmarks/deploy_bench.py`
(or `make bench`). It starts its own emulator on a free port, so it never touches a
deployment on the default port. The local runtime, local load balancer and verify steps are
skipped: this measures the AWS control-plane work only (image builds through the container
engine are included in the first deploy's time). Figures are printed, never asserted.
"""
from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from emulator import Emulator  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PLAYBOOK = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", "inventory/local"]
SKIP = ["--skip-tags", "local_runtime,local_alb,verify"]


def run(emulator: Emulator, label: str, args: list[str]) -> dict:
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="true")
    emulator.start_counting()
    t0 = time.monotonic()
    proc = subprocess.run(PLAYBOOK + args + ["-e", f"emulator_port={emulator.port}"] + SKIP,
                          cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    wall = time.monotonic() - t0
    ops = emulator.stop_counting()
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-2000:])
        raise SystemExit(f"{label}: ansible-playbook failed with exit code {proc.returncode}")
    recap = [line for line in proc.stdout.splitlines() if line.startswith("localhost")]
    return {"label": label, "wall": wall, "requests": sum(ops.values()), "ops": ops,
            "recap": recap[-1].split(":", 1)[1].split() if recap else []}


def main() -> None:
    print(f"machine: {platform.node()} {platform.machine()} {os.cpu_count()} cpus, "
          f"python {platform.python_version()}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    with Emulator() as emulator:
        rows = [
            run(emulator, "first deploy", ["site.yml"]),
            run(emulator, "no-op rerun", ["site.yml"]),
            run(emulator, "--tags alb rerun", ["site.yml", "--tags", "alb"]),
            run(emulator, "teardown", ["playbooks/teardown.yml", "--skip-tags", "emulator"]),
        ]
    print(f"\n{'run':<18} {'wall s':>8} {'API requests':>13}  recap")
    for r in rows:
        print(f"{r['label']:<18} {r['wall']:>8.1f} {r['requests']:>13}  {' '.join(x for x in r['recap'] if x[:2] in ('ok', 'ch'))}")
    for r in rows:
        top = ", ".join(f"{op} {n}" for op, n in r["ops"].most_common(8))
        print(f"\n{r['label']}: most frequent operations: {top}")


if __name__ == "__main__":
    main()
