#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: ecs_task_definition
short_description: Register the app + Redis Fargate task definition (or either alone), exactly idempotently
version_added: 0.1.0
description:
  - Registers an Amazon ECS task definition for AWS Fargate holding an application container and a Redis
    sidecar in one task (network mode C(awsvpc), so the app reaches Redis on C(localhost)).
  - For the service-discovery topology it registers either container alone instead - give only O(app) for a web-only
    task (its Redis address, O(app.redis_address), is a Cloud Map name such as C(redis.internal-countweb.local:6379)),
    or only O(redis) for a Redis-only task, which an ECS service registers in Cloud Map.
  - The desired definition is compared with the newest ACTIVE revision of the family after both are normalized
    (protocol C(tcp), C(hostPort) equal to C(containerPort), health-check interval/timeout/retries defaults,
    empty lists and maps, environment order, role names versus ARNs, C(essential) defaults, CPU and memory as
    strings). No change means no new revision; any real change registers exactly one.
  - The no-change case costs one DescribeTaskDefinition call (with its tags), however many revisions the family has;
    role names are resolved with iam:GetRole only when they differ from the registered ones.
  - Written because M(community.aws.ecs_taskdefinition) misses same-length list changes, never compares task CPU,
    memory, network mode or the execution role, registers a new revision on every run when health-check defaults
    are left out, and describes every ACTIVE revision of the family with one call each.
  - All input is validated before any AWS call, including Fargate's task CPU/memory sizes.
  - In check mode, a role name or ECR repository that does not exist yet (a stack not deployed yet) is assumed to
    appear before the real run; the module warns and reports the registration it would make.
author:
  - fargate.microservice developers (@fargate-microservice)
attributes:
  check_mode:
    description: Can run in check mode and return the changed status without registering or deregistering anything.
    support: full
  diff_mode:
    description: Returns the normalized definition before and after (and the tags) in diff mode.
    support: full
  idempotent:
    description: A second run with the same options registers nothing and reports no change.
    support: full
