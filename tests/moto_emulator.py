# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one way the tests start the AWS emulator: moto's ThreadedMotoServer on a loopback port.

- Python tests: ``MotoEmulator(port, env=..., recording=...).start()`` serves from the test's own
  process (the fixtures in tests/integration/conftest.py, tests/unit/plugins/module_utils/conftest.py
  and tests/integration/fixtures/itlib.py use it). moto's state is global to a process, so one runs
  at a time in a process; a test that needs several at once (tests/integration/iam) runs each with
  ``MotoEmulator.spawn`` in a process of its own, which is this file run as a script.
- Shell-driven tests source tests/integration/emulator.sh, whose ``emulator_start`` runs this file
  as a script: ``python tests/moto_emulator.py --port N [--env K=V ...] [--recording FILE]`` serves
  until SIGTERM.

The product's own way to run the emulator is roles/emulator (moto_server in the background, kept
between runs); the tests of that role (engines, local_teardown) start it through the role.
A playbook run against an emulator started here finds it answering, so its emulator role does nothing.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

HOST = "127.0.0.1"
REGION = "us-east-1"
# What roles/emulator starts moto_server with (its tasks/present.yml): the AWS-managed IAM policies exist.
# Loading them makes every reset a few seconds slower, so the unit tests (which need none) go without.
ROLE_ENV = {"MOTO_IAM_LOAD_MANAGED_POLICIES": "true"}
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def free_port():
    """A loopback TCP port that nothing listens on right now."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def is_moto_api(path):
    """Whether a request path is moto's own API (/moto-api/...: reset, recorder, the emulator role's probe), not an
    AWS request. The one test of it: MotoEmulator's count and the benchmarks' (benchmarks/emulator.py and its
    callback) use it."""
    return path.startswith("/moto-api")


def answering(url, timeout=2):
    try:
        with urllib.request.urlopen(url + "/moto-api/", timeout=timeout):
            return True
    except OSError:
        return False


# A reset is CPU-bound (moto rebuilds its backends, with the managed policies IAM's): 7-11 s on 2 busy cores.
RESET_TIMEOUT = 120


def _post(url):
    with urllib.request.urlopen(urllib.request.Request(url, method="POST"), timeout=RESET_TIMEOUT) as resp:
        return resp.read()


def _counting_server_class():
    """moto's ThreadedMotoServer that wraps its WSGI app (to count requests) and reports a bind error.

    ThreadedMotoServer builds its app and its werkzeug server in its thread (_server_entry); when the
    port is taken that thread ends and start() waits for ever. This one sets ``error`` and returns.
    """
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from moto.server import ThreadedMotoServer
    from werkzeug.serving import make_server

    class CountingServer(ThreadedMotoServer):
        def __init__(self, port, wrap):
            super().__init__(ip_address=HOST, port=port, verbose=False)
            self._wrap = wrap
            self.error = None

        def _server_entry(self):
            try:
                self._server = make_server(self._ip_address, self._port,
                                           self._wrap(DomainDispatcherApplication(create_backend_app)), True)
            except OSError as err:
                self.error = err
                self._server_ready_event.set()
                return
            self._server_ready_event.set()
            self._server.serve_forever()

        def stop(self):
            super().stop()
            if self._server is not None:
                self._server.server_close()  # let the port go now: the next test may bind it again

    return CountingServer


def _CountingServer(port, wrap):  # pylint: disable=invalid-name
    return _counting_server_class()(port, wrap)


class MotoEmulator:
    """moto's ThreadedMotoServer on HOST:port, with moto's settings ``env`` applied to this process.

    ``like_the_role``: with the settings roles/emulator starts moto_server with (ROLE_ENV).

    ``env`` holds MOTO_* settings (MOTO_ECS_SERVICE_RUNNING, ...): moto reads them from os.environ
    when it serves a request, so they are set for as long as the emulator runs and restored after.
    ``recording``: the file moto's request recorder writes (it reads MOTO_RECORDER_FILEPATH only once,
    when moto is imported, so it is set on the recorder itself). ``aws_requests`` counts the requests
    served other than moto's own API (/moto-api/...): an assertion that a run made no AWS call reads it.
    """

    _running = None  # the one MotoEmulator serving in this process

    def __init__(self, port=None, env=None, recording=None, log_requests=False, like_the_role=True):
        self.port = int(port or free_port())
        self.url = f"http://{HOST}:{self.port}"
        self.env = dict(ROLE_ENV if like_the_role else {}, **(env or {}))
        self.recording = str(recording) if recording else None
        self.aws_requests = 0
        self.log_requests = log_requests
        self._lock = threading.Lock()
        self._saved_env = {}
        self._saved_recorder = None
        self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def _count(self, app):
        def counting(environ, start_response):
            if not is_moto_api(environ.get("PATH_INFO", "")):
                with self._lock:
                    self.aws_requests += 1
            return app(environ, start_response)
        return counting

    def start(self):
        if MotoEmulator._running is not None:
            raise RuntimeError(f"an emulator already runs in this process on port {MotoEmulator._running.port}; "
                               "moto's state is per process: stop it first, or use MotoEmulator.spawn")
        if answering(self.url):
            raise RuntimeError(f"port {self.port} already has an emulator: choose a free port (IT_EMULATOR_PORT, ...) "
                               f"or stop that one (POST {self.url}/moto-api/reset clears it)")
        for key, value in self.env.items():
            self._saved_env[key] = os.environ.get(key)
            os.environ[key] = str(value)
        # Imported here: the settings above come first, and a test without moto fails only when it asks for one.
        from moto.moto_api import recorder

        if not self.log_requests:  # werkzeug logs a line a request; a failing test's output is the test's
            logging.getLogger("werkzeug").setLevel(logging.WARNING)
        # moto reads MOTO_RECORDER_FILEPATH and MOTO_ENABLE_RECORDING once, when it is imported.
        self._saved_recorder = (recorder._location, recorder._os_enabled, recorder._user_enabled)
        if self.recording:
            recorder._location = self.recording
        if str(self.env.get("MOTO_ENABLE_RECORDING", "")).lower() in ("1", "true", "yes"):
            recorder._os_enabled = recorder._user_enabled = True
        self._server = _CountingServer(self.port, self._count)
        self._server.start()
        if self._server.error is not None:
            err, self._server = self._server.error, None
            self._restore()
            raise RuntimeError(f"the emulator cannot listen on {HOST}:{self.port}: {err}") from err
        MotoEmulator._running = self
        deadline = time.time() + 60
        while not answering(self.url):
            if time.time() > deadline:
                self.stop()
                raise RuntimeError(f"the emulator on {self.url} did not answer within 60 s")
            time.sleep(0.1)
        self.reset()  # moto's state outlives a server in this process: a new emulator starts empty
        return self

    def _restore(self):
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved_env = {}
        if self._saved_recorder:
            from moto.moto_api import recorder
            recorder._location, recorder._os_enabled, recorder._user_enabled = self._saved_recorder
            self._saved_recorder = None

    def stop(self):
        if self._server is not None:
            self._server.stop()
            self._server = None
        if MotoEmulator._running is self:
            MotoEmulator._running = None
        self._restore()

    def reset(self):
        """Clear every emulated resource (moto's POST /moto-api/reset)."""
        _post(self.url + "/moto-api/reset")

    def start_recording(self):
        _post(self.url + "/moto-api/recorder/reset-recording")
        _post(self.url + "/moto-api/recorder/start-recording")

    def stop_recording(self):
        """Stop moto's request recorder and return what it recorded (one JSON document a line)."""
        _post(self.url + "/moto-api/recorder/stop-recording")
        with urllib.request.urlopen(self.url + "/moto-api/recorder/download-recording", timeout=30) as resp:
            return resp.read().decode()

    def client(self, service, region=REGION, **kwargs):
        import boto3
        return boto3.client(service, endpoint_url=self.url, region_name=region, **CREDENTIALS, **kwargs)

    @staticmethod
    def spawn(port=None, env=None, recording=None, log=None):
        """This file as a script, serving in a process of its own; returns (Popen, url) once it answers."""
        port = int(port or free_port())
        cmd = [sys.executable, os.path.abspath(__file__), "--port", str(port)]
        for key, value in (env or {}).items():
            cmd += ["--env", f"{key}={value}"]
        if recording:
            cmd += ["--recording", str(recording)]
        out = open(log, "ab") if log else subprocess.DEVNULL  # pylint: disable=consider-using-with
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        url = f"http://{HOST}:{port}"
        deadline = time.time() + 120
        while not answering(url):
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                raise RuntimeError(f"the emulator on {url} did not start within 120 s (exit code {proc.poll()})")
            time.sleep(0.2)
        return proc, url


def main(argv=None):
    parser = argparse.ArgumentParser(description="Serve the AWS emulator (moto) on a loopback port until SIGTERM.")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE", help="a moto setting (MOTO_...)")
    parser.add_argument("--recording", help="the file moto's request recorder writes")
    args = parser.parse_args(argv)
    env = dict(item.split("=", 1) for item in args.env)

    def leave(*_):
        # Its state is thrown away: exit at once (a graceful stop and the interpreter's cleanup of moto's
        # state take 15 s and more on a busy machine).
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)

    # Before start(): spawn() returns once the port answers, which is before start() has returned, so a
    # caller's SIGTERM can come at once (CI saw exit -15 when these were installed after start()).
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, leave)
    emulator = MotoEmulator(args.port, env=env, recording=args.recording, log_requests=True)
    emulator.start()
    print(f"emulator answering on {emulator.url}", flush=True)
    while True:
        signal.pause()


if __name__ == "__main__":
    sys.exit(main())
