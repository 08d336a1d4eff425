# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the ecs_cluster, task, alb and service roles decide from what they found (no AWS calls).

The roles' discover steps call ``fargate.microservice.deployment_info``; the functions here turn its answer
(and the service's DescribeServices document) into the facts the roles act on, so that no role computes
ownership, a network, a revision choice or an update plan in Jinja. Exposed as filters by
``plugins/filter/app.py``; unit-tested in ``tests/unit/plugins/module_utils/test_app_plan.py``.
"""

from __future__ import annotations

import copy
import json
import re
import urllib.parse

from ansible_collections.amazon.aws.plugins.module_utils.elbv2 import _group_listeners
from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies

from ansible_collections.fargate.microservice.plugins.module_utils import _alb_listener_tags
from ansible_collections.fargate.microservice.plugins.module_utils import _alb_target_group
from ansible_collections.fargate.microservice.plugins.module_utils import _naming
from ansible_collections.fargate.microservice.plugins.module_utils._ecs_fargate_cluster import normalize_strategy
from ansible_collections.fargate.microservice.plugins.module_utils._ecs_fargate_cluster import spot_architecture_error
from ansible_collections.fargate.microservice.plugins.module_utils._ecs_fargate_cluster import validate_strategy
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import first_match
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import is_owned
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import unowned_message
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import same_members
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import tags_in_sync
from ansible_collections.fargate.microservice.plugins.module_utils._task_definition import fargate_size_error

_NUMBER = re.compile(r"[0-9]+\Z")

# How a kind is named in a sentence ("Left log group /ecs/D alone ...").
KIND_LABELS = {
    "log_group": "log group",
    "execution_role": "IAM role",
    "load_balancer": "load balancer",
    "target_group": "target group",
    "cluster": "cluster",
    "service": "ECS service",
}


# -- ownership of what deployment_info found ------------------------------------------------------


def ownership(info, kind):
    """Whether the deployment owns the (one, exactly named) resource of ``kind`` and whether one exists at all.

    ``info`` is a deployment_info result. Returns ``{"name", "found", "owned", "item", "owner"}``: ``item`` is the
    owned resource (``{}`` when none), ``owner`` says whose it is when it exists but is not ours ("no ownership tag",
    "<other deployment>").
    """
    owned = (info.get("resources") or {}).get(kind) or []
    name = (info.get("names") or {}).get(kind, "")
    if owned:
        return {"name": owned[0]["name"], "found": True, "owned": True, "item": owned[0], "owner": info.get("deployment")}
    others = [u for u in info.get("unowned") or [] if u.get("kind") == kind]
    owner = ""
    if others:
        state = others[0].get("state", "")
        owner = state[len("owned by "):] if state.startswith("owned by ") else "no ownership tag"
        name = others[0].get("name", name)
    return {"name": name, "found": bool(others), "owned": False, "item": {}, "owner": owner}


def left_alone(info, kinds):
    """One sentence per resource of ``kinds`` that exists but is not ours (what a teardown leaves alone)."""
    messages = []
    key = _naming.OWNER_TAG_KEY
    for kind in kinds:
        state = ownership(info, kind)
        if state["found"] and not state["owned"]:
            whose = "without the ownership tag" if state["owner"] == "no ownership tag" else f"tagged {key}={state['owner']}, not"
            messages.append(f"Left {KIND_LABELS.get(kind, kind)} {state['name']} alone: it exists {whose}"
                            f" {key}={info.get('deployment')}.")
    return messages


def network(info, tier, group):
    """The subnets of ``tier`` and the security group ``group`` (a purpose: alb, tasks) a role puts its resources in.

    The VPC is the one the owned security group is in; only owned subnets of that VPC count. Returns
    ``{"vpc_ids", "subnet_ids", "zones", "security_group_ids"}`` (sorted lists; empty when not found).
    """
    resources = info.get("resources") or {}
    group_name = ((info.get("names") or {}).get("security_groups") or {}).get(group)
    groups = [g for g in resources.get("security_groups") or [] if g.get("name") == group_name]
    vpc_ids = sorted(set(g.get("vpc_id") for g in groups if g.get("vpc_id")))
    subnets = [s for s in (resources.get("subnets") or {}).get(tier) or [] if s.get("vpc_id") in vpc_ids]
    return {
        "vpc_ids": vpc_ids,
        "subnet_ids": sorted(s["id"] for s in subnets),
        "zones": sorted(set(s.get("zone") for s in subnets if s.get("zone"))),
        "security_group_ids": sorted(g["id"] for g in groups),
    }


# -- ecs_cluster ---------------------------------------------------------------------------------------


def log_group_in_sync(info, options):
    """Whether amazon.aws.cloudwatchlogs_log_group with ``options`` (``retention``, ``tags``, purged) would change nothing
    on the owned log group: the same retention and the same tags (its comparison: compare_aws_tags)."""
    item = ownership(info, "log_group")["item"]
    if not item:
        return False
    return item.get("retention_days") == int(options["retention"]) and tags_in_sync(item.get("tags"), options["tags"])


def _policy_document(value):
    """IAM's policy document as a dict (botocore decodes GetRole's; a URL-encoded JSON string is decoded here)."""
    if isinstance(value, str):
        value = json.loads(urllib.parse.unquote(value))
    return value or {}


def execution_role_in_sync(info, options):
    """Whether amazon.aws.iam_role with ``options`` would change nothing on the owned role.

    ``options``: ``assume_role_policy_document`` (JSON), ``description``, ``managed_policies`` (ARNs, purged),
    ``tags`` (purged). The same comparisons as that module's (amazon.aws 10.1.2 iam_role: compare_policies,
    description, attached policy ARNs, compare_aws_tags); False without the attached policies
    (deployment_info's ``execution_role_policies``) or when a policy is given by name (the module resolves names).
    """
    item = ownership(info, "execution_role")["item"]
    if not item or item.get("managed_policies") is None:
        return False
    wanted_policies = list(options["managed_policies"] or [])
    if any(not str(p).startswith("arn:") for p in wanted_policies):
        return False
    if not same_members(item["managed_policies"], wanted_policies):
        return False
    if compare_policies(_policy_document(item.get("assume_role_policy")), json.loads(options["assume_role_policy_document"])):
        return False
    if options.get("description") is not None and item.get("description") != options["description"]:
        return False
    return tags_in_sync(item.get("tags"), options["tags"])


# -- alb --------------------------------------------------------------------------------------------


def alb_network_error(net, info):
    """The one sentence saying what of the network the load balancer lacks, or ``""`` when it has all of it."""
    if len(net["vpc_ids"]) == 1 and len(net["zones"]) >= 2 and len(net["security_group_ids"]) == 1:
        return ""
    names = info.get("names") or {}
    return (
        f"The load balancer needs the security group {names.get('security_groups', {}).get('alb')}"
        f" (found {len(net['security_group_ids'])}) and public subnets in at least two availability zones"
        f" (found {len(net['zones'])}) in its VPC {names.get('vpc')}, all tagged {_naming.OWNER_TAG_KEY}={info.get('deployment')};"
        " run the network role first (ansible-playbook site.yml --tags network)."
    )


def target_group_in_sync(info, options):
    """Whether fargate.microservice.alb_target_group with ``options`` would change nothing on the owned target group.

    Its own comparison (``_alb_target_group.desired_settings`` and ``plan_update``) on the settings deployment_info
    read (``target_group_attributes: true``). False when there is no owned group, no settings, or a change AWS cannot
    make in place (the module then says what to do).
    """
    item = ownership(info, "target_group")["item"]
    current = item.get("settings") if item else None
    if not current:
        return False
    params = dict(options)
    params.setdefault("purge_tags", True)
    try:
        health, attributes, to_set, to_remove = _alb_target_group.plan_update(current, _alb_target_group.desired_settings(params))
    except _alb_target_group.ImmutableChangeError:
        return False
    return not (health or attributes or to_set or to_remove)


def load_balancer_in_sync(info, options):
    """Whether amazon.aws.elb_application_lb with ``options`` would change nothing on the owned load balancer.

    ``options``: ``subnets``, ``security_groups``, ``tags`` (purged), ``listeners`` (purged; default actions may name
    the target group by ``TargetGroupName``). The same comparisons as that module's (amazon.aws 10.1.2 elbv2:
    ``compare_subnets``, ``compare_security_groups``, ``compare_aws_tags``, ``_group_listeners``); the attributes it
    leaves alone when not given (none are) and the rules of listeners given without ``Rules`` are not compared, as
    there. False when there is no owned load balancer or target group, or the listeners were not looked up.
    """
    lb = ownership(info, "load_balancer")["item"]
    tg = ownership(info, "target_group")["item"]
    listeners = (info.get("resources") or {}).get("listeners")
    if not lb or not tg or listeners is None:
        return False
    if not (same_members(lb.get("subnet_ids"), options["subnets"])
            and same_members(lb.get("security_group_ids"), options["security_groups"])
            and tags_in_sync(lb.get("tags"), options["tags"])):
        return False
    wanted = copy.deepcopy(list(options["listeners"]))
    for listener in wanted:
        for action in listener.get("DefaultActions") or []:
            name = action.pop("TargetGroupName", None)
            if name is not None:
                if name != tg["name"]:
                    return False
                action["TargetGroupArn"] = tg["id"]
    current = [copy.deepcopy(i["listener"]) for i in listeners if i.get("load_balancer_arn") == lb["id"] and i.get("listener")]
    to_add, to_modify, to_delete = _group_listeners(current, wanted)
    return not (to_add or to_modify or to_delete)


def listener_ownership_error(info):
    """_ownership's unowned-resource sentence for the owned load balancer's first listener that another deployment's
    ownership tag marks (deployment_info lists those under ``unowned``), or ``""``: the alb role changes and deletes
    nothing while there is one."""
    lb = ownership(info, "load_balancer")
    others = [u for u in info.get("unowned") or [] if u.get("kind") == "listeners"]
    if not lb["owned"] or not others:
        return ""
    label = _alb_listener_tags.listener_label(dict(zip(("Protocol", "Port"), others[0]["name"].split(":", 1))), lb["name"])
    return (unowned_message("listener", label, _naming.ownership_tags(info.get("deployment")))
            + f" It is tagged {_naming.OWNER_TAG_KEY}={(others[0].get('tags') or {}).get(_naming.OWNER_TAG_KEY)}.")


def listener_tags_in_sync(info, tags):
    """Whether fargate.microservice.alb_listener_tags with ``tags`` (purged) would change nothing: the owned load
    balancer's listeners, as deployment_info read them, carry exactly those tags (tags_in_sync) and none is another
    deployment's. False when there is no owned load balancer or the listeners were not looked up."""
    lb = ownership(info, "load_balancer")["item"]
    listeners = (info.get("resources") or {}).get("listeners")
    if not lb or listeners is None or listener_ownership_error(info):
        return False
    for item in listeners:
        if item.get("load_balancer_arn") == lb["id"]:
            if not tags_in_sync(item.get("tags"), tags):
                return False
    return True


