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
# MITOGEN=1 (make deploy MITOGEN=1, ...): run the playbooks under Mitogen's strategy plugin (the pinned `mitogen`
# package, mitogen_linear). A switch, not the default: `make test` is no faster under it, ansible-core 2.19 deprecates
# third-party strategy plugins, and AWX's execution environment has no Mitogen (docs/benchmarks.md has the figures and
# the reasons). `make bench MITOGEN=1` measures the work tree with and without it, alternating.
MITOGEN ?= 0
ifeq ($(MITOGEN),1)
# Recursively expanded (=): the path is asked of the venv when a recipe runs, after `setup` has made it (a fresh clone has
# no venv when make reads this file).
export ANSIBLE_STRATEGY_PLUGINS = $(shell $(PY) -c 'import ansible_mitogen, os; print(os.path.join(os.path.dirname(ansible_mitogen.__file__), "plugins", "strategy"))')
export ANSIBLE_STRATEGY := mitogen_linear
endif
# Podman settings for the local target (system files stay untouched).
export CONTAINERS_CONF := $(CURDIR)/files/podman/containers.conf
export CONTAINERS_STORAGE_CONF := $(CURDIR)/files/podman/storage.conf

# Debian packages the local target and the tests need.
DEB_PACKAGES := podman buildah runc catatonit golang-go redis-server haproxy wrk git shellcheck

.PHONY: help setup setup-host venv deploy teardown status rollback cost changelog test test-lane-aws test-lane-containers lint \
	unit sanity gotest integration integration-modules integration-aws integration-aws-target integration-network integration-logs \
	integration-cost integration-build integration-ee integration-awx integration-status integration-local-teardown integration-local-service-discovery integration-image-arch integration-iam ee-context \
	molecule bench clean logs

help:
	@echo "make deploy    set up and deploy (inventory: $(INVENTORY)), ending with the URL"
	@echo "make test      set up and run every test"
	@echo "make teardown  remove everything the deployment owns (and stop the local emulator)"
	@echo "make status    show, read-only, what the deployment owns, misses and runs, and its URL"
	@echo "make rollback  roll the service back to REVISION=N (default: the revision before the current one)"
	@echo "make logs      the tasks' web and Redis log lines (LINES=50 SINCE=10m FILTER=error TASK=<id> FOLLOW=30)"
	@echo "make cost      what the current variables would cost on AWS, per NAT mode (no AWS call)"
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

# Read-only: JSON with ANSIBLE_ARGS='-e status_format=json -e status_path=status.json'.
status: venv
	$(BIN)/ansible-playbook -i $(INVENTORY) playbooks/status.yml $(ANSIBLE_ARGS)

# REVISION=N rolls back to revision N of the deployment's family; 0 (default): the one before the current.
REVISION ?= 0
rollback: setup
	$(BIN)/ansible-playbook -i $(INVENTORY) playbooks/rollback.yml -e rollback_revision=$(REVISION) $(ANSIBLE_ARGS)

# The last LINES lines per container of every task (or TASK), or those since SINCE (10m, 2h or an
# ISO time), matching FILTER, then FOLLOW seconds of new ones. Only the variables given on make's
# command line are passed (a LINES exported by the shell for the terminal's height is not).
LOGS_VARS := $(foreach v,LINES SINCE FILTER TASK FOLLOW,$(if $(filter command line,$(origin $(v))),$(v)))
logs: venv
	$(BIN)/ansible-playbook -i $(INVENTORY) playbooks/logs.yml -e "$$($(PY) scripts/logs-extra-vars.py $(LOGS_VARS))" $(ANSIBLE_ARGS)

# What the current variables would cost on AWS; pure computation (no AWS call, no credentials).
cost: venv
	$(BIN)/ansible-playbook -i $(INVENTORY) playbooks/cost.yml $(ANSIBLE_ARGS)