options:
  state:
    description:
      - V(present) registers a new revision when the newest ACTIVE one differs from the desired definition.
      - V(absent) deregisters revision O(revision), or every ACTIVE revision of O(family) when O(revision) is not set.
    type: str
    choices: [present, absent]
    default: present
  family:
    description: The task definition family (1-255 letters, digits, hyphens, underscores).
    type: str
    required: true
  revision:
    description: With O(state=absent), the one revision to deregister.
    type: int
  required_tags:
    description:
      - With O(state=absent), deregister only revisions carrying all these tags (for example the deployment's
        ownership tag); others are left alone and returned in RV(skipped). Costs one call per ACTIVE revision.
      - With O(state=present), only revisions carrying all these tags count; the desired definition is compared with
        the newest ACTIVE revision carrying them, and O(keep_revisions) prunes only those. So in a family that several
        deployments share, one deployment neither reuses nor prunes another's revision, and a rerun registers no
        duplicate. When the newest ACTIVE revision carries them (the usual case) this costs no extra call.
    type: dict
  keep_revisions:
    description:
      - With O(state=present), deregister ACTIVE revisions of the family older than the newest O(keep_revisions)
        (the newest, possibly just registered, counts as one). Unset keeps every revision.
      - This lists the family's ACTIVE revisions, so it costs calls in proportion to their number.
    type: int
  cpu:
    description:
      - Task CPU units. With O(memory) it must be a Fargate size, for example 256 with 512, 1024 or 2048 MiB;
        8192 and 16384 need Fargate platform 1.4.0.
    type: int
    default: 256
  memory:
    description: Task memory in MiB; see O(cpu) for the valid pairs.
    type: int
    default: 512
  cpu_architecture:
    description: The runtime platform's CPU architecture (the operating system family is always C(LINUX)).
    type: str
    choices: [X86_64, ARM64]
    default: X86_64
  ephemeral_storage:
    description: Task ephemeral storage in GiB (21-200); unset means Fargate's default of 20 GiB.
    type: int
  execution_role:
    description:
      - The task execution role (pulls images, writes logs), by name or ARN. A name is resolved to its ARN.
    type: str
  task_role:
    description: The role the containers' AWS calls use, by name or ARN. A name is resolved to its ARN.
    type: str
  log_group:
    description:
      - CloudWatch Logs group for the C(awslogs) log driver of both containers. Unset means no log configuration.
      - The group must exist (the execution role may not create it).
    type: str
  log_region:
    description: Region of O(log_group); defaults to the module's region.
    type: str
  app:
    description:
      - The application container. With O(state=present), O(app), O(redis) or both are required; O(app) alone
        registers a web-only task.
    type: dict
    suboptions:
      name:
        description: Container name, unique in the task.
        type: str
        default: web
      image:
        description: Image reference. Exactly one of O(app.image) and O(app.repository) is required.
        type: str
      repository:
        description:
          - Name of an ECR repository (for example C(countweb/web)); the image pushed most recently
            (C(imagePushedAt)) is used, by a tag other than C(latest) when it has one, else by C(latest), else by digest.
          - Costs ecr:DescribeRepositories and ecr:DescribeImages calls on every run.
        type: str
      port:
        description: The container port (TCP, 1-65535), published as the same host port (C(awsvpc)).
        type: int
        default: 8000
      environment:
        description: Environment variables (values are passed as strings).
        type: dict
      command:
        description: Command (arguments) overriding the image's CMD.
        type: list
        elements: str
      cpu:
        description: CPU units reserved for the container (the sum over both containers must fit O(cpu)).
        type: int
      memory:
        description: Hard memory limit in MiB (the sum over both containers must fit O(memory)).
        type: int
      memory_reservation:
        description: Soft memory limit in MiB.
        type: int
      health_check:
        description: Container health check. Unset means none.
        type: dict
        suboptions:
          command:
            description:
              - The check, in exec form (V([/app, -healthcheck])). C(CMD) is prepended unless the list
                starts with C(CMD) or C(CMD-SHELL).
            type: list
            elements: str
            required: true
          interval:
            description: Seconds between checks (5-300); AWS's default is 30.
            type: int
          timeout:
            description: Seconds before a check fails (2-120); AWS's default is 5.
            type: int
          retries:
            description: Failures before the container is unhealthy (1-10); AWS's default is 3.
            type: int
          start_period:
            description: Grace period in seconds (0-300) before failures count.
            type: int
      readonly_root_filesystem:
        description: Mount the container's root filesystem read-only.
        type: bool
        default: false
      essential:
        description: Whether the task stops when this container stops.
        type: bool
        default: true
      log_stream_prefix:
        description: The C(awslogs-stream-prefix); defaults to the container name.
        type: str
      redis_address_variable:
        description:
          - The environment variable that receives the Redis address (O(app.redis_address), by default C(localhost:<redis port>)).
            An empty string sets none. A value for it in O(app.environment) wins.
        type: str
        default: REDIS_ADDR
      redis_address:
        description:
          - The value of O(app.redis_address_variable), as C(host:port).
          - Default C(localhost:<redis port>) when the task holds O(redis); required when it does not (a web-only task),
            for example C(redis.internal-countweb.local:6379).
        type: str
      extra:
        description:
          - Further ContainerDefinition keys in the API's camelCase (for example C(stopTimeout), C(ulimits)),
            checked against the ECS API model before any call. Keys the module manages are refused.
        type: dict
  redis:
    description:
      - The Redis sidecar container. With O(state=present), O(app), O(redis) or both are required; O(redis) alone
        registers a Redis-only task.
      - With O(app) in the same task, the app's C(dependsOn) waits for it to be C(HEALTHY) when it has a health check,
        else for C(START).
    type: dict
    suboptions:
      name:
        description: Container name, unique in the task.
        type: str
        default: redis
      image:
        description: Image reference. Exactly one of O(redis.image) and O(redis.repository) is required.
        type: str
      repository:
        description:
          - Name of an ECR repository (for example C(countweb/redis)); the image pushed most recently
            (C(imagePushedAt)) is used, by a tag other than C(latest) when it has one, else by C(latest), else by digest.
          - Costs ecr:DescribeRepositories and ecr:DescribeImages calls on every run.
        type: str
      port:
        description:
          - The port Redis listens on (TCP, 1-65535), given to the app as C(localhost:<port>) (O(app.redis_address_variable)).
          - No port mapping is declared for it; the app reaches Redis on localhost inside the task, and nothing outside
            the task needs it. A revision that an earlier version registered with a Redis port mapping is replaced by
            one new revision without it.
        type: int
        default: 6379
      environment:
        description: Environment variables (values are passed as strings).
        type: dict
      command:
        description: Command (arguments) overriding the image's CMD.
        type: list
        elements: str
      cpu:
        description: CPU units reserved for the container (the sum over both containers must fit O(cpu)).
        type: int
      memory:
        description: Hard memory limit in MiB (the sum over both containers must fit O(memory)).
        type: int
      memory_reservation:
        description: Soft memory limit in MiB.
        type: int
      health_check:
        description: Container health check. Unset means none.
        type: dict
        suboptions:
          command:
            description:
              - The check, in exec form (V([redis-cli, ping])). C(CMD) is prepended unless the list
                starts with C(CMD) or C(CMD-SHELL).
            type: list
            elements: str
            required: true
          interval:
            description: Seconds between checks (5-300); AWS's default is 30.
            type: int
          timeout:
            description: Seconds before a check fails (2-120); AWS's default is 5.
            type: int
          retries:
            description: Failures before the container is unhealthy (1-10); AWS's default is 3.
            type: int
          start_period:
            description: Grace period in seconds (0-300) before failures count.
            type: int
      readonly_root_filesystem:
        description: Mount the container's root filesystem read-only.
        type: bool
        default: false
      essential:
        description: Whether the task stops when this container stops.
        type: bool
        default: true
      log_stream_prefix:
        description: The C(awslogs-stream-prefix); defaults to the container name.
        type: str
      extra:
        description:
          - Further ContainerDefinition keys in the API's camelCase (for example C(stopTimeout), C(ulimits)),
            checked against the ECS API model before any call. Keys the module manages are refused.
        type: dict
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Register the lab's web + Redis task definition
  fargate.microservice.ecs_task_definition:
    family: web-redis-task
    cpu: 256
    memory: 512
    execution_role: countweb-ecs-task-execution
    log_group: /ecs/countweb
    app:
      image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/countweb/web:1.0.0
      port: 8000
      environment:
        COUNT_WINDOW_SECONDS: "60"
      health_check:
        command: [CMD, /app, -healthcheck]
    redis:
      image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/countweb/redis:7-alpine
      port: 6379
      health_check:
        command: [CMD, redis-cli, ping]
    tags:
      fargate.microservice/deployment: countweb
    keep_revisions: 10
  register: taskdef