# -- task -------------------------------------------------------------------------------------------


def task_families(deployment, task_family=None, redis_family=None):
    """Every task definition family the deployment may hold revisions of (both topologies'), in order, once each."""
    families = [task_family,
                _naming.deployment_names(deployment)["task_family"],
                _naming.deployment_names(deployment, topology="service_discovery")["task_family"],
                redis_family or _naming.deployment_names(deployment, topology="service_discovery")["redis_task_family"]]
    seen = []
    for family in families:
        if family and family not in seen:
            seen.append(family)
    return seen


def fargate_size_errors(cpu, memory, cpu_variable="task_cpu", memory_variable="task_memory"):
    """The task definition module's own Fargate size check, naming the role's variables; ``[]`` when valid."""
    try:
        cpu_value, memory_value = int(cpu), int(memory)
    except (TypeError, ValueError):
        return [f"{cpu_variable} and {memory_variable} must be whole numbers (CPU units, MiB); got {cpu!r} and {memory!r}."]
    error = fargate_size_error(cpu_value, memory_value)
    if not error:
        return []
    error = error.replace(f"cpu={cpu_value}", f"{cpu_variable}={cpu_value}")
    error = error.replace(f"memory={memory_value}", f"{memory_variable}={memory_value}")
    error = error.replace("use one of", f"use for {cpu_variable} one of").replace("use memory (MiB)", f"use {memory_variable} (MiB)")
    return [error]


