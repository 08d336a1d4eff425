"""Offline stand-in for ansible-test's pip bootstrap script (get-pip-<version>.py).

ansible-test downloads that script from ci-files.testing.ansible.com, which our machines
cannot reach; it reads a cached copy from ~/.ansible/test/cache/get_pip_<version>.py first.
scripts/sanity.sh puts this file there. Like get-pip.py it installs pip into the running
interpreter's environment and then installs the packages it is given (from PyPI, which is
reachable): ensurepip provides a first pip from the Python installation itself.
"""
import ensurepip
import os
import subprocess
import sys

# get-pip.py's own flags, which `pip install` does not know.
GET_PIP_ONLY = {"--no-setuptools", "--no-wheel"}

# ensurepip points PIP_CONFIG_FILE at /dev/null in this process; the pip run after it must
# see the machine's pip configuration (index, certificates) again.
environment = dict(os.environ)
ensurepip.bootstrap(upgrade=True)
args = [a for a in sys.argv[1:] if a not in GET_PIP_ONLY]
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install", "--upgrade", *args], env=environment))
