"""Wall time and AWS API requests of site.yml's AWS side against the emulator:
a first deploy, a no-op rerun, a `--tags alb` rerun and a teardown, with the seconds each role
took in the no-op rerun (image_build's among them).

Run with the project's virtual environment: `.venv/bin/python benchmarks/deploy_bench.py`
(or `make bench`). With `--baseline REF` the same measurement also runs on a clone of REF (a
commit, branch or tag of this repository, e.g. the commit before a change) and with `--mitogen`
also on the work tree under Mitogen's strategy plugin (the pinned `mitogen` package,
`mitogen_linear`). The variants alternate step by step (baseline, work tree, work tree with
Mitogen), each against an emulator of its own, so that a drift of the machine's speed hits all;
the table shows every figure and its ratio to the first variant (the baseline, or the work tree
without Mitogen). The ratios are what to quote on these shared machines. Last come the targets
of issue 9 point 7 beside the figures measured (work tree, default configuration).

Every emulator is started on a free port (or those of `--emulator-ports`), so no deployment on
the default port is touched; the deployment is `--deployment` plus the variant (`bench-base`,
`bench-work`, `bench-mito` by default, so that no variant reuses another's image build and no
image_build or teardown touches the local images of a real deployment such as `countweb`).
The local runtime, local load balancer and verify steps are skipped: this measures the AWS
control-plane work only (image builds through the container engine are included in the first
deploy's time). Figures are printed, never asserted.
"""
from __future__ import annotations

import argparse
import collections
import contextlib
import os
import json
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
ROLE_TIMES_PLUGIN = Path(__file__).resolve().parent / "callback_plugins"
SKIP = ["--skip-tags", "local_runtime,local_alb,verify"]
STEPS = [
    ("first deploy", ["site.yml"]),
    ("no-op rerun", ["site.yml"]),
    ("--tags alb rerun", ["site.yml", "--tags", "alb"]),
    ("teardown", ["playbooks/teardown.yml", "--skip-tags", "emulator"]),
]


def mitogen_env() -> dict:
    """The environment that selects Mitogen's strategy (as docs/benchmarks.md and ansible.cfg's comment say)."""
    try:
        import ansible_mitogen  # noqa: F401  pylint: disable=import-outside-toplevel,unused-import
    except ImportError as exc:
        raise SystemExit("--mitogen needs the pinned mitogen package: .venv/bin/pip install -c constraints.txt mitogen") from exc
    strategy = Path(ansible_mitogen.__file__).parent / "plugins" / "strategy"
    return {"ANSIBLE_STRATEGY_PLUGINS": str(strategy), "ANSIBLE_STRATEGY": "mitogen_linear"}


def _json(path: str):
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def play(tree: Path, emulator, args: list[str], deployment: str, env: dict, extra_env: dict,
         count: bool = True, role_requests: bool = False) -> dict:
    """One timed ansible-playbook run of ``tree``'s local inventory (site.yml's AWS side: SKIP) against ``emulator``
    with the bench_role_times callback, in ``env`` plus the callback's settings plus ``extra_env``; with ``count`` the
    emulator counts its requests, with ``role_requests`` the callback also counts them per role and task.

    Returns ``proc``, ``wall`` (seconds), ``ops`` (a Counter of AWS operations), ``times`` (seconds per role) and
    ``requests`` (the callback's requests per role and task), the last two None when the callback wrote none.
    The one way both benchmarks run a playbook (deploy_bench.py, noop_requests.py)."""
    with tempfile.TemporaryDirectory(prefix="bench-play-") as tmp:
        times_file, requests_file = os.path.join(tmp, "roles.json"), os.path.join(tmp, "requests.json")
        env = dict(env, ANSIBLE_CONFIG=str(tree / "ansible.cfg"), ANSIBLE_NOCOLOR="true",
                   ANSIBLE_CALLBACK_PLUGINS=str(ROLE_TIMES_PLUGIN), ANSIBLE_CALLBACKS_ENABLED="bench_role_times",
                   BENCH_ROLE_TIMES=times_file, **extra_env)
        if role_requests:
            env.update(BENCH_RECORDING=emulator.recording, BENCH_ROLE_REQUESTS=requests_file)
        if count:
            emulator.start_counting()
        t0 = time.monotonic()
        proc = subprocess.run([ANSIBLE_PLAYBOOK, "-i", "inventory/local"] + args
                              + ["-e", f"emulator_port={emulator.port}", "-e", f"microservice_deployment={deployment}"] + SKIP,
                              cwd=tree, env=env, capture_output=True, text=True, check=False)
        wall = time.monotonic() - t0
        ops = emulator.stop_counting() if count else collections.Counter()
        return {"proc": proc, "wall": wall, "ops": ops, "times": _json(times_file), "requests": _json(requests_file)}