# -- capacity provider strategies (ecs_cluster, service) --------------------------------------------


def capacity_strategy_errors(strategy, providers, variable, cpu_architecture="X86_64"):
    """The cluster module's own strategy check (``_ecs_fargate_cluster.validate_strategy``), naming ``variable``.

    ``strategy`` is a list of ``{capacity_provider, weight (default 1), base (default 0)}``; ``providers`` the capacity
    providers it may name; ``cpu_architecture`` that of the tasks it places (FARGATE_SPOT runs only X86_64 ones,
    ``_ecs_fargate_cluster.spot_architecture_error``). Returns ``[]`` when valid.
    """
    if not isinstance(strategy, list):
        return [f"{variable} must be a list of {{capacity_provider, weight, base}} items; got {strategy!r}."]
    items = []
    for index, item in enumerate(strategy):
        if not isinstance(item, dict) or not item.get("capacity_provider"):
            return [f"{variable}[{index}] must be a dict with capacity_provider (and optional weight, base); got {item!r}."]
        try:
            items.append({"capacity_provider": item["capacity_provider"],
                          "weight": int(item.get("weight", 1)), "base": int(item.get("base", 0))})
        except (TypeError, ValueError):
            return [f"{variable}[{index}]: weight and base must be whole numbers; got {item!r}."]
    if not items:
        return []
    error = validate_strategy(list(providers), items)
    if not error:
        spot_error = spot_architecture_error(items, cpu_architecture, variable)
        return [spot_error] if spot_error else []
    error = error.replace("which is not in capacity_providers", f"which is not one of {', '.join(providers)}")
    return [f"{variable}: {error}"]


