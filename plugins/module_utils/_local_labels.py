# -*- coding: utf-8 -*-
# Copyright: fargate.microservice contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The labels local_runtime puts on a local task's containers: the engine is the local scheduler's state.

Defined once, here (module_utils, so that modules such as local_logs_info can use them too), and read by
the scheduler's planning (plugins/plugin_utils/_local_runtime.py), its supervisor (_local_heal.py), the
local_alb filters and the logs reader (_logs_local.py).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.fargate.microservice.plugins.module_utils._naming import OWNER_TAG_KEY

LABEL_PREFIX = "fargate.microservice/"
# The ownership tag key of the naming contract: a container is its deployment's as a resource is.
LABEL_DEPLOYMENT = OWNER_TAG_KEY
LABEL_TASK = LABEL_PREFIX + "task-id"
LABEL_TASKDEF = LABEL_PREFIX + "task-definition"
LABEL_CONTAINER = LABEL_PREFIX + "container"
LABEL_ESSENTIAL = LABEL_PREFIX + "essential"
LABEL_HOST_PORT = LABEL_PREFIX + "host-port"
# "infra" (the task's network namespace) or "container" (a container of the task definition).
LABEL_ROLE = LABEL_PREFIX + "role"
LABEL_MEMORY = LABEL_PREFIX + "memory"
LABEL_CPU = LABEL_PREFIX + "cpu"
# The ECS service of a task that is not the load-balanced one (service_discovery's redis); none: the web service.
LABEL_SERVICE = LABEL_PREFIX + "service"
# The host entries a web task was started with (name=address,...: what Cloud Map answered then).
LABEL_HOSTS = LABEL_PREFIX + "hosts"
