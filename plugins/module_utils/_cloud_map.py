# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Logic of the servicediscovery_namespace and servicediscovery_service modules (AWS Cloud Map).

The client is the module's retrying servicediscovery client (amazon.aws's
RetryingBotoClientWrapper: every call passes ``aws_retry=True``); ``check_mode`` stops before
any write. Cloud Map's namespace operations are asynchronous: CreatePrivateDnsNamespace,
DeleteNamespace, UpdateService and DeregisterInstance return an operation id whose status goes
SUBMITTED -> PENDING -> SUCCESS or FAIL (GetOperation), so a write is only done when its
operation says SUCCESS. botocore errors propagate to the module, which reports them.
"""

from __future__ import annotations

import re
import time
import uuid

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.botocore import paginated_query_with_retries
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.fargate.microservice.plugins.module_utils._ownership import is_owned
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import UnownedResourceError
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import merged_tags
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import run_aws_module
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import run_owning_module
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import tag_changes
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import unowned_message


class OperationFailed(Exception):
    """A Cloud Map operation ended in FAIL, or did not end within the wait timeout."""


def _paginate(client, method, key, **kwargs):
    """Every item under ``key`` of a paginated list call (botocore's paginator, retried with jittered backoff)."""
    return paginated_query_with_retries(client, method, **kwargs).get(key, [])


def wait_for_operation(client, operation_id, timeout, delay=2, sleep=time.sleep, clock=time.monotonic):
    """Poll GetOperation until SUCCESS (return the operation) or FAIL / timeout (raise OperationFailed)."""
    deadline = clock() + timeout
    while True:
        operation = client.get_operation(aws_retry=True, OperationId=operation_id)["Operation"]
        status = operation.get("Status")
        if status == "SUCCESS":
            return operation
        if status == "FAIL":
            raise OperationFailed(
                f"Cloud Map operation {operation_id} ({operation.get('Type')}) failed:"
                f" {operation.get('ErrorCode', 'no code')}: {operation.get('ErrorMessage', 'no message')}."
            )
        if clock() >= deadline:
            raise OperationFailed(
                f"Cloud Map operation {operation_id} ({operation.get('Type')}) is still {status} after {timeout} s;"
                " rerun later (the rerun adopts what it created) or raise wait_timeout."
            )
        sleep(delay)


def _tags(client, arn):
    return boto3_tag_list_to_ansible_dict(client.list_tags_for_resource(aws_retry=True, ResourceARN=arn).get("Tags", []))


def _retag(client, arn, current, desired, purge):
    to_set, to_remove = tag_changes(current, desired, purge)
    if to_remove:
        client.untag_resource(aws_retry=True, ResourceARN=arn, TagKeys=to_remove)
    if to_set:
        client.tag_resource(aws_retry=True, ResourceARN=arn, Tags=ansible_dict_to_boto3_tag_list(to_set))
    return bool(to_set or to_remove)


# --- namespaces -------------------------------------------------------------------------------

def _namespace_view(namespace, tags):
    if not namespace:
        return {}
    properties = namespace.get("Properties", {}).get("DnsProperties", {})
    return {
        "id": namespace.get("Id"),
        "arn": namespace.get("Arn"),
        "name": namespace.get("Name"),
        "type": namespace.get("Type", "DNS_PRIVATE"),
        "hosted_zone_id": properties.get("HostedZoneId"),
        "tags": tags,
    }


def find_namespaces(client, name):
    """Every private DNS namespace called ``name``, each as (namespace, tags)."""
    found = _paginate(
        client, "list_namespaces", "Namespaces",
        Filters=[{"Name": "NAME", "Values": [name], "Condition": "EQ"},
                 {"Name": "TYPE", "Values": ["DNS_PRIVATE"], "Condition": "EQ"}],
    )
    # The filters narrow the list; the exact name and type are checked here too.
    return [(ns, _tags(client, ns["Arn"])) for ns in found if ns.get("Name") == name and ns.get("Type") == "DNS_PRIVATE"]


def _pick_owned(found, ownership, kind, name):
    owned = [(ns, tags) for ns, tags in found if is_owned(tags, ownership)]
    if len(owned) > 1:
        ids = ", ".join(ns["Id"] for ns, _tags in owned)
        raise UnownedResourceError(f"There are {len(owned)} {kind}s called {name} with the ownership tags ({ids}); delete all but one.")
    return owned[0] if owned else (None, {})


def namespace_present(client, params, check_mode):
    name = params["name"]
    ownership = params.get("ownership_tags") or {}
    desired_tags = params.get("tags")
    found = find_namespaces(client, name)
    namespace, tags = _pick_owned(found, ownership, "Cloud Map namespace", name)
    if namespace is None and found and not ownership:
        namespace, tags = found[0]

    if namespace is None:
        after = {"name": name, "type": "DNS_PRIVATE", "tags": merged_tags({}, desired_tags, True)}
        result = {"changed": True, "diff": {"before": {}, "after": after}}
        if check_mode:
            result["namespace"] = after
            return result
        request = {"Name": name, "Vpc": params["vpc_id"], "CreatorRequestId": str(uuid.uuid4())}
        if params.get("description"):
            request["Description"] = params["description"]
        if desired_tags:
            request["Tags"] = ansible_dict_to_boto3_tag_list(desired_tags)
        try:
            operation_id = client.create_private_dns_namespace(aws_retry=True, **request)["OperationId"]
            namespace_id = wait_for_operation(client, operation_id, params["wait_timeout"])["Targets"]["NAMESPACE"]
        except is_boto3_error_code("NamespaceAlreadyExists") as err:
            # An interrupted run created it and the name did not list yet: adopt it, if it is ours.
            namespace_id = err.response.get("NamespaceId") or err.response.get("Error", {}).get("NamespaceId")
            if not namespace_id:
                raise
            existing = client.get_namespace(aws_retry=True, Id=namespace_id)["Namespace"]
            existing_tags = _tags(client, existing["Arn"])
            if not is_owned(existing_tags, ownership):
                raise UnownedResourceError(unowned_message("Cloud Map namespace", name, ownership)) from None
        namespace = client.get_namespace(aws_retry=True, Id=namespace_id)["Namespace"]
        result["namespace"] = _namespace_view(namespace, _tags(client, namespace["Arn"]))
        return result

    if not is_owned(tags, ownership):
        raise UnownedResourceError(unowned_message("Cloud Map namespace", name, ownership))
    before = _namespace_view(namespace, tags)
    after = dict(before, tags=merged_tags(tags, desired_tags, params.get("purge_tags", True)))
    changed = after["tags"] != before["tags"]
    if changed and not check_mode:
        _retag(client, namespace["Arn"], tags, desired_tags, params.get("purge_tags", True))
    return {"changed": changed, "namespace": after, "diff": {"before": before, "after": after}}


def namespace_absent(client, params, check_mode):
    name = params["name"]
    ownership = params.get("ownership_tags") or {}
    found = find_namespaces(client, name)
    namespace, tags = _pick_owned(found, ownership, "Cloud Map namespace", name)
    if namespace is None:
        result = {"changed": False, "diff": {"before": {}, "after": {}}}
        if found:
            result["skipped_unowned"] = True
        return result
    before = _namespace_view(namespace, tags)
    if not check_mode:
        # AWS refuses (ResourceInUse) while the namespace still has services: they go first.
        services = _paginate(client, "list_services", "Services",
                             Filters=[{"Name": "NAMESPACE_ID", "Values": [namespace["Id"]], "Condition": "EQ"}])
        if services:
            names = ", ".join(sorted(s["Name"] for s in services))
            raise OperationFailed(
                f"The Cloud Map namespace {name} still has the service(s) {names}; delete them first"
                " (fargate.microservice.servicediscovery_service state=absent)."
            )
        operation_id = client.delete_namespace(aws_retry=True, Id=namespace["Id"])["OperationId"]
        wait_for_operation(client, operation_id, params["wait_timeout"])
    return {"changed": True, "namespace": before, "diff": {"before": before, "after": {}}}


# --- services ---------------------------------------------------------------------------------

def _service_view(service, tags):
    if not service:
        return {}
    records = service.get("DnsConfig", {}).get("DnsRecords", [])
    return {
        "id": service.get("Id"),
        "arn": service.get("Arn"),
        "name": service.get("Name"),
        "namespace_id": service.get("NamespaceId") or service.get("DnsConfig", {}).get("NamespaceId"),
        "dns_records": [{"type": r.get("Type"), "ttl": r.get("TTL")} for r in records],
        "routing_policy": service.get("DnsConfig", {}).get("RoutingPolicy"),
        "custom_health_check": "HealthCheckCustomConfig" in service,
        "tags": tags,
    }


def find_services(client, namespace_id, name):
    listed = _paginate(client, "list_services", "Services",
                       Filters=[{"Name": "NAMESPACE_ID", "Values": [namespace_id], "Condition": "EQ"}])
    found = []
    for summary in listed:
        if summary.get("Name") != name:
            continue
        service = client.get_service(aws_retry=True, Id=summary["Id"])["Service"]
        found.append((service, _tags(client, service["Arn"])))
    return found


def desired_service(params):
    return {
        "dns_records": [{"type": "A", "ttl": params["dns_ttl"]}],
        "routing_policy": "MULTIVALUE",
        "custom_health_check": True,
    }


def service_present(client, params, check_mode):
    name = params["name"]
    namespace_id = params["namespace_id"]
    ownership = params.get("ownership_tags") or {}
    desired_tags = params.get("tags")
    desired = desired_service(params)
    found = find_services(client, namespace_id, name)
    service, tags = _pick_owned(found, ownership, "Cloud Map service", name)
    if service is None and found:
        raise UnownedResourceError(unowned_message("Cloud Map service", name, ownership))

    if service is None:
        after = dict(desired, name=name, namespace_id=namespace_id, tags=merged_tags({}, desired_tags, True))
        result = {"changed": True, "diff": {"before": {}, "after": after}}
        if check_mode:
            result["service"] = after
            return result
        request = {
            "Name": name,
            "NamespaceId": namespace_id,
            "CreatorRequestId": str(uuid.uuid4()),
            "DnsConfig": {"RoutingPolicy": "MULTIVALUE", "DnsRecords": [{"Type": "A", "TTL": params["dns_ttl"]}]},
            # The health status ECS reports for the tasks it registers (ECS's documented setup for
            # service discovery: HealthCheckCustomConfig with FailureThreshold 1).
            "HealthCheckCustomConfig": {"FailureThreshold": 1},
        }
        if desired_tags:
            request["Tags"] = ansible_dict_to_boto3_tag_list(desired_tags)
        created = client.create_service(aws_retry=True, **request)["Service"]
        result["service"] = _service_view(created, _tags(client, created["Arn"]))
        return result

    before = _service_view(service, tags)
    if not before["custom_health_check"]:
        raise OperationFailed(
            f"The Cloud Map service {name} has no custom health check (HealthCheckCustomConfig), which ECS needs and"
            " which cannot be added to an existing service; delete it (state=absent) and rerun."
        )
    after = dict(before, dns_records=desired["dns_records"], tags=merged_tags(tags, desired_tags, params.get("purge_tags", True)))
    records_change = before["dns_records"] != desired["dns_records"]
    changed = records_change or after["tags"] != before["tags"]
    if changed and not check_mode:
        if records_change:
            operation_id = client.update_service(
                aws_retry=True, Id=service["Id"],
                Service={"DnsConfig": {"DnsRecords": [{"Type": "A", "TTL": params["dns_ttl"]}]}},
            )["OperationId"]
            wait_for_operation(client, operation_id, params["wait_timeout"])
        _retag(client, service["Arn"], tags, desired_tags, params.get("purge_tags", True))
    return {"changed": changed, "service": after, "diff": {"before": before, "after": after}}


def service_absent(client, params, check_mode):
    name = params["name"]
    ownership = params.get("ownership_tags") or {}
    try:
        found = find_services(client, params["namespace_id"], name)
    except is_boto3_error_code("NamespaceNotFound"):
        found = []
    service, tags = _pick_owned(found, ownership, "Cloud Map service", name)
    if service is None:
        result = {"changed": False, "diff": {"before": {}, "after": {}}}
        if found:
            result["skipped_unowned"] = True
        return result
    before = _service_view(service, tags)
    result = {"changed": True, "service": before, "diff": {"before": before, "after": {}}, "deregistered": []}
    instances = _paginate(client, "list_instances", "Instances", ServiceId=service["Id"])
    result["deregistered"] = sorted(i["Id"] for i in instances)
    if check_mode:
        return result
    # AWS refuses to delete a service that still has instances (ResourceInUse): deregister each and
    # wait for its operation first. ECS deregisters its tasks itself when their service is deleted;
    # what is left here is what an interrupted run or a stopped task left behind.
    for instance_id in result["deregistered"]:
        try:
            operation_id = client.deregister_instance(aws_retry=True, ServiceId=service["Id"], InstanceId=instance_id)["OperationId"]
        except is_boto3_error_code("InstanceNotFound"):
            continue
        wait_for_operation(client, operation_id, params["wait_timeout"])
    client.delete_service(aws_retry=True, Id=service["Id"])
    return result


# --- reading (servicediscovery_info) ---------------------------------------------------------------

def service_instances(client, service):
    """The instances registered in a Cloud Map service (a GetService ``Service``), each with its health status.

    ListInstances (paginated) gives each instance's id and attributes (ECS registers ``AWS_INSTANCE_IPV4`` and its
    ``ECS_*`` attributes); GetInstancesHealthStatus (paginated, asked only when there is an instance and the service
    has a health check) the status ECS reports for the custom health check: HEALTHY, UNHEALTHY or UNKNOWN.
    """
    instances = _paginate(client, "list_instances", "Instances", ServiceId=service["Id"])
    health = {}
    if instances and ("HealthCheckCustomConfig" in service or "HealthCheckConfig" in service):
        token = None
        while True:
            kwargs = {"ServiceId": service["Id"]}
            if token:
                kwargs["NextToken"] = token
            page = client.get_instances_health_status(aws_retry=True, **kwargs)
            health.update(page.get("Status") or {})
            token = page.get("NextToken")
            if not token:
                break
    views = []
    for instance in instances:
        attributes = instance.get("Attributes") or {}
        views.append({
            "id": instance["Id"],
            "ipv4": attributes.get("AWS_INSTANCE_IPV4", ""),
            "port": attributes.get("AWS_INSTANCE_PORT", ""),
            "health": health.get(instance["Id"], "UNKNOWN"),
            "zone": attributes.get("AVAILABILITY_ZONE", ""),
            "task_definition_family": attributes.get("ECS_TASK_DEFINITION_FAMILY", ""),
            "ecs_service": attributes.get("ECS_SERVICE_NAME", ""),
            "attributes": attributes,
        })
    return sorted(views, key=lambda v: v["id"])


def info(client, params):
    """The namespace called ``name`` (the owned one when there are several) and its services, read-only.

    Each service comes with its instance count (ListInstances), so a caller can tell whether ECS still has tasks
    registered in it; ``owned`` says whether each carries every tag of ``ownership_tags``.
    """
    name = params["name"]
    ownership = params.get("ownership_tags") or {}
    found = find_namespaces(client, name)
    namespace, tags = _pick_owned(found, ownership, "Cloud Map namespace", name)
    if namespace is None and found:
        namespace, tags = found[0]
    if namespace is None:
        return {"changed": False, "exists": False, "owned": False, "namespace": {}, "services": []}
    services = []
    for summary in _paginate(client, "list_services", "Services",
                             Filters=[{"Name": "NAMESPACE_ID", "Values": [namespace["Id"]], "Condition": "EQ"}]):
        service = client.get_service(aws_retry=True, Id=summary["Id"])["Service"]
        service_tags = _tags(client, service["Arn"])
        view = _service_view(service, service_tags)
        view["owned"] = is_owned(service_tags, ownership)
        view["instance_count"] = len(_paginate(client, "list_instances", "Instances", ServiceId=service["Id"]))
        services.append(view)
    return {
        "changed": False,
        "exists": True,
        "owned": is_owned(tags, ownership),
        "namespace": _namespace_view(namespace, tags),
        "services": sorted(services, key=lambda v: v["name"]),
    }


# --- the modules' common part -------------------------------------------------------------------

# A DNS name of labels (letters, digits, hyphens; not starting or ending with a hyphen), at most 253
# characters: what CreatePrivateDnsNamespace accepts for a private namespace's Name.
_DNS_NAME = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")
# A service name is one DNS label (it becomes <name>.<namespace>).
_DNS_LABEL = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")


def input_errors(kind, params):
    """One sentence per wrong option, checked before any AWS call."""
    errors = []
    name = params.get("name") or ""
    if kind in ("namespace", "info") and not _DNS_NAME.match(name):
        errors.append(f"name must be a DNS name such as internal-countweb.local; got {name!r}.")
    if kind == "service" and not _DNS_LABEL.match(name):
        errors.append(f"name must be one DNS label (letters, digits, hyphens) such as redis; got {name!r}.")
    if kind == "namespace" and params.get("vpc_id") and not re.match(r"^vpc-[0-9a-f]+$", params["vpc_id"]):
        errors.append(f"vpc_id must be a VPC id such as vpc-0123456789abcdef0; got {params['vpc_id']!r}.")
    if kind == "service" and not re.match(r"^ns-[0-9a-z]+$", params.get("namespace_id") or ""):
        errors.append(f"namespace_id must be a Cloud Map namespace id such as ns-e4anhexample0004; got {params.get('namespace_id')!r}.")
    ttl = params.get("dns_ttl")
    if ttl is not None and not 0 <= ttl <= 2147483647:
        errors.append(f"dns_ttl must be 0 to 2147483647 seconds; got {ttl}.")
    if not 1 <= params.get("wait_timeout", 1) <= 3600:
        errors.append(f"wait_timeout must be 1 to 3600 seconds; got {params.get('wait_timeout')}.")
    return errors


def run_module(module, kind, present, absent=None):
    """The whole of the modules' main() after the argument spec: validate, call, report.

    With ``absent`` the module owns what it manages and ends as every owning module does (run_owning_module);
    ``absent`` None means a read-only module (servicediscovery_info): ``present(client, params)`` reads.
    """
    errors = input_errors(kind, module.params)
    if errors:
        module.fail_json(msg=" ".join(errors))
    if absent is not None:
        run_owning_module(module, "servicediscovery", f"Cloud Map {kind}", present, absent, known_errors=(OperationFailed,))
        return
    run_aws_module(module, "servicediscovery", lambda client: present(client, module.params),
                   f"Could not read the Cloud Map {kind} {module.params['name']}", known_errors=(OperationFailed,))