# -- service ----------------------------------------------------------------------------------------


def service_revision_plan(wanted, current_tags, pin=True, pin_tag_key="fargate.microservice/pinned-revision"):
    """Which task definition revision the service runs, and the pin it keeps.

    ``wanted`` is service_task_revision: a number above 0 runs that revision (and pins it when ``pin``), ``latest``
    runs the newest and forgets the pin, anything else (0) runs the revision playbooks/rollback.yml pinned in the
    service's ``pin_tag_key`` tag, or the newest without a pin. Returns ``{"target_revision"`` (0: the newest),
    ``"pin"`` (the tag value to keep, ``""`` for none), ``"pinned_from_tag"}``.
    """
    wanted = str(wanted)
    pinned = str((current_tags or {}).get(pin_tag_key, ""))
    numbered = bool(_NUMBER.match(wanted)) and int(wanted) > 0
    from_tag = not numbered and wanted != "latest" and bool(_NUMBER.match(pinned))
    if numbered:
        return {"target_revision": int(wanted), "pin": wanted if pin else "", "pinned_from_tag": False}
    if from_tag:
        return {"target_revision": int(pinned), "pin": pinned, "pinned_from_tag": True}
    return {"target_revision": 0, "pin": "", "pinned_from_tag": False}


def service_owned(current, deployment):
    """Whether the service ecs_service_status_info described is ours (or does not exist)."""
    if not current.get("exists"):
        return True
    return is_owned(current.get("tags") or {}, _naming.ownership_tags(deployment))


def service_update_plan(current, desired):
    """What the service's create-or-update passes beyond its plain parameters, from what exists.

    ``current`` is ecs_service_status_info's result (``exists``, ``service``: the DescribeServices document);
    ``desired`` holds ``subnet_ids``, ``security_group_ids``, ``minimum_healthy_percent``, ``maximum_percent``,
    ``circuit_breaker``, ``circuit_breaker_rollback``, ``health_check_grace_period``, ``desired_count``,
    ``autoscaling``, ``autoscaling_min``, ``autoscaling_max``. Returns:

    - ``force_new_deployment``: community.aws.ecs_service compares neither the deployment configuration, nor the
      network configuration, nor a grace period of 0, so a change there is applied with a forced update. Fields the
      service does not report (the emulator stores no deployment configuration) are not compared.
    - ``health_check_grace_period``: passed only when the service reports one (or is new), so an API that does not
      return it cannot cause a change on every run; ``None``: leave it out.
    - ``desired_count``: with autoscaling on, the count autoscaling chose, kept within its bounds.
    """
    exists = bool(current.get("exists"))
    existing = current.get("service") or {}
    net = (existing.get("networkConfiguration") or {}).get("awsvpcConfiguration") or {}
    deploy = existing.get("deploymentConfiguration")
    breaker = bool(desired["circuit_breaker"])
    wanted_deploy = (int(desired["minimum_healthy_percent"]), int(desired["maximum_percent"]), breaker,
                     breaker and bool(desired["circuit_breaker_rollback"]))
    drift = False
    if exists:
        if deploy is not None:
            cb = deploy.get("deploymentCircuitBreaker") or {}
            have = (int(deploy.get("minimumHealthyPercent", -1)), int(deploy.get("maximumPercent", -1)),
                    bool(cb.get("enable", False)), bool(cb.get("rollback", False)))
            drift = have != wanted_deploy
        drift = (drift or sorted(net.get("subnets") or []) != sorted(desired["subnet_ids"])
                 or sorted(net.get("securityGroups") or []) != sorted(desired["security_group_ids"])
                 or net.get("assignPublicIp", "DISABLED") != "DISABLED")
    grace = None
    if not exists or existing.get("healthCheckGracePeriodSeconds") is not None:
        grace = int(desired["health_check_grace_period"])
    count = int(desired["desired_count"])
    if desired.get("autoscaling"):
        base = int(existing.get("desiredCount", count)) if exists else count
        count = min(max(base, int(desired["autoscaling_min"])), int(desired["autoscaling_max"]))
    return {"force_new_deployment": drift, "health_check_grace_period": grace, "desired_count": count}


