# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Logic of the alb_target_group module: read an ELBv2 target group, plan the changes, apply them.

Targets are never read or written here: they belong to ECS, which registers task IPs.
"""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list

from ansible_collections.fargate.microservice.plugins.module_utils._ownership import is_owned
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import merged_tags
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import tag_changes
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import UnownedResourceError
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import unowned_message


class ImmutableChangeError(Exception):
    """The wanted target group differs in a field AWS cannot change on an existing one."""


# Health check settings: module option -> API field.
HEALTH_FIELDS = {
    "health_check_protocol": "HealthCheckProtocol",
    "health_check_port": "HealthCheckPort",
    "health_check_path": "HealthCheckPath",
    "health_check_interval": "HealthCheckIntervalSeconds",
    "health_check_timeout": "HealthCheckTimeoutSeconds",
    "healthy_threshold_count": "HealthyThresholdCount",
    "unhealthy_threshold_count": "UnhealthyThresholdCount",
}
# Fields AWS fixes at creation: module option -> API field.
IMMUTABLE_FIELDS = {"target_type": "TargetType", "protocol": "Protocol", "port": "Port", "vpc_id": "VpcId"}
DEREGISTRATION_KEY = "deregistration_delay.timeout_seconds"


def normalize_matcher(codes):
    """``"200, 302"`` and ``"302,200"`` are the same matcher."""
    return ",".join(sorted(c.strip() for c in str(codes).split(",") if c.strip()))


def read_target_group(client, name):
    """Return the target group as a flat dict in module option names, or ``None`` when missing."""
    try:
        groups = client.describe_target_groups(aws_retry=True, Names=[name])["TargetGroups"]
    except is_boto3_error_code("TargetGroupNotFound"):
        return None
    if not groups:
        return None
    group = groups[0]
    arn = group["TargetGroupArn"]
    tags = client.describe_tags(aws_retry=True, ResourceArns=[arn])["TagDescriptions"]
    attributes = client.describe_target_group_attributes(aws_retry=True, TargetGroupArn=arn)["Attributes"]
    attributes = {a["Key"]: a["Value"] for a in attributes}
    state = {
        "target_group_name": group["TargetGroupName"],
        "target_group_arn": arn,
        "load_balancer_arns": group.get("LoadBalancerArns", []),
        "matcher": normalize_matcher(group.get("Matcher", {}).get("HttpCode", "200")),
        "deregistration_delay": int(attributes.get(DEREGISTRATION_KEY, 300)),
        "tags": {t["Key"]: t["Value"] for t in (tags[0]["Tags"] if tags else [])},
    }
    for option, field in IMMUTABLE_FIELDS.items():
        state[option] = group.get(field)
    for option, field in HEALTH_FIELDS.items():
        state[option] = group.get(field)
    return state


def desired_settings(params):
    desired = {option: params[option] for option in list(IMMUTABLE_FIELDS) + list(HEALTH_FIELDS)}
    desired["protocol"] = desired["protocol"].upper()
    desired["health_check_protocol"] = (desired["health_check_protocol"] or desired["protocol"]).upper()
    desired["matcher"] = normalize_matcher(params["matcher"])
    desired["deregistration_delay"] = params["deregistration_delay"]
    desired["tags"] = params.get("tags")
    desired["purge_tags"] = params.get("purge_tags", True)
    return desired


def plan_update(current, desired):
    """Return ``(health_check_changes, attribute_changes, tags_to_set, tags_to_remove)`` for an existing group."""
    wrong = [o for o in IMMUTABLE_FIELDS if desired[o] is not None and str(current[o]) != str(desired[o])]
    if wrong:
        details = ", ".join(f"{o} is {current[o]}, wanted {desired[o]}" for o in wrong)
        raise ImmutableChangeError(
            f"The target group {current['target_group_name']} cannot be changed in place ({details}); delete it"
            " (state=absent, after its load balancer) and run again."
        )
    health = {}
    for option, field in HEALTH_FIELDS.items():
        if desired[option] is not None and str(current[option]) != str(desired[option]):
            health[field] = desired[option]
    if desired["matcher"] != current["matcher"]:
        health["Matcher"] = {"HttpCode": desired["matcher"]}
    attributes = {}
    if desired["deregistration_delay"] is not None and current["deregistration_delay"] != desired["deregistration_delay"]:
        attributes[DEREGISTRATION_KEY] = str(desired["deregistration_delay"])
    to_set, to_remove = tag_changes(current["tags"], desired["tags"], desired["purge_tags"])
    return health, attributes, to_set, to_remove


def expected_after(current, desired):
    after = dict(current or {})
    for option in list(IMMUTABLE_FIELDS) + list(HEALTH_FIELDS) + ["matcher", "deregistration_delay"]:
        if desired[option] is not None:
            after[option] = desired[option]
    after["tags"] = merged_tags(after.get("tags"), desired["tags"], desired["purge_tags"])
    return after


def _diff_view(state):
    if not state:
        return {}
    keys = ["target_group_name"] + list(IMMUTABLE_FIELDS) + list(HEALTH_FIELDS) + ["matcher", "deregistration_delay", "tags"]
    return {k: state.get(k) for k in keys}


def ensure_present(client, params, check_mode):
    name = params["name"]
    ownership = params.get("ownership_tags") or {}
    desired = desired_settings(params)
    current = read_target_group(client, name)

    if current is None:
        after = expected_after({"target_group_name": name}, desired)
        result = {"changed": True, "diff": {"before": {}, "after": _diff_view(after)}}
        if check_mode:
            result["target_group"] = after
            return result
        create_args = {
            "Name": name,
            "Protocol": desired["protocol"],
            "Port": desired["port"],
            "VpcId": desired["vpc_id"],
            "TargetType": desired["target_type"],
            "Matcher": {"HttpCode": desired["matcher"]},
        }
        for option, field in HEALTH_FIELDS.items():
            if desired[option] is not None:
                create_args[field] = desired[option]
        if desired["tags"]:
            create_args["Tags"] = ansible_dict_to_boto3_tag_list(desired["tags"])
        arn = client.create_target_group(aws_retry=True, **create_args)["TargetGroups"][0]["TargetGroupArn"]
        if desired["deregistration_delay"] is not None:
            client.modify_target_group_attributes(
                aws_retry=True,
                TargetGroupArn=arn,
                Attributes=[{"Key": DEREGISTRATION_KEY, "Value": str(desired["deregistration_delay"])}],
            )
        result["target_group"] = read_target_group(client, name)
        return result

    if not is_owned(current["tags"], ownership):
        raise UnownedResourceError(unowned_message("target group", name, ownership))

    health, attributes, to_set, to_remove = plan_update(current, desired)
    changed = bool(health or attributes or to_set or to_remove)
    after = expected_after(current, desired)
    result = {"changed": changed, "diff": {"before": _diff_view(current), "after": _diff_view(after)}}
    if not changed or check_mode:
        result["target_group"] = after
        return result
    arn = current["target_group_arn"]
    if health:
        client.modify_target_group(aws_retry=True, TargetGroupArn=arn, **health)
    if attributes:
        client.modify_target_group_attributes(
            aws_retry=True,
            TargetGroupArn=arn, Attributes=[{"Key": k, "Value": v} for k, v in attributes.items()]
        )
    if to_remove:
        client.remove_tags(aws_retry=True, ResourceArns=[arn], TagKeys=to_remove)
    if to_set:
        client.add_tags(aws_retry=True, ResourceArns=[arn], Tags=ansible_dict_to_boto3_tag_list(to_set))
    result["target_group"] = read_target_group(client, name)
    return result


def ensure_absent(client, params, check_mode):
    name = params["name"]
    ownership = params.get("ownership_tags") or {}
    current = read_target_group(client, name)
    if current is None:
        return {"changed": False, "diff": {"before": {}, "after": {}}}
    if not is_owned(current["tags"], ownership):
        return {"changed": False, "skipped_unowned": True, "target_group": current,
                "diff": {"before": _diff_view(current), "after": _diff_view(current)}}
    if not check_mode:
        client.delete_target_group(aws_retry=True, TargetGroupArn=current["target_group_arn"])
    return {"changed": True, "target_group": current, "diff": {"before": _diff_view(current), "after": {}}}
