# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""tests/moto_emulator.py, the tests' one way to start the emulator: what the other tests rely on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
pytest.importorskip("moto.server", reason="moto[server] is not installed: run `make venv`")

from moto_emulator import MotoEmulator, answering  # noqa: E402  pylint: disable=wrong-import-position

ROOT = Path(__file__).resolve().parents[2]


def test_it_counts_aws_requests_only_and_starts_empty(tmp_path):
    with MotoEmulator(like_the_role=False) as emulator:
        assert emulator.aws_requests == 0
        emulator.client("ec2").create_vpc(CidrBlock="10.9.0.0/16")
        emulator.client("sts").get_caller_identity()
        emulator.reset()  # moto's own API: not counted
        assert emulator.aws_requests == 2
        emulator.client("ecs").create_cluster(clusterName="hplemu")
    # moto's state outlives the server in this process: the next one clears it first.
    with MotoEmulator(like_the_role=False) as again:
        assert again.client("ecs").list_clusters()["clusterArns"] == []


def test_settings_apply_while_it_runs_and_are_restored():
    os.environ.pop("MOTO_ECS_SERVICE_RUNNING", None)
    with MotoEmulator(env={"MOTO_ECS_SERVICE_RUNNING": "2"}) as emulator:
        assert os.environ["MOTO_ECS_SERVICE_RUNNING"] == "2"
        assert os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] == "true"  # like roles/emulator's moto_server
        ecs = emulator.client("ecs")
        ecs.create_cluster(clusterName="hplemu")
        ecs.register_task_definition(family="hplemu", containerDefinitions=[{"name": "c", "image": "busybox", "memory": 64}])
        ecs.create_service(cluster="hplemu", serviceName="s", taskDefinition="hplemu", desiredCount=2)
        assert ecs.describe_services(cluster="hplemu", services=["s"])["services"][0]["runningCount"] == 2
    assert "MOTO_ECS_SERVICE_RUNNING" not in os.environ


def test_the_recorder_writes_where_it_is_told(tmp_path):
    recording = tmp_path / "recording"
    with MotoEmulator(recording=recording, like_the_role=False) as emulator:
        emulator.start_recording()
        emulator.client("sts").get_caller_identity()
        lines = emulator.stop_recording().splitlines()
    assert [json.loads(line)["method"] for line in lines] == ["POST"]
    assert recording.read_text().splitlines() == lines


def test_one_per_process_and_a_taken_port_is_refused():
    with MotoEmulator(like_the_role=False) as emulator:
        with pytest.raises(RuntimeError, match="already runs in this process"):
            MotoEmulator(like_the_role=False).start()
    proc, url = MotoEmulator.spawn()
    try:
        port = int(url.rsplit(":", 1)[1])
        with pytest.raises(RuntimeError, match=f"port {port} already has an emulator"):
            MotoEmulator(port, like_the_role=False).start()
    finally:
        proc.terminate()
        assert proc.wait(timeout=30) == 0
    assert not answering(url)
    assert not answering(emulator.url)


def test_the_shell_helper_starts_and_stops_one(tmp_path):
    script = f"""
set -euo pipefail
source tests/integration/emulator.sh
port=$(emulator_free_port)
emulator_start "$port" {tmp_path}/emulator.log MOTO_ECS_SERVICE_RUNNING=2
emulator_up "$port"
echo "$port"
emulator_stop
! emulator_up "$port"
"""
    out = subprocess.run(["bash", "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "emulator answering on http://127.0.0.1:" in (tmp_path / "emulator.log").read_text()
