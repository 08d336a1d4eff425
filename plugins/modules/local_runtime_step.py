#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fargate.microservice contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# The documentation of the action plugin plugins/action/local_runtime_step.py (it runs on the controller,
# which on the local target is the machine that runs the tasks).

from __future__ import annotations

DOCUMENTATION = r"""
module: local_runtime_step
short_description: Carry out one step of the local scheduler's plan (start a task, move the load balancer's targets, stop a task)
version_added: 0.1.0
description:
  - The local target's ECS scheduler stand-in, for one step of the plan the local_runtime role computes (filter
    C(fargate.microservice.local_runtime_plan)) - the same code the role's supervisor runs between runs to replace
    a broken task, so that a heal and a rerun do the same thing (C(plugins/plugin_utils/_local_scheduler.py)).
  - With C(new) in O(step), starts the task's infra container (its network namespace, the published port), then the task
    definition's containers in C(dependsOn) order, and waits until every container with a health check is healthy
    (on Podman, which schedules no check without systemd, the check is run through its API).
  - With C(register) / C(deregister) in O(step), makes the running HAProxy's backend hold exactly those targets
    through its admin socket - a new target is in service at once (its checks passed), a target that goes is
    drained first - and rewrites the C(server) lines of its configuration the same way. When no HAProxy answers,
    RV(lb_pending) gives the lists to the local_alb role instead.
  - With C(old) in O(step), stops and removes the old task's containers, dependents first, the infra container last.
  - An action plugin using the Docker API directly rather than community.docker's modules, because the supervisor
    runs the same steps without an Ansible run, where each module run would cost seconds.
author:
  - fargate.microservice contributors (@fargate-microservice)
attributes:
  check_mode:
    description: Reports what the step would change and changes nothing.
    support: full
  diff_mode:
    description: Returns no diff.
    support: none
  idempotent:
    description: A step starts a new task; the plan has no step when nothing is to be done.
    support: none
options:
  docker_host:
    description: The Docker-API engine (C(unix:///path.sock) or C(tcp://host:port)).
    type: str
    required: true
  deployment:
    description: The deployment name (container names and labels).
    type: str
    required: true
  task_definition:
    description: The task definition (C(taskDefinitionArn), C(containerDefinitions) in camelCase or snake_case, C(cpu), C(memory)).
    type: dict
    required: true
  step:
    description: One item of the plan's C(steps) (C(new), C(old), C(register), C(deregister)).
    type: dict
    required: true
  container_port:
    description: The load-balanced container port (published on O(bind_address):C(new.port)).
    type: int
    default: 0
  infra_image:
    description: The infra container's image.
    type: str
    required: true
  bind_address:
    description: The address task ports are published on.
    type: str
    default: 127.0.0.1
  service:
    description: The ECS service of a task that is not the load-balanced one (its label).
    type: str
  hosts:
    description: Host entries of a new task (name to address).
    type: dict
    default: {}
  network:
    description: A network the task joins (service_discovery's internal network).
    type: str
  load_balancer:
    description: The local load balancer; omitted, the target lists are returned in RV(lb_pending).
    type: dict
    suboptions:
      socket:
        description: HAProxy's admin socket.
        type: path
        required: true
      backend:
        description: The backend (the target group's name).
        type: str
        required: true
      config:
        description: HAProxy's configuration file (its C(server) lines follow the targets; its C(default-server) options are used).
        type: path
      target_address:
        description: The targets' address.
        type: str
        default: 127.0.0.1
      drain_timeout:
        description:
          - The longest a removed target keeps its sessions, in seconds.
          - Omitted, the configuration's C(hard-stop-after) (local_alb's drain time), else 300.
        type: int
  start_timeout:
    description: Seconds to wait for a container to be healthy (or to exit, for COMPLETE / SUCCESS).
    type: int
    default: 120
  poll_interval:
    description: Seconds between two probes while waiting.
    type: float
    default: 2
"""

EXAMPLES = r"""
- name: Carry out one step of the plan
  fargate.microservice.local_runtime_step:
    docker_host: unix:///run/fargate-microservice/podman.sock
    deployment: countweb
    task_definition: "{{ taskdef }}"
    step: "{{ plan.steps[0] }}"
    container_port: 8000
    infra_image: localhost/fargate-microservice/pause:catatonit
    load_balancer:
      socket: "{{ lookup('ansible.builtin.env', 'HOME') }}/.cache/fargate-microservice/local-alb-countweb/haproxy.sock"
      backend: countweb-web-tg
      config: "{{ lookup('ansible.builtin.env', 'HOME') }}/.cache/fargate-microservice/local-alb-countweb/haproxy.cfg"
"""

RETURN = r"""
started:
  description: The id of the task started, or null.
  returned: always
  type: str
stopped:
  description: The containers stopped and removed.
  returned: always
  type: list
  elements: str
registered:
  description: Targets added to the load balancer.
  returned: always
  type: list
  elements: str
deregistered:
  description: Targets drained and removed from the load balancer.
  returned: always
  type: list
  elements: str
lb_pending:
  description: The target lists (C(action) C(register) or C(deregister), C(targets)) no load balancer took, for the local_alb role.
  returned: always
  type: list
  elements: dict
timings:
  description: Seconds of each phase (C(start), C(healthy), C(register), C(deregister), C(stop)).
  returned: always
  type: dict
  sample: {"start": 1.2, "healthy": 2.4, "register": 0.1, "stop": 1.0}
"""
