# -*- coding: utf-8 -*-
# Copyright: fargate.microservice contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The naming contract for roles (plugins/module_utils/_naming.py is its one implementation).

- ``deployment_names``: a deployment name -> every resource name, the ownership and tier tags.
- ``deployment_name_error``: a deployment name -> one sentence saying what is wrong, or an empty string.
- ``topology_error``: a microservice_topology -> one sentence saying what is wrong, or an empty string.
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.fargate.microservice.plugins.module_utils import _naming


def deployment_names(deployment, zone_count=_naming.DEFAULT_ZONE_COUNT, nat_mode="single",
                     repositories=_naming.DEFAULT_REPOSITORIES, interface_endpoints=_naming.DEFAULT_INTERFACE_ENDPOINTS,
                     task_family=_naming.DEFAULT_TASK_FAMILY, service_name=_naming.DEFAULT_SERVICE_NAME,
                     topology=_naming.DEFAULT_TOPOLOGY, namespace=None, redis_service_name=_naming.REDIS_SERVICE_NAME,
                     redis_task_family=None):
    try:
        return _naming.deployment_names(deployment, zone_count=zone_count, nat_mode=nat_mode, repositories=list(repositories),
                                        interface_endpoints=list(interface_endpoints), task_family=task_family,
                                        service_name=service_name, topology=topology, namespace=namespace or None,
                                        redis_service_name=redis_service_name, redis_task_family=redis_task_family or None)
    except (TypeError, ValueError) as exc:
        raise AnsibleFilterError(str(exc)) from exc


def deployment_name_error(deployment, variable="microservice_deployment"):
    return _naming.deployment_name_error(deployment, variable) or ""


def topology_error(topology, variable="microservice_topology"):
    return _naming.topology_error(topology, variable) or ""


class FilterModule:
    """Naming contract filters."""

    def filters(self):
        return {"deployment_names": deployment_names, "deployment_name_error": deployment_name_error,
                "topology_error": topology_error}
