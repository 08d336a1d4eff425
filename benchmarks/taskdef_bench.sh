#!/usr/bin/env bash
# API requests and wall time of a no-change run of fargate.microservice.ecs_task_definition versus
# community.aws.ecs_taskdefinition on a family with 50 revisions (starts its own emulator).
set -euo pipefail
cd "$(dirname "$0")/.."
exec "${VENV:-.venv}/bin/python" benchmarks/taskdef_bench.py "$@"
