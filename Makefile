# fargate.microservice — the two commands a newcomer needs:
#   make deploy   set everything up and deploy (local target by default), print the URL
#   make test     set everything up and run every test
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV        ?= .venv
PY          := $(VENV)/bin/python
BIN         := $(VENV)/bin
INVENTORY   ?= inventory/local
ANSIBLE_ARGS ?=
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export PATH := $(CURDIR)/$(BIN):$(PATH)
# Podman settings for the local target (system files stay untouched).
export CONTAINERS_CONF := $(CURDIR)/files/podman/containers.conf
export CONTAINERS_STORAGE_CONF := $(CURDIR)/files/podman/storage.conf

# Debian packages the local target and the tests need.
DEB_PACKAGES := podman buildah runc catatonit golang-go redis-server haproxy wrk git shellcheck

.PHONY: help setup setup-host venv deploy teardown test test-lane-aws test-lane-containers lint unit sanity gotest \
	integration integration-modules integration-aws integration-network integration-local-teardown molecule bench clean

help:
	@echo "make deploy    set up and deploy (inventory: $(INVENTORY)), ending with the URL"
	@echo "make test      set up and run every test"
	@echo "make teardown  remove everything the deployment owns (and stop the local emulator)"
	@echo "make bench     run the benchmarks under benchmarks/"

setup: setup-host venv

# Installs the Debian packages that are missing (needs root or sudo).
setup-host:
	@bash scripts/setup-host.sh $(DEB_PACKAGES)

venv: $(VENV)/.stamp

$(VENV)/.stamp: requirements.txt constraints.txt
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
	touch $@

deploy: setup
	$(BIN)/ansible-playbook -i $(INVENTORY) site.yml $(ANSIBLE_ARGS)

teardown: setup
	$(BIN)/ansible-playbook -i $(INVENTORY) playbooks/teardown.yml $(ANSIBLE_ARGS)

# Every test. The quick ones first, then two lanes side by side: one of AWS-only tests (each
# on an emulator of its own), one with the container tests (molecule runs its scenarios, which
# share one Podman storage, one after another) and the network test. The lanes share make's two
# job slots, so a lane may start its next target early when the other lane is done; no two
# targets share a port, a socket or a deployment name, so any two may overlap.
# Each lane goes on past a failure (-k) so that one run shows every failure; the lanes' output is
# also kept in tests/output/test-lanes.log, and on failure what failed is printed once more, last.
test: setup lint unit gotest
	@mkdir -p tests/output
	@set -o pipefail; $(MAKE) --no-print-directory -j2 --output-sync=target test-lane-aws test-lane-containers 2>&1 \
		| tee tests/output/test-lanes.log || { bash scripts/failure-digest.sh tests/output/test-lanes.log; exit 2; }

test-lane-aws: venv
	$(MAKE) --no-print-directory -k sanity integration-aws integration-modules

test-lane-containers: setup
	$(MAKE) --no-print-directory -k molecule integration-network integration-local-teardown

integration: integration-modules integration-aws integration-network

# ecs_task_definition, task and service against the emulator
integration-modules: venv
	bash tests/integration/run.sh

# registry, ecs_cluster and alb against the emulator (their own port)
integration-aws: venv
	IT_EMULATOR_PORT=$${IT_EMULATOR_PORT:-5199} $(BIN)/python -m pytest -q tests/integration/registry tests/integration/ecs_cluster tests/integration/alb tests/integration/engines tests/integration/verify

# network: every NAT mode, bad inputs, an interrupted run, teardown, a decoy (about 16 min)
integration-network: venv
	bash tests/integration/network/run.sh

# local teardown: two deployments on one emulator and one Podman service (both the test's own)
# survive each other's teardown; the last one stops both; second teardowns change nothing (about 5 min)
integration-local-teardown: setup
	LT_EMULATOR_PORT=$${LT_EMULATOR_PORT:-5211} bash tests/integration/local_teardown/run.sh

lint: venv
	$(BIN)/yamllint -s .
	$(BIN)/ansible-lint --profile production

unit: venv
	$(BIN)/python -m pytest -q tests/unit

gotest: setup-host
	bash scripts/gotest.sh

sanity: venv
	bash scripts/sanity.sh

molecule: setup
	$(BIN)/molecule test --all

bench: setup
	bash benchmarks/run_all.sh

clean:
	rm -rf $(VENV) .cache tests/output