# CHANGELOG.rst from changelogs/fragments (the fragments are kept).
changelog: venv
	bash scripts/changelog.sh

# Every test. The quick ones first (lint, unit and the Go checks, two at a time), then two lanes side by side, each
# running its targets one after another (-j1: a lane takes none of the other's job slot, which once left the
# containers lane waiting 20 minutes while the AWS lane ran two targets at once): one of AWS-only tests (each on an
# emulator of its own, the network test last), one with the container tests (molecule runs its scenarios, which
# share one Podman storage, one after another; awx after molecule and local-service-discovery, whose async tasks
# write ~/.ansible_async, which awx checks) and four AWS-only tests that balance the lanes' times
# (tests/output/lane-times.txt). No two targets share a port, a socket or a deployment name, so any two may overlap.
# Each lane goes on past a failure (-k) so that one run shows every failure; the lanes' output is
# also kept in tests/output/test-lanes.log, each target's time in tests/output/lane-times.txt, and on failure what failed is printed once more, last.
# The tests read the default callback's output (task headers, msg: lines); the progress callback that
# ansible.cfg selects is for people. Exported to the integration targets and the commands they start (not to
# `unit`: the progress callback's own tests run there, and a target's variables reach its prerequisites).
test-lane-aws test-lane-containers integration integration-% molecule: export FARGATE_MICROSERVICE_FULL_OUTPUT = true

test: setup
	@$(MAKE) --no-print-directory -j2 --output-sync=target lint unit gotest
	@mkdir -p tests/output && : > tests/output/lane-times.txt
	@set -o pipefail; $(MAKE) --no-print-directory -j2 --output-sync=target test-lane-aws test-lane-containers 2>&1 \
		| tee tests/output/test-lanes.log || { cat tests/output/lane-times.txt; bash scripts/failure-digest.sh tests/output/test-lanes.log; exit 2; }
	@echo "== time per target (tests/output/lane-times.txt)"; cat tests/output/lane-times.txt

test-lane-aws: venv
	$(MAKE) --no-print-directory -j1 -k $(addprefix timed-,sanity integration-modules integration-aws integration-ee integration-status integration-iam integration-network)

test-lane-containers: setup
	$(MAKE) --no-print-directory -j1 -k $(addprefix timed-,molecule integration-local-teardown integration-local-service-discovery integration-image-arch integration-aws-target integration-logs integration-cost integration-build integration-awx)

# A target of a lane, timed: its time and result go to tests/output/lane-times.txt (printed at the end of make test).
timed-%:
	+@start=$$(date +%s); rc=0; $(MAKE) --no-print-directory $* || rc=$$?; \
		line=$$(printf '%-40s %5ss  %s' '$*' $$(($$(date +%s) - start)) $$([ $$rc = 0 ] && echo ok || echo FAILED)); \
		echo "$$line"; echo "$$line" >> tests/output/lane-times.txt; exit $$rc

integration: integration-modules integration-aws integration-aws-target integration-network

# ecs_task_definition, task, service and rollback (playbooks/rollback.yml) against the emulator
integration-modules: venv
	bash tests/integration/run.sh

# registry, ecs_cluster and alb against the emulator (their own port); the engines' search order and waits (Podman), the
# verify counts, preflight, a DRAINING service waited for through the service role (a proxy of its own, free ports)
integration-aws: venv
	IT_EMULATOR_PORT=$${IT_EMULATOR_PORT:-5199} $(BIN)/python -m pytest -q tests/integration/registry tests/integration/ecs_cluster tests/integration/alb tests/integration/engines tests/integration/verify tests/integration/preflight tests/integration/service_draining

