"""Wall time and AWS API requests of site.yml's AWS side against the emulator:
a first deploy, a no-op rerun, a `--tags alb` rerun and a teardown.

Run with the project's virtual environment: `.venv/bin/python benchmarks/deploy_bench.py`
(or `make bench`). With `--baseline REF` the same measurement also runs on a clone of REF (a
commit, branch or tag of this repository, e.g. the commit before a change) and the two trees
alternate step by step (baseline, then work tree), each against an emulator of its own, so
that a drift of the machine's speed hits both; the table then shows both figures and their
ratio (work tree / baseline). The ratios are what to quote on these shared machines.

Every emulator is started on a free port, so no deployment on the default port is touched.
The local runtime, local load balancer and verify steps are skipped: this measures the AWS
control-plane work only (image builds through the container engine are included in the first
deploy's time). Figures are printed, never asserted.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from emulator import Emulator  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ANSIBLE_PLAYBOOK = str(Path(sys.executable).parent / "ansible-playbook")
SKIP = ["--skip-tags", "local_runtime,local_alb,verify"]
STEPS = [
    ("first deploy", ["site.yml"]),
    ("no-op rerun", ["site.yml"]),
    ("--tags alb rerun", ["site.yml", "--tags", "alb"]),
    ("teardown", ["playbooks/teardown.yml", "--skip-tags", "emulator"]),
]


def run(tree: Path, emulator: Emulator, label: str, args: list[str]) -> dict:
    env = dict(os.environ, ANSIBLE_CONFIG=str(tree / "ansible.cfg"), ANSIBLE_NOCOLOR="true")
    emulator.start_counting()
    t0 = time.monotonic()
    proc = subprocess.run([ANSIBLE_PLAYBOOK, "-i", "inventory/local"] + args + ["-e", f"emulator_port={emulator.port}"] + SKIP,
                          cwd=tree, env=env, capture_output=True, text=True, check=False)
    wall = time.monotonic() - t0
    ops = emulator.stop_counting()
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-2000:])
        raise SystemExit(f"{label} ({tree}): ansible-playbook failed with exit code {proc.returncode}")
    recap = [line for line in proc.stdout.splitlines() if line.startswith("localhost")]
    return {"label": label, "wall": wall, "requests": sum(ops.values()), "ops": ops,
            "recap": recap[-1].split(":", 1)[1].split() if recap else []}


@contextlib.contextmanager
def baseline_tree(ref: str):
    """A clone of REF beside the work tree's own, sharing its virtual environment."""
    with tempfile.TemporaryDirectory(prefix="deploy-bench-baseline-") as tmp:
        tree = Path(tmp) / "baseline"
        subprocess.run(["git", "clone", "--quiet", "--shared", "--no-checkout", str(ROOT), str(tree)], check=True)
        subprocess.run(["git", "-C", str(tree), "checkout", "--quiet", ref], check=True)
        (tree / ".venv").symlink_to(ROOT / ".venv")
        yield tree


def short(recap: list[str]) -> str:
    return " ".join(x for x in recap if x[:2] in ("ok", "ch"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--baseline", metavar="REF", help="also measure a clone of this commit, alternating with the work tree")
    options = parser.parse_args()
    print(f"machine: {platform.node()} {platform.machine()} {os.cpu_count()} cpus, "
          f"python {platform.python_version()}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    with contextlib.ExitStack() as stack:
        trees = {"work": ROOT}
        if options.baseline:
            trees = {"baseline": stack.enter_context(baseline_tree(options.baseline)), "work": ROOT}
            head = subprocess.run(["git", "-C", str(trees["baseline"]), "rev-parse", "--short", "HEAD"],
                                  capture_output=True, text=True, check=True).stdout.strip()
            print(f"baseline: {options.baseline} ({head}); work tree: {ROOT}")
        emulators = {name: stack.enter_context(Emulator()) for name in trees}
        rows = {name: [] for name in trees}
        for label, args in STEPS:
            for name, tree in trees.items():
                rows[name].append(run(tree, emulators[name], label, args))
    if not options.baseline:
        print(f"\n{'run':<18} {'wall s':>8} {'API requests':>13}  recap")
        for r in rows["work"]:
            print(f"{r['label']:<18} {r['wall']:>8.1f} {r['requests']:>13}  {short(r['recap'])}")
    else:
        print(f"\n{'run':<18} {'wall s base':>11} {'work':>7} {'ratio':>6}   {'requests base':>13} {'work':>5} {'ratio':>6}")
        for b, w in zip(rows["baseline"], rows["work"]):
            wall_ratio = w["wall"] / b["wall"] if b["wall"] else float("nan")
            req_ratio = w["requests"] / b["requests"] if b["requests"] else float("nan")
            print(f"{w['label']:<18} {b['wall']:>11.1f} {w['wall']:>7.1f} {wall_ratio:>6.2f}   "
                  f"{b['requests']:>13} {w['requests']:>5} {req_ratio:>6.2f}")
        recaps = [f"{b['label']}: {short(b['recap'])} | {short(w['recap'])}" for b, w in zip(rows["baseline"], rows["work"])]
        print("\nrecaps (baseline | work): " + "; ".join(recaps))
    for r in rows["work"]:
        top = ", ".join(f"{op} {n}" for op, n in r["ops"].most_common(8))
        print(f"\n{r['label']} (work tree): most frequent operations: {top}")


if __name__ == "__main__":
    main()
