# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Logic of the servicediscovery_instance and servicediscovery_instance_info modules (AWS Cloud Map instances).

What ECS does for a service with ``serviceRegistries``, done by the local target's runtime: RegisterInstance
of a task (instance id = task id, ``AWS_INSTANCE_IPV4`` = its address, ``AWS_INIT_HEALTH_STATUS`` HEALTHY),
DeregisterInstance of a stopped one, each waited for with GetOperation; and DiscoverInstances, the answer
a client gets for ``<service>.<namespace>``. The client is the module's retrying servicediscovery client.
DiscoverInstances is a data-plane call (host prefix ``data-``), which an endpoint_url on loopback cannot
take: the modules turn the prefix off when an endpoint_url is set.
"""

from __future__ import annotations

import re
import uuid

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

from ansible_collections.fargate.microservice.plugins.module_utils._cloud_map import _paginate
from ansible_collections.fargate.microservice.plugins.module_utils._cloud_map import _tags
from ansible_collections.fargate.microservice.plugins.module_utils._cloud_map import wait_for_operation
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import UnownedResourceError
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import is_owned
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import unowned_message

_SERVICE_ID = re.compile(r"^srv-[0-9a-z]+$")
_INSTANCE_ID = re.compile(r"^[0-9a-zA-Z_/:.@-]{1,64}$")
_IPV4 = re.compile(r"^((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])$")
_DNS_LABEL = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
_DNS_NAME = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")
# DiscoverInstances' HealthStatus enum (botocore servicediscovery service-2.json, HealthStatusFilter).
HEALTH_FILTERS = ("HEALTHY", "UNHEALTHY", "ALL", "HEALTHY_OR_ELSE_ALL")


def service_id_of(value):
    """A Cloud Map service id from its id or ARN (what an ECS service's serviceRegistries[].registryArn holds)."""
    value = value or ""
    return value.rsplit("/", 1)[-1] if value.startswith("arn:") else value


def instance_input_errors(params):
    """One sentence per wrong option of servicediscovery_instance, checked before any AWS call."""
    errors = []
    service_id = service_id_of(params.get("service_id"))
    if not _SERVICE_ID.match(service_id):
        errors.append(f"service_id must be a Cloud Map service id or ARN such as srv-e4anhexample0004; got {params.get('service_id')!r}.")
    instance_id = params.get("instance_id")
    if instance_id is not None and not _INSTANCE_ID.match(instance_id):
        errors.append(f"instance_id must be 1 to 64 letters, digits or _/:.@- such as a task id; got {instance_id!r}.")
    if params.get("state") == "present":
        if instance_id is None:
            errors.append("instance_id is required with state=present; give the task's id.")
        if not _IPV4.match(params.get("ipv4") or ""):
            errors.append(f"ipv4 must be an IPv4 address such as 10.1.1.23 with state=present; got {params.get('ipv4')!r}.")
    if not 1 <= params.get("wait_timeout", 1) <= 3600:
        errors.append(f"wait_timeout must be 1 to 3600 seconds; got {params.get('wait_timeout')}.")
    return errors


def discover_input_errors(params):
    errors = []
    if not _DNS_NAME.match(params.get("namespace") or ""):
        errors.append(f"namespace must be a DNS name such as internal-countweb.local; got {params.get('namespace')!r}.")
    if not _DNS_LABEL.match(params.get("service") or ""):
        errors.append(f"service must be one DNS label such as redis; got {params.get('service')!r}.")
    return errors


def _instance_view(instance):
    attributes = instance.get("Attributes") or {}
    return {"id": instance.get("Id") or instance.get("InstanceId"), "ipv4": attributes.get("AWS_INSTANCE_IPV4"),
            "attributes": attributes}


def _owned_service(client, service_id, ownership):
    """The service (None when it does not exist); UnownedResourceError when it is not ours."""
    try:
        service = client.get_service(aws_retry=True, Id=service_id)["Service"]
    except is_boto3_error_code("ServiceNotFound"):
        return None
    if ownership and not is_owned(_tags(client, service["Arn"]), ownership):
        raise UnownedResourceError(unowned_message("Cloud Map service", service.get("Name", service_id), ownership))
    return service


def _deregister(client, service_id, instance_id, timeout):
    try:
        operation_id = client.deregister_instance(aws_retry=True, ServiceId=service_id, InstanceId=instance_id)["OperationId"]
    except is_boto3_error_code("InstanceNotFound"):
        return
    wait_for_operation(client, operation_id, timeout)


def instance_present(client, params, check_mode):
    """Register ``instance_id`` at ``ipv4`` (re-registered when its address differs); with ``exclusive`` the
    service's other instances are deregistered (what ECS does for the tasks it stopped)."""
    service_id = service_id_of(params["service_id"])
    service = _owned_service(client, service_id, params.get("ownership_tags") or {})
    if service is None:
        raise UnownedResourceError(
            f"The Cloud Map service {service_id} does not exist; create it first (the cloud_map role) and rerun.")
    current = [_instance_view(i) for i in _paginate(client, "list_instances", "Instances", ServiceId=service_id)]
    before = sorted(current, key=lambda i: i["id"])
    mine = [i for i in current if i["id"] == params["instance_id"]]
    register = not mine or mine[0]["ipv4"] != params["ipv4"]
    others = [i["id"] for i in current if i["id"] != params["instance_id"]] if params.get("exclusive") else []
    kept = [i for i in current if i["id"] not in others and i["id"] != params["instance_id"]]
    wanted = {"id": params["instance_id"], "ipv4": params["ipv4"],
              "attributes": {"AWS_INSTANCE_IPV4": params["ipv4"], "AWS_INIT_HEALTH_STATUS": "HEALTHY"}}
    if not register:
        wanted = mine[0]
    after = sorted(kept + [wanted], key=lambda i: i["id"])
    changed = register or bool(others)
    result = {"changed": changed, "instance": wanted, "deregistered": sorted(others),
              "diff": {"before": {"instances": before}, "after": {"instances": after}}}
    if check_mode or not changed:
        return result
    if register:
        if mine:
            # AWS updates an instance registered again under its id; moto 5 adds a second one. Deregistering
            # the old address first gives the same end state on both (the address was stale anyway).
            _deregister(client, service_id, params["instance_id"], params["wait_timeout"])
        operation_id = client.register_instance(
            aws_retry=True, ServiceId=service_id, InstanceId=params["instance_id"], CreatorRequestId=str(uuid.uuid4()),
            # The initial custom health status (RegisterInstance's AWS_INIT_HEALTH_STATUS): the task is registered
            # once its health check passes, as ECS does.
            Attributes=wanted["attributes"],
        )["OperationId"]
        wait_for_operation(client, operation_id, params["wait_timeout"])
    for instance_id in others:
        _deregister(client, service_id, instance_id, params["wait_timeout"])
    return result


def instance_absent(client, params, check_mode):
    """Deregister ``instance_id`` (or, without it, every instance of the service). A missing service: no change."""
    service_id = service_id_of(params["service_id"])
    service = _owned_service(client, service_id, params.get("ownership_tags") or {})
    if service is None:
        return {"changed": False, "deregistered": [], "diff": {"before": {}, "after": {}}}
    current = [_instance_view(i) for i in _paginate(client, "list_instances", "Instances", ServiceId=service_id)]
    gone = [i["id"] for i in current if params.get("instance_id") in (None, i["id"])]
    after = [i for i in current if i["id"] not in gone]
    result = {"changed": bool(gone), "deregistered": sorted(gone),
              "diff": {"before": {"instances": sorted(current, key=lambda i: i["id"])},
                       "after": {"instances": sorted(after, key=lambda i: i["id"])}}}
    if not check_mode:
        for instance_id in gone:
            _deregister(client, service_id, instance_id, params["wait_timeout"])
    return result


def discover(client, params):
    """What Cloud Map answers for ``<service>.<namespace>`` (DiscoverInstances): ``found`` false when it knows
    neither the namespace nor the service (the name does not resolve), else the instances and their addresses."""
    try:
        answer = client.discover_instances(aws_retry=True, NamespaceName=params["namespace"], ServiceName=params["service"],
                                           HealthStatus=params["health_status"])
    except is_boto3_error_code(["NamespaceNotFound", "ServiceNotFound"]):
        return {"changed": False, "found": False, "instances": [], "addresses": []}
    instances = [dict(_instance_view(i), health_status=i.get("HealthStatus")) for i in answer.get("Instances", [])]
    instances.sort(key=lambda i: i["id"])
    return {"changed": False, "found": True, "instances": instances,
            "addresses": [i["ipv4"] for i in instances if i["ipv4"]],
            "instances_revision": answer.get("InstancesRevision")}


def client_config(module):
    """DiscoverInstances' endpoint carries the host prefix ``data-``; an endpoint_url (the emulator) must not."""
    if not module.params.get("endpoint_url"):
        return {}
    import botocore.config  # noqa: E402 (AnsibleAWSModule has checked botocore is there)
    return {"config": botocore.config.Config(inject_host_prefix=False)}
