# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A real cross-build: image_build with image_build_platform linux/arm64 on this (amd64) machine.

The Go stage runs on the engine's own platform (BUILDPLATFORM, read from the engine) and
cross-compiles (GOARCH=arm64, CGO off): no emulation is installed here, so an emulated build
would fail. The image must say arm64 and its /app must be an AArch64 ELF executable (e_machine
183 in the ELF header), and a rerun builds nothing. The Redis image is given (no arm64 Redis base
can be had offline). Needs Podman (the shared engine) and the offline Go base image.

Run: .venv/bin/python -m pytest -q tests/integration/image_arch   (its own emulator on
IT_ARCH_EMULATOR_PORT, else a free port; about 1-3 min, most of it compiling Go for arm64)
"""

from __future__ import annotations

import json
import os
import platform
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
import itlib  # noqa: E402

ROOT = itlib.ROOT
D = os.environ.get("IT_ARCH_DEPLOYMENT", "hiarch")  # another name for a parallel run
ELF_MACHINE = {"x86_64": 62, "aarch64": 183}
PODMAN_ENV = dict(os.environ, CONTAINERS_CONF=str(ROOT / "files/podman/containers.conf"),
                  CONTAINERS_STORAGE_CONF=str(ROOT / "files/podman/storage.conf"))


@pytest.fixture(scope="module")
def endpoint(start_moto):
    """The module's own emulator (tests/integration/conftest.py), on IT_ARCH_EMULATOR_PORT or a free port."""
    return start_moto(os.environ.get("IT_ARCH_EMULATOR_PORT")).url


def build(endpoint, work):
    extra = {"microservice_aws_endpoint_url": endpoint, "microservice_deployment": D,
             "image_build_platform": "linux/arm64", "image_build_redis_image": "localhost/fargate-microservice/redis-offline:debian",
             "image_build_work_dir": str(work)}
    cmd = [str(ROOT / ".venv/bin/ansible-playbook"), "-i", str(ROOT / "inventory/local"),
           str(ROOT / "tests/integration/image_arch/build.yml"), "-e", json.dumps(extra)]
    # The default callback's output: the rerun's checks read its task headers.
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0",
               FARGATE_MICROSERVICE_FULL_OUTPUT="true")
    env.pop("DOCKER_HOST", None)
    return itlib.Run(subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    text=True, timeout=900, check=False))


def podman(*args):
    return subprocess.run(["podman", *args], env=PODMAN_ENV, capture_output=True, text=True, check=True).stdout


def test_arm64_cross_build_gives_an_aarch64_binary(endpoint, tmp_path):
    if platform.machine() != "x86_64":
        pytest.skip(f"this test cross-builds arm64 on an x86_64 machine; this one is {platform.machine()}")
    run = build(endpoint, tmp_path / "work")
    assert run.rc == 0, run
    images = [line for line in podman("images", "--format", "{{.Repository}}:{{.Tag}}").split()
              if f"/{D}/web:" in line]
    assert len(images) == 1, images
    image = images[0]
    try:
        info = json.loads(podman("image", "inspect", image))[0]
        assert (info["Os"], info["Architecture"]) == ("linux", "arm64"), (info["Os"], info["Architecture"])
        container = podman("create", image).strip()
        try:
            out = Path(tempfile.mkdtemp(prefix="hiarch-")) / "app"
            podman("cp", f"{container}:/app", str(out))
        finally:
            podman("rm", container)
        header = out.read_bytes()[:20]
        # ELF magic, 64-bit (EI_CLASS 2), little endian (EI_DATA 1), e_machine at offset 18.
        assert header[:4] == b"\x7fELF" and header[4] == 2 and header[5] == 1, header
        assert struct.unpack_from("<H", header, 18)[0] == ELF_MACHINE["aarch64"], header
        # The rerun builds nothing (same sources, same platform: same tag, in the engine and the emulated ECR), and
        # with the tag in ECR and the image in the engine it neither starts the engine's role nor builds, reads the
        # manifest or records it: ECR's answer and one read-only engine lookup are the whole no-op.
        again = build(endpoint, tmp_path / "work")
        assert again.rc == 0 and again.changed == 0, again
        assert "TASK [fargate.microservice.image_build : Look the images ECR holds up in the local engine]" in again.out, again
        for skipped in ("Build the images into the local engine", "Read the image manifests from Podman's storage",
                        "Record the images in the emulated ECR", "Read the published images from ECR"):
            assert f"image_build : {skipped}]" not in again.out, (skipped, again)
        assert "TASK [fargate.microservice.container_engine : " not in again.out, again
        # Drift: the engine loses the image's name behind the role's back (its layers stay: no Go compile again);
        # the tag is still in ECR, and the rerun puts the image back under it.
        podman("untag", image)
        repaired = build(endpoint, tmp_path / "work")
        assert repaired.rc == 0, repaired
        assert "image_build : Build the images into the local engine]" in repaired.out, repaired
        assert image in podman("images", "--format", "{{.Repository}}:{{.Tag}}").split(), repaired
    finally:
        subprocess.run(["podman", "rmi", "-f", image], env=PODMAN_ENV, capture_output=True, check=False)
