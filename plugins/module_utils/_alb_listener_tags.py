# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Logic of the alb_listener_tags module: the ownership tags on an ELBv2 load balancer's listeners.

amazon.aws.elb_application_lb creates and changes listeners but cannot tag them (its ``listeners`` options have no
``Tags``), so a listener's ownership was only implied by its load balancer. Here, on a load balancer that carries the
ownership tags:

- a listener with our ownership tag, or with no ownership tag at all (made by elb_application_lb: ours by its load
  balancer), is given the wanted tags (AddTags/RemoveTags, compare_aws_tags' changes);
- a listener whose ownership tag names another deployment is never changed: the whole call is refused, before any
  write, with _ownership's unowned-resource message.

The same classification (:func:`listener_owner`) decides deployment_info's ``listeners`` section and the alb role's
plans (``_app_plan.listener_tags_in_sync``, ``listener_ownership_error``).
"""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list

from ansible_collections.fargate.microservice.plugins.module_utils._ownership import is_owned
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import merged_tags
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import tag_changes
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import tags_of
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import UnownedResourceError
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import unowned_message

# DescribeTags: "You can specify up to 20 resources in a single call" (botocore's elbv2 model, DescribeTagsInput);
# AddTags and RemoveTags are sent in batches of the same size.
MAX_ARNS = 20


class LoadBalancerMissingError(Exception):
    """The load balancer whose listeners are to be tagged does not exist."""


def chunks(items, size=MAX_ARNS):
    items = list(items)
    return [items[i:i + size] for i in range(0, len(items), size)]


def listener_owner(tags, ownership_tags):
    """``"owned"`` (carries every ownership tag), ``"untagged"`` (none of their keys: ours by its load balancer) or
    ``"foreign"`` (an ownership key with another value: another deployment's)."""
    tags = tags or {}
    if is_owned(tags, ownership_tags):
        return "owned"
    if any(key in tags for key in (ownership_tags or {})):
        return "foreign"
    return "untagged"


def listener_label(listener, load_balancer_name):
    """How a listener is named in a sentence: ``HTTP:80 of countweb-web-lb``."""
    return f"{listener.get('Protocol')}:{listener.get('Port')} of {load_balancer_name}"


@AWSRetry.jittered_backoff()
def _paginate(client, operation, **kwargs):
    return client.get_paginator(operation).paginate(**kwargs).build_full_result()


def describe_tags(client, arns):
    """``{arn: tags}`` of any number of ELBv2 ARNs (DescribeTags in batches of 20)."""
    tags = {}
    for batch in chunks(arns):
        for d in client.describe_tags(aws_retry=True, ResourceArns=batch).get("TagDescriptions", []):
            tags[d["ResourceArn"]] = tags_of(d)
    return tags


def read_listeners(client, name):
    """The load balancer named ``name`` and its listeners, with tags: ``{"arn", "tags", "listeners": [...]}``.

    Each listener: ``arn``, ``protocol``, ``port``, ``tags``. ``None`` when there is no such load balancer
    (DescribeLoadBalancers answers LoadBalancerNotFound). One DescribeTags for the load balancer and its listeners.
    """
    try:
        lbs = client.describe_load_balancers(aws_retry=True, Names=[name]).get("LoadBalancers", [])
    except is_boto3_error_code("LoadBalancerNotFound"):
        return None
    if not lbs:
        return None
    arn = lbs[0]["LoadBalancerArn"]
    found = _paginate(client, "describe_listeners", LoadBalancerArn=arn).get("Listeners", [])
    tags = describe_tags(client, [arn] + [r["ListenerArn"] for r in found])
    listeners = [{"arn": r["ListenerArn"], "protocol": r.get("Protocol"), "port": r.get("Port"),
                  "tags": tags.get(r["ListenerArn"], {})} for r in found]
    return {"arn": arn, "tags": tags.get(arn, {}), "listeners": sorted(listeners, key=lambda x: (x["port"] or 0, x["arn"]))}


def plan(lb_name, lb_tags, listeners, desired_tags, purge_tags, ownership_tags):
    """``[(listener, to_set, to_remove)]`` for the listeners whose tags change.

    Raises UnownedResourceError (nothing is written then) when the load balancer does not carry the ownership tags or
    a listener is another deployment's.
    """
    if not is_owned(lb_tags, ownership_tags):
        raise UnownedResourceError(unowned_message("load balancer", lb_name, ownership_tags))
    for listener in listeners:
        if listener_owner(listener["tags"], ownership_tags) == "foreign":
            raise UnownedResourceError(unowned_message(
                "listener", listener_label({"Protocol": listener["protocol"], "Port": listener["port"]}, lb_name),
                ownership_tags))
    changes = []
    for listener in listeners:
        to_set, to_remove = tag_changes(listener["tags"], desired_tags, purge_tags)
        if to_set or to_remove:
            changes.append((listener, to_set, to_remove))
    return changes


def _batches(changes, index):
    """The listener ARNs of ``changes`` grouped by the same tags to set (index 1) or keys to remove (index 2)."""
    groups = {}
    for change in changes:
        value = change[index]
        if not value:
            continue
        key = tuple(sorted(value.items())) if isinstance(value, dict) else tuple(value)
        groups.setdefault(key, []).append(change[0]["arn"])
    return [(key, batch) for key, arns in groups.items() for batch in chunks(arns)]


def _view(listeners):
    return {f"{x['protocol']}:{x['port']}": x["tags"] for x in listeners}


def ensure_tags(client, params, check_mode):
    name = params["load_balancer_name"]
    ownership = params.get("ownership_tags") or {}
    current = read_listeners(client, name)
    if current is None:
        if check_mode:  # elb_application_lb would create it in this run: nothing to tag yet
            return {"changed": False, "listeners": [], "diff": {"before": {}, "after": {}},
                    "msg": f"The load balancer {name} does not exist yet."}
        raise LoadBalancerMissingError(
            f"The load balancer {name} does not exist; create it first (amazon.aws.elb_application_lb, or the alb role).")
    changes = plan(name, current["tags"], current["listeners"], params["tags"], params["purge_tags"], ownership)
    after = [dict(x, tags=merged_tags(x["tags"], params["tags"], params["purge_tags"])) for x in current["listeners"]]
    result = {"changed": bool(changes), "load_balancer_arn": current["arn"],
              "diff": {"before": _view(current["listeners"]), "after": _view(after)}}
    if changes and not check_mode:
        for keys, arns in _batches(changes, 2):
            client.remove_tags(aws_retry=True, ResourceArns=arns, TagKeys=list(keys))
        for items, arns in _batches(changes, 1):
            client.add_tags(aws_retry=True, ResourceArns=arns, Tags=ansible_dict_to_boto3_tag_list(dict(items)))
    result["listeners"] = [{"listener_arn": x["arn"], "protocol": x["protocol"], "port": x["port"], "tags": x["tags"]}
                           for x in after]
    return result