def recap_of(proc) -> str:
    """The PLAY RECAP counts of the run's last host line ('' when there is none)."""
    recap = [line for line in proc.stdout.splitlines() if line.startswith("localhost")]
    return recap[-1].split(":", 1)[1].strip() if recap else ""


def run(variant: dict, emulator: Emulator, label: str, args: list[str], deployment: str) -> dict:
    # The strategy is the variant's: none inherited from the caller (make bench MITOGEN=1 exports Mitogen's).
    env = {k: v for k, v in os.environ.items() if k not in ("ANSIBLE_STRATEGY", "ANSIBLE_STRATEGY_PLUGINS")}
    r = play(variant["tree"], emulator, args, deployment, env, variant["env"])
    proc = r["proc"]
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-2000:])
        raise SystemExit(f"{label} ({variant['name']}, {variant['tree']}): ansible-playbook failed with exit code {proc.returncode}")
    return {"label": label, "wall": r["wall"], "requests": sum(r["ops"].values()), "ops": r["ops"], "roles": r["times"] or {},
            "recap": recap_of(proc).split()}


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


# Issue 9 point 7's targets, on the work tree (default configuration) after a deployed stack.
FIRST, NOOP, ALB, TEARDOWN = (step[0] for step in STEPS)


def ratio(value: float, reference: float) -> float:
    return value / reference if reference else float("nan")


