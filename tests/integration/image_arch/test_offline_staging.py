# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""image_build's offline base staging (roles/image_build/files/stage-offline-base.sh), run for real.

Two runs at once on one machine (two deployments, or a test beside a deploy) once staged into the same
directory: one run's `rm -rf` removed the files the other was unpacking ("tar: Cannot mkdir: No such file or
directory", seen when a deploy ran beside `make test`). Each run now stages into a directory of its own under
image_build_work_dir and names it on its last line; another run's directory is left alone. Uses Debian's
redis-server (the small base); needs no engine.

Run: .venv/bin/python -m pytest -q tests/integration/image_arch/test_offline_staging.py   (a few seconds)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
import itlib  # noqa: E402

SCRIPT = itlib.ROOT / "roles/image_build/files/stage-offline-base.sh"

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None,
                                reason="redis-server is not installed (make setup-host installs Debian's redis-server)")


def stage(parent: Path) -> Path:
    proc = subprocess.run(["bash", str(SCRIPT), "redis", str(parent)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    staged = Path(proc.stdout.splitlines()[-1])
    assert staged.parent == parent and staged.name.startswith("redis."), proc.stdout
    return staged


def complete(staged: Path) -> bool:
    return ((staged / "rootfs/usr/local/bin/redis-server").is_file() and (staged / "rootfs/usr/local/bin/redis-cli").is_file()
            and "FROM scratch" in (staged / "Dockerfile").read_text(encoding="utf-8"))


def test_a_run_leaves_another_runs_staging_alone(tmp_path):
    # What another run in progress has staged so far, under the names both the old fixed directory and a new one use.
    others = [tmp_path / "redis", tmp_path / "redis.AbC123"]
    for other in others:
        (other / "rootfs").mkdir(parents=True)
        (other / "rootfs" / "half-unpacked").write_text("x", encoding="utf-8")
    staged = stage(tmp_path)
    assert staged not in others and complete(staged)
    assert all((other / "rootfs" / "half-unpacked").is_file() for other in others)


def test_two_runs_at_once_each_stage_a_whole_base(tmp_path):
    with ThreadPoolExecutor(max_workers=2) as pool:
        first, second = pool.map(stage, [tmp_path, tmp_path])
    assert first != second
    assert complete(first) and complete(second)


def test_the_parent_is_created(tmp_path):
    assert complete(stage(tmp_path / "not" / "there"))


def test_a_directory_a_killed_run_left_a_day_ago_goes(tmp_path):
    old, recent = tmp_path / "redis.Old123", tmp_path / "redis.New123"
    for left in (old, recent):
        (left / "rootfs").mkdir(parents=True)
    day_and_more = time.time() - 25 * 3600
    os.utime(old, (day_and_more, day_and_more))
    staged = stage(tmp_path)
    assert not old.exists() and recent.is_dir() and complete(staged)
