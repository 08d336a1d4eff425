# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The verify role on the aws target: the ALB found by name, and with HTTPS the certificate's domain checked.

The ALB is a real one in the emulator (its DNS name does not resolve, as a fresh ALB's would not here);
the site behind "the certificate's domain" is a real TLS server on 127.0.0.1 with a certificate made
here by openssl, trusted through SSL_CERT_FILE, so the role's certificate check is the real one:
- the domain on the certificate answers: verify passes and prints the https URL;
- the certificate is for another name: verify fails, saying what to check (DNS record, certificate, port);
- no ALB of that name: one clear sentence, no traceback (amazon.aws.elb_application_lb_info crashed);
- an HTTP listener that redirects to HTTPS without verify_domain: stops at once, saying to set it.

Run: .venv/bin/python -m pytest -v tests/integration/verify/test_verify_https.py   (IT_EMULATOR_PORT, IT_HTTPS_PORT)
"""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
import itlib  # noqa: E402

HTTPS_PORT = int(os.environ.get("IT_HTTPS_PORT", "8661"))
DEPLOYMENT = "hvtls"
PAGE = "<html><body><h1>Counting App</h1><p>Hi, 127.0.0.1</p><p>You access this website {} time(s).</p></body></html>"


class Site:
    """GET /home answers the lab's page with a rising count (or, with ``redirect``, a 301 to HTTPS), over TLS
    when a certificate is given."""

    def __init__(self, port, cert=None, key=None, redirect=False):
        self.count = 0
        self.served = 0
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's naming)
                site.served += 1
                if redirect:
                    self.send_response(301)
                    self.send_header("Location", f"https://{self.headers.get('Host', 'x')}:443{self.path}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                site.count += 1
                body = PAGE.format(site.count).encode()
                self.send_response(200)
                self.send_header("X-Served-By", "web-0123456789ab")
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        if cert:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert, key)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def certificate(directory, name):
    """A self-signed certificate for ``name`` (subjectAltName DNS), made by openssl."""
    cert, key = directory / f"{name}.crt", directory / f"{name}.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", f"/CN={name}",
                    "-addext", f"subjectAltName=DNS:{name}", "-keyout", str(key), "-out", str(cert)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return str(cert), str(key)


@pytest.fixture(scope="module")
def alb():
    itlib.start_emulator()
    itlib.reset_emulator()
    ec2, elb = itlib.client("ec2"), itlib.client("elbv2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24", AvailabilityZone=f"us-east-1{z}")["Subnet"]["SubnetId"]
               for i, z in enumerate("ab")]
    lb = elb.create_load_balancer(Name=f"{DEPLOYMENT}-web-lb", Subnets=subnets, Scheme="internet-facing",
                                  Type="application")["LoadBalancers"][0]
    yield lb
    itlib.stop_emulator()


def verify(**extra):
    extra = dict(dict(microservice_deployment=DEPLOYMENT, verify_timeout=4), **extra)
    return itlib.playbook("playbooks/verify.yml", microservice_target="aws", verify_expected_ip="127.0.0.1",
                          verify_poll_interval=1, **extra)


def text(run):
    return " ".join(run.out.split())


def test_the_certificates_domain_is_checked_over_https(alb, tmp_path, monkeypatch):
    cert, key = certificate(tmp_path, "localhost")
    monkeypatch.setenv("SSL_CERT_FILE", cert)
    with Site(HTTPS_PORT, cert, key) as site:
        run = verify(verify_domain="localhost", verify_https_port=HTTPS_PORT)
    assert run.rc == 0, run
    assert f"The site is up: https://localhost:{HTTPS_PORT}/home" in text(run), run
    assert site.served == 5, run


def test_a_certificate_for_another_name_fails_saying_what_to_check(alb, tmp_path, monkeypatch):
    cert, key = certificate(tmp_path, "hv-other.test")
    monkeypatch.setenv("SSL_CERT_FILE", cert)
    with Site(HTTPS_PORT, cert, key):
        run = verify(verify_domain="localhost", verify_https_port=HTTPS_PORT)
    assert run.rc == 2 and run.failed == 1, run
    said = text(run)
    assert f"https://localhost:{HTTPS_PORT}/home did not answer 200 within 4 s" in said, run
    assert "CERTIFICATE_VERIFY_FAILED" in said, run
    assert f"check that localhost resolves to the ALB {alb['DNSName']}" in said, run
    assert "that the certificate alb_certificate_arn covers localhost" in said, run


def test_a_missing_alb_is_one_clear_sentence(alb):
    run = verify(microservice_deployment="hvnolb")
    assert run.rc == 2 and run.failed == 1, run
    assert "There is no load balancer named hvnolb-web-lb in us-east-1, so there is nothing to verify" in text(run), run
    assert "Traceback" not in run.out and "NoneType" not in run.out, run


def test_a_redirect_to_https_without_a_domain_stops_at_once(alb):
    # The ALB's DNS name resolves nowhere here, so the redirecting listener is a local server (same check.yml).
    with Site(HTTPS_PORT + 1, redirect=True) as site:
        run = itlib.playbook("playbooks/verify.yml", verify_local_port=HTTPS_PORT + 1, verify_timeout=30,
                             verify_poll_interval=1)
    assert run.rc == 2 and run.failed == 1, run
    said = text(run)
    assert f"http://127.0.0.1:{HTTPS_PORT + 1}/home redirects (301) to https://127.0.0.1:{HTTPS_PORT + 1}:443/home" in said, run
    assert "set verify_domain to the certificate's domain" in said and "Route 53 alias record or a CNAME" in said, run
    assert site.served == 1, run