def targets(rows: dict, reference: str | None) -> list[tuple[str, str, str, str]]:
    """(target, goal, measured, verdict) rows; ratios need a baseline."""
    work = {r["label"]: r for r in rows["work"]}
    base = {r["label"]: r for r in rows[reference]} if reference == "baseline" else None
    out = []

    def verdict(ok: bool | None) -> str:
        return "n/a (no --baseline)" if ok is None else ("met" if ok else "NOT met")

    if base:
        r = ratio(work[NOOP]["wall"], base[NOOP]["wall"])
        out.append(("no-op site.yml wall time / baseline", "<= 0.35", f"{r:.2f}", verdict(r <= 0.35)))
    else:
        out.append(("no-op site.yml wall time / baseline", "<= 0.35", "-", verdict(None)))
    n = work[NOOP]["requests"]
    out.append(("no-op site.yml AWS API requests", "<= 40", str(n), verdict(n <= 40)))
    n = work[ALB]["requests"]
    out.append(("--tags alb rerun AWS API requests", "<= 10", str(n), verdict(n <= 10)))
    seconds = work[NOOP]["roles"].get("image_build")
    out.append(("no-op image_build role, seconds", "< 3", f"{seconds:.1f}" if seconds is not None else "?",
                verdict(seconds < 3) if seconds is not None else "? (no role times)"))
    for label, name in ((FIRST, "first deploy"), (TEARDOWN, "teardown")):
        if base:
            r = ratio(work[label]["wall"], base[label]["wall"])
            out.append((f"{name} wall time / baseline", "<= 1.00", f"{r:.2f}", verdict(r <= 1.0)))
        else:
            out.append((f"{name} wall time / baseline", "<= 1.00", "-", verdict(None)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--baseline", metavar="REF", help="also measure a clone of this commit, alternating with the work tree")
    parser.add_argument("--mitogen", action="store_true",
                        help="also measure the work tree under Mitogen's strategy plugin (mitogen_linear), alternating")
    parser.add_argument("--deployment", default="bench", help="the deployment name to deploy and tear down (default: bench)")
    parser.add_argument("--emulator-ports", metavar="PORT,...", default="",
                        help="the emulators' ports, one per variant (default: free ports)")
    options = parser.parse_args()
    print(f"machine: {platform.node()} {platform.machine()} {os.cpu_count()} cpus, load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}, python {platform.python_version()}, "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", flush=True)
    ports = [int(p) for p in options.emulator_ports.split(",") if p.strip()]
    with contextlib.ExitStack() as stack:
        variants = []
        if options.baseline:
            tree = stack.enter_context(baseline_tree(options.baseline))
            head = subprocess.run(["git", "-C", str(tree), "rev-parse", "--short", "HEAD"],
                                  capture_output=True, text=True, check=True).stdout.strip()
            print(f"baseline: {options.baseline} ({head}); work tree: {ROOT}")
            variants.append({"name": "baseline", "tree": tree, "env": {}})
        variants.append({"name": "work", "tree": ROOT, "env": {}})
        if options.mitogen:
            variants.append({"name": "mitogen", "tree": ROOT, "env": mitogen_env()})
            print("mitogen: the work tree with " + " ".join(f"{k}={v}" for k, v in variants[-1]["env"].items()))
        if ports and len(ports) < len(variants):
            raise SystemExit(f"--emulator-ports needs {len(variants)} ports, one per variant")
        emulators = {v["name"]: stack.enter_context(Emulator(ports[i] if ports else None)) for i, v in enumerate(variants)}
        rows = {v["name"]: [] for v in variants}
        for label, args in STEPS:
            for v in variants:
                # A deployment name per variant: each builds its own local images (none reuses another's build).
                row = run(v, emulators[v["name"]], label, args, f"{options.deployment}-{v['name'][:4]}")
                rows[v["name"]].append(row)
                print(f"  {label} ({v['name']}): {row['wall']:.1f} s, {row['requests']} requests", flush=True)
    names = [v["name"] for v in variants]
    reference = names[0]
    if len(names) == 1:
        print(f"\n{'run':<18} {'wall s':>8} {'API requests':>13}  recap")
        for r in rows["work"]:
            print(f"{r['label']:<18} {r['wall']:>8.1f} {r['requests']:>13}  {short(r['recap'])}")
    else:
        others = names[1:]
        head = f"\n{'run':<18} {'wall s ' + reference:>16}" + "".join(f" {n:>8} {'ratio':>6}" for n in others)
        head += f"   {'requests ' + reference:>18}" + "".join(f" {n:>8} {'ratio':>6}" for n in others)
        print(head)
        for i, label in enumerate(step[0] for step in STEPS):
            ref = rows[reference][i]
            line = f"{label:<18} {ref['wall']:>16.1f}"
            line += "".join(f" {rows[n][i]['wall']:>8.1f} {ratio(rows[n][i]['wall'], ref['wall']):>6.2f}" for n in others)
            line += f"   {ref['requests']:>18}"
            line += "".join(f" {rows[n][i]['requests']:>8} {ratio(rows[n][i]['requests'], ref['requests']):>6.2f}" for n in others)
            print(line)
        recaps = [f"{label}: " + " | ".join(short(rows[n][i]["recap"]) for n in names) for i, label in enumerate(step[0] for step in STEPS)]
        print(f"\nrecaps ({' | '.join(names)}): " + "; ".join(recaps))
    noop = [step[0] for step in STEPS].index(NOOP)
    print(f"\nno-op rerun, seconds per role ({' | '.join(names)}):")
    role_names = sorted({k for n in names for k in rows[n][noop]["roles"]},
                        key=lambda k: -rows["work"][noop]["roles"].get(k, 0.0))
    for role in role_names:
        print(f"  {role:<16} " + " | ".join(f"{rows[n][noop]['roles'].get(role, 0.0):6.1f}" for n in names))
    print("\ntargets (issue 9 point 7; work tree, default configuration):")
    print(f"  {'target':<40} {'goal':>8} {'measured':>9}  verdict")
    for name, goal, measured, verdict in targets(rows, reference):
        print(f"  {name:<40} {goal:>8} {measured:>9}  {verdict}")
    for r in rows["work"]:
        top = ", ".join(f"{op} {n}" for op, n in r["ops"].most_common(8))
        print(f"\n{r['label']} (work tree): most frequent operations: {top}")


if __name__ == "__main__":
    main()