- name: Use the newest images in ECR
  fargate.microservice.ecs_task_definition:
    family: web-redis-task
    app:
      repository: countweb/web
    redis:
      repository: countweb/redis
      command: [redis-server, --save, ""]

- name: Register the Redis-only task of the service-discovery topology
  fargate.microservice.ecs_task_definition:
    family: countweb-redis-task
    redis:
      repository: countweb/redis
      command: [redis-server, /usr/local/etc/redis/redis.conf, --bind, 0.0.0.0, --protected-mode, "no"]
      health_check:
        command: [CMD, redis-cli, ping]

- name: Register the web-only task, finding Redis by its Cloud Map name
  fargate.microservice.ecs_task_definition:
    family: countweb-web-task
    app:
      repository: countweb/web
      redis_address: redis.internal-countweb.local:6379

- name: Deregister one revision
  fargate.microservice.ecs_task_definition:
    family: web-redis-task
    revision: 3
    state: absent

- name: Deregister every ACTIVE revision of the family
  fargate.microservice.ecs_task_definition:
    family: web-redis-task
    state: absent
"""

RETURN = r"""
registered:
  description: Whether a new revision was registered (or would be, in check mode).
  returned: always
  type: bool
arn:
  description: ARN of the newest ACTIVE revision after the run (null in check mode when one would be registered).
  returned: when state is present
  type: str
  sample: arn:aws:ecs:us-east-1:123456789012:task-definition/web-redis-task:4
family:
  description: The family.
  returned: always
  type: str
revision:
  description: Revision number of RV(arn).
  returned: when state is present
  type: int
  sample: 4
task_definition:
  description:
    - The full task definition as ECS describes it (API camelCase keys), or the request that would be registered in
      check mode.
  returned: when state is present
  type: dict
tags:
  description: The task definition's tags.
  returned: when state is present
  type: dict
changes:
  description:
    - Paths in the normalized definition that differ from the newest ACTIVE revision (empty when none);
      V((no ACTIVE revision)) when the family has none.
  returned: when state is present
  type: list
  elements: str
  sample: ["containerDefinitions[web].image", "cpu"]
api_calls:
  description: The AWS API operations this run called, in order (the no-change case is one DescribeTaskDefinition).
  returned: always
  type: list
  elements: str
  sample: ["describe_task_definition"]
deregistered:
  description: ARNs of the revisions deregistered (or that would be, in check mode).
  returned: always
  type: list
  elements: str
skipped:
  description: With O(state=absent) and O(required_tags), ACTIVE revisions left alone because they lack those tags.
  returned: when state is absent
  type: list
  elements: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.fargate.microservice.plugins.module_utils._task_definition_aws import (
    CONTAINER_SPEC,
    run,
)


def main():
    app_spec = dict(CONTAINER_SPEC)
    app_spec["redis_address_variable"] = dict(type="str", default="REDIS_ADDR")
    app_spec["redis_address"] = dict(type="str")
    redis_spec = dict(CONTAINER_SPEC)
    redis_spec["name"] = dict(type="str", default="redis")
    redis_spec["port"] = dict(type="int", default=6379)
    argument_spec = dict(
        state=dict(type="str", choices=["present", "absent"], default="present"),
        family=dict(type="str", required=True),
        revision=dict(type="int"),
        keep_revisions=dict(type="int"),
        required_tags=dict(type="dict"),
        cpu=dict(type="int", default=256),
        memory=dict(type="int", default=512),
        cpu_architecture=dict(type="str", choices=["X86_64", "ARM64"], default="X86_64"),
        ephemeral_storage=dict(type="int"),
        execution_role=dict(type="str"),
        task_role=dict(type="str"),
        log_group=dict(type="str"),
        log_region=dict(type="str"),
        app=dict(type="dict", options=app_spec, mutually_exclusive=[["image", "repository"]]),
        redis=dict(type="dict", options=redis_spec, mutually_exclusive=[["image", "repository"]]),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        # state=present needs app, redis or both (checked with the other input, before any AWS call).
        supports_check_mode=True,
    )
    run(module)


if __name__ == "__main__":
    main()