# logs.yml on the aws target: CloudWatch Logs streams of two tasks on an emulator of its own (free port)
integration-logs: venv
	IT_EMULATOR_PORT=$${IT_EMULATOR_PORT:-$$($(PY) -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')} \
		$(BIN)/python -m pytest -q tests/integration/logs

# cost.yml for real with no credentials (hand-worked totals, bad input) and site.yml's short form
integration-cost: venv
	bash tests/integration/cost/run.sh

# the built collection installed offline: ansible-doc of every module, filter and role, every
# playbook's --syntax-check and a cost.yml run from the installed copy, CHANGELOG.rst up to date
integration-build: venv
	bash tests/integration/build/run.sh

# The execution environment: `ansible-builder create` and its context checked (a few seconds)
integration-ee: venv
	$(BIN)/python -m pytest -q tests/integration/ee

# Every job template and the workflow's nodes run as AWX runs them: ansible-runner private data dirs against the
# emulator (its own port); image_build through a TLS engine (HAProxy on IT_AWX_ENGINE_PORT in front of the shared Podman socket,
# and on IT_AWX_ENGINE_PORT + 1 without asking for a client certificate: server verification only)
integration-awx: setup
	IT_AWX_EMULATOR_PORT=$${IT_AWX_EMULATOR_PORT:-5451} IT_AWX_ENGINE_PORT=$${IT_AWX_ENGINE_PORT:-5452} $(BIN)/python -m pytest -q tests/integration/awx

# The execution environment's build context in .cache/ee/context (then: podman build -t IMAGE .cache/ee/context)
ee-context: venv
	$(BIN)/ansible-galaxy collection build --force --output-path .cache/ee .
	$(BIN)/ansible-builder create -f execution-environment.yml -c .cache/ee/context

# status (text and JSON) on a full, a partial and an empty stack, read-only (its own emulator port)
integration-status: venv
	IT_EMULATOR_PORT=$${IT_STATUS_EMULATOR_PORT:-5198} $(BIN)/python -m pytest -q tests/integration/status

# the aws target against its own emulator (a free port) with moto's request recorder: who and where,
# credentials, session token, service-linked roles, teardown without an engine, network_nat_mode none
# endpoints and zones, the ALB's egress; site.yml with images given and no engine, its no-op rerun,
# the image the sources give after a revert (test_site_no_engine.py) (about 10-18 min)
integration-aws-target: venv
	$(BIN)/python -m pytest -q tests/integration/aws_target

# docs/iam/deployer-policy.json against every IAM action that site.yml, its reruns and teardown make on the
# aws target (moto's request recorder, its own emulators on free ports or IT_IAM_EMULATOR_PORT and the next three;
# about 8-15 min); the same recordings pin the order of microservice_topology's calls: the switches to
# service_discovery and back, a service_discovery teardown, and the namespace's VPC
# (the service_discovery stack itself, its reruns and its teardown are molecule default's)
integration-iam: venv
	$(BIN)/python -m pytest -q tests/integration/iam

# network: every NAT mode, bad inputs, an interrupted run, teardown, a decoy (about 16 min)
integration-network: venv
	bash tests/integration/network/run.sh

# microservice_topology service_discovery on the local target, for real (emulator, Podman, HAProxy): sidecar ->
# service_discovery -> sidecar under a request loop (no failed request), the shared count, the Redis task in Cloud
# Map and on its internal network only, --check --diff and a rerun with no change, a stopped Redis task replaced by
# the supervisor, teardown (about 12-18 min
# on an idle 2-core machine; its own emulator port, load balancer port and task ports, deployment hsdt)
integration-local-service-discovery: setup
	IT_LSD_EMULATOR_PORT=$${IT_LSD_EMULATOR_PORT:-5642} IT_LSD_LB_PORT=$${IT_LSD_LB_PORT:-8640} \
		$(BIN)/python -m pytest -q -s tests/integration/local_service_discovery

# a real arm64 cross-build of the web image on Podman: the image says arm64, /app is an AArch64 ELF (about 2-4 min)
integration-image-arch: setup
	IT_ARCH_EMULATOR_PORT=$${IT_ARCH_EMULATOR_PORT:-5212} $(BIN)/python -m pytest -q tests/integration/image_arch

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
