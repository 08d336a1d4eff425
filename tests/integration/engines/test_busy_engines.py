# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A busy emulator or Podman service is waited for, never doubled.

Each engine is started by its role, then frozen with SIGSTOP so that it stops answering while its
process lives (as under a heavy load), and thawed 40 s later. The rerun during the freeze must
wait for it (changed=0, same pid) instead of starting a second one on the same port or socket,
which would fail to bind, overwrite the pid file and the log, and orphan the first one.

Run: .venv/bin/python -m pytest -v tests/integration/engines
(IT_BUSY_EMULATOR_PORT, default 5198; Podman on a socket under a temporary directory).
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
import itlib  # noqa: E402

PLAY = "tests/integration/engines/busy_engines.yml"
FREEZE_SECONDS = 40
PORT = int(os.environ.get("IT_BUSY_EMULATOR_PORT", "5198"))


def rerun_while_frozen(pid, *args):
    """Freeze pid (SIGSTOP), rerun the play, thaw it after FREEZE_SECONDS (SIGCONT, from a thread)."""
    os.kill(pid, signal.SIGSTOP)
    thaw = threading.Timer(FREEZE_SECONDS, os.kill, args=(pid, signal.SIGCONT))
    thaw.start()
    try:
        return itlib.playbook(PLAY, *args)
    finally:
        thaw.join()
        os.kill(pid, signal.SIGCONT)


def alive(pid):
    """True while pid runs; a zombie (exited, not yet reaped by an init that may never reap) is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


def test_busy_emulator_is_waited_for(tmp_path):
    state = tmp_path / "emulator"
    args = ("--tags", "emulator", "-e", f"emulator_port={PORT}", "-e", f"emulator_state_dir={state}")
    first = itlib.playbook(PLAY, *args)
    assert first.rc == 0 and first.changed >= 1, first
    pid = int((state / "moto.pid").read_text())
    rerun = rerun_while_frozen(pid, *args)
    try:
        assert rerun.rc == 0 and rerun.changed == 0, rerun
        assert "Find an emulator this role started that is still running" in rerun.out, rerun
        assert int((state / "moto.pid").read_text()) == pid
        assert alive(pid)
    finally:
        stop = itlib.playbook(PLAY, *args, "-e", "emulator_state=absent")
        assert stop.rc == 0, stop
    # The port is free once the signal is handled; the process may take a moment more to exit.
    deadline = time.monotonic() + 30
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not alive(pid), stop


@pytest.mark.skipif(shutil.which("podman") is None, reason="podman is not installed (make setup-host installs it)")
def test_busy_podman_service_is_waited_for(tmp_path):
    state = tmp_path / "podman"
    args = ("--tags", "container_engine", "-e", f"container_engine_docker_host=unix://{tmp_path}/podman.sock",
            "-e", f"container_engine_state_dir={state}")
    first = itlib.playbook(PLAY, *args)
    assert first.rc == 0 and first.changed >= 1, first
    pid = int((state / "podman.pid").read_text())
    try:
        rerun = rerun_while_frozen(pid, *args)
        assert rerun.rc == 0 and rerun.changed == 0, rerun
        assert "Find a Podman service this role started that is still running" in rerun.out, rerun
        assert int((state / "podman.pid").read_text()) == pid
        assert alive(pid)
    finally:
        os.kill(pid, signal.SIGTERM)