def service_in_sync(current, wanted, plan):
    """Whether community.aws.ecs_service and ecs_service_capacity would change nothing on the existing service.

    ``current`` is ecs_service_status_info's result, ``plan`` :func:`service_update_plan`'s answer, ``wanted`` holds the
    options the service role passes: ``task_definition`` (family:revision), ``load_balancers`` (targetGroupArn,
    containerName, containerPort), ``propagate_tags`` (``NONE`` for none), ``tags``, ``enable_execute_command`` and
    ``capacity_provider_strategy`` (AWS's fields). Makes ecs_service's own comparisons (its ``is_matching_service``:
    task definition, grace period when one is passed, load balancers, propagated tags, tags, execute command, desired
    count), the forced update the plan asks for a deployment or network configuration change, and
    ecs_service_capacity's (the strategy, normalized); the role calls those modules only when this is false.
    """
    if not current.get("exists") or plan["force_new_deployment"]:
        return False
    service = current.get("service") or {}
    grace = plan["health_check_grace_period"]
    load_balancers = [{"targetGroupArn": lb["targetGroupArn"], "containerName": lb["containerName"],
                       "containerPort": int(lb["containerPort"])} for lb in wanted["load_balancers"]]
    return (
        (service.get("taskDefinition") or "").split("/")[-1] == wanted["task_definition"]
        and (not grace or grace == service.get("healthCheckGracePeriodSeconds"))
        and load_balancers == (service.get("loadBalancers") or [])
        and (wanted["propagate_tags"] or "NONE") == service.get("propagateTags", "NONE")
        and dict(current.get("tags") or {}) == dict(wanted["tags"] or {})
        and bool(wanted["enable_execute_command"]) == bool(service.get("enableExecuteCommand", False))
        and int(plan["desired_count"]) == service.get("desiredCount")
        and normalize_strategy(service.get("capacityProviderStrategy")) == normalize_strategy(wanted["capacity_provider_strategy"])
    )


def service_target_group_arn(info, alb_output, deployment):
    """The ARN of the target group the service registers its tasks in ('' when there is none yet).

    ``alb_output`` is the fact the alb role sets when it ran earlier in the same run (``deployment`` and the
    ``target_group_arn`` it created or found as wanted); it counts only for this ``deployment``, so the service role
    then need not look the group up again (two requests fewer). Otherwise the owned target group in ``info``,
    deployment_info's answer with the target_group section (the service role run alone, or alb_output of another
    deployment).
    """
    known = alb_output or {}
    if known.get("deployment") == deployment and known.get("target_group_arn"):
        return known["target_group_arn"]
    return ownership(info or {}, "target_group")["item"].get("id", "")


def service_missing(cluster_exists, info, net, taskdef, task_definition, cluster, target_group_arn):
    """What the service needs but this deployment does not own, one phrase each, naming the role that makes it.

    ``info`` is deployment_info's answer (for the names), ``net`` :func:`network` of the private tier and the
    tasks group, ``taskdef`` ecs_task_definition_info's answer for ``task_definition`` (family[:revision]),
    ``target_group_arn`` :func:`service_target_group_arn`'s answer.
    """
    names = info.get("names") or {}
    missing = []
    if not cluster_exists:
        missing.append(f"the cluster {cluster} (ecs_cluster role)")
    # The VPC is the tasks group's (network()): without the group there is no VPC to look in.
    if len(net["security_group_ids"]) != 1:
        missing.append(f"the security group {names.get('security_groups', {}).get('tasks')} in the VPC {names.get('vpc')}"
                       " (network role)")
    if not net["subnet_ids"]:
        missing.append("private subnets (network role)")
    if not target_group_arn:
        missing.append(f"the target group {names.get('target_group')} (alb role)")
    if not service_taskdef_ref(taskdef):
        why = ""
        if taskdef.get("found") and taskdef.get("status") != "ACTIVE":
            why = f" (it is {taskdef.get('status')})"
        elif taskdef.get("found") and not taskdef.get("owned"):
            why = " (it exists without the ownership tag)"
        missing.append(f"an ACTIVE task definition {task_definition}{why} (task role)")
    return missing


def service_redis_plan(current, info, net, taskdef, wanted, check_mode=False):
    """What the Redis ECS service of service_discovery needs and what its create-or-update changes.

    ``current`` is ecs_service_status_info's answer for the Redis service (as the web service's, so one tagged for
    another deployment is refused too), ``info`` the service role's deployment_info answer (sections
    redis_security_group and cloud_map_service), ``net`` :func:`network` of the private tier and the tasks group (the
    Redis group must be in its VPC), ``taskdef`` ecs_task_definition_info's answer for the Redis family. ``wanted``
    holds ``cluster``, ``service`` (the ECS service's name), ``security_group`` (D-redis), ``registry`` (the Cloud
    Map service), ``namespace``, ``family`` and ``tags``. Returns ``exists``, ``security_group_ids``,
    ``registry_arn``, ``taskdef_ref``, ``missing`` (one phrase each, naming the role that makes it), ``drift``
    (subnets, group or public IP differ: ecs_service compares none of them, so a forced update),
    ``registry_changed`` (registered in another Cloud Map service: delete and recreate), ``tags_current`` and
    ``failure``: the one sentence to fail with ('' when none; a service that is not ours fails in check mode too, a
    missing resource only outside it).
    """
    resources = info.get("resources") or {}
    exists = bool(current.get("exists"))
    service = current.get("service") or {}
    existing_net = (service.get("networkConfiguration") or {}).get("awsvpcConfiguration") or {}
    groups = [g["id"] for g in resources.get("redis_security_group") or []
              if g.get("name") == wanted["security_group"] and g.get("vpc_id") in net["vpc_ids"][:1]]
    registry_arn = first_match(resources.get("cloud_map_service"), name=wanted["registry"]).get("arn", "")
    taskdef_ref = service_taskdef_ref(taskdef)
    missing = []
    if not current.get("cluster_exists"):
        missing.append(f"the cluster {wanted['cluster']} (ecs_cluster role)")
    if not net["subnet_ids"]:
        missing.append("private subnets (network role)")
    if len(groups) != 1:
        missing.append(f"the security group {wanted['security_group']} (cloud_map role)")
    if not registry_arn:
        missing.append(f"the Cloud Map service {wanted['registry']} in {wanted['namespace']} (cloud_map role)")
    if not taskdef_ref:
        missing.append(f"an ACTIVE task definition {wanted['family']} (task role)")
    key, deployment = _naming.OWNER_TAG_KEY, info.get("deployment")
    failure = ""
    if not service_owned(current, deployment):
        failure = (f"The ECS service {wanted['service']} in cluster {wanted['cluster']} exists without the ownership tag"
                   f" {key}={deployment}; it is left alone. Delete or rename it, or choose another"
                   " service_redis_name or microservice_deployment.")
    elif missing and not check_mode:
        failure = (f"The service {wanted['service']} (microservice_topology=service_discovery) needs {', '.join(missing)},"
                   f" and found none carrying the ownership tag {key}={deployment}; run those roles first"
                   " (or the whole site.yml).")
    return {
        "exists": exists,
        "security_group_ids": groups,
        "registry_arn": registry_arn,
        "taskdef_ref": taskdef_ref,
        "missing": missing,
        "drift": exists and not (same_members(existing_net.get("subnets"), net["subnet_ids"])
                                 and same_members(existing_net.get("securityGroups"), groups)
                                 and existing_net.get("assignPublicIp", "DISABLED") == "DISABLED"),
        "registry_changed": exists and [r.get("registryArn") for r in service.get("serviceRegistries") or []] != [registry_arn],
        "tags_current": exists and tags_in_sync(current.get("tags"), wanted["tags"]),
        "failure": failure,
    }


def service_taskdef_ref(taskdef):
    """family:revision of the task definition ecs_task_definition_info found when it is ACTIVE and ours, else ``""``."""
    if taskdef.get("status") == "ACTIVE" and taskdef.get("owned"):
        return taskdef.get("task_definition") or ""
    return ""
