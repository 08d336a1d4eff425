# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Logic of the application_autoscaling_target module: remove a scalable target and its scaling policies.

Application Auto Scaling (botocore's application-autoscaling model): DescribeScalableTargets and
DescribeScalingPolicies are paginated (NextToken); DeleteScalingPolicy deletes one policy (and the
CloudWatch alarms a target tracking policy created); DeregisterScalableTarget removes the target ("Deregistering
a scalable target deletes the scaling policies and the scheduled actions that are associated with it").
The policies are deleted first, one by one, so a run interrupted between the calls leaves no policy
without its target; an ObjectNotFoundException (already gone, a parallel or interrupted run) counts as done.
"""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.botocore import paginated_query_with_retries


def _code(err):
    return ((getattr(err, "response", None) or {}).get("Error") or {}).get("Code", "")


def find(client, namespace, resource_id, dimension):
    """The scalable target (API dict) and its scaling policies (list of API dicts); ``(None, [])`` without a target."""
    query = {"ServiceNamespace": namespace, "ScalableDimension": dimension}
    # Paginated, each query retried with jittered backoff (amazon.aws's paginated_query_with_retries).
    targets = paginated_query_with_retries(client, "describe_scalable_targets",
                                           ResourceIds=[resource_id], **query).get("ScalableTargets", [])
    target = next((t for t in targets if t.get("ResourceId") == resource_id), None)
    # No target, no policies: PutScalingPolicy needs a registered target (ObjectNotFoundException otherwise), and
    # deregistering one deletes its policies (above), so without a target DescribeScalingPolicies is not asked.
    if target is None:
        return None, []
    policies = paginated_query_with_retries(client, "describe_scaling_policies",
                                            ResourceId=resource_id, **query).get("ScalingPolicies", [])
    return target, [p for p in policies if p.get("ResourceId") == resource_id]


def ensure_absent(client, params, check_mode, find_target=find):
    """Delete the target's policies, then deregister the target. Returns the module result."""
    namespace, resource_id, dimension = params["service_namespace"], params["resource_id"], params["scalable_dimension"]
    target, policies = find_target(client, namespace, resource_id, dimension)
    names = sorted(p["PolicyName"] for p in policies)
    result = {
        "changed": bool(target or policies),
        "deregistered": target is not None,
        "deleted_policies": names,
        "diff": {"before": {"scalable_target": target is not None, "scaling_policies": names},
                 "after": {"scalable_target": False, "scaling_policies": []}},
    }
    if check_mode:
        return result
    for name in names:
        try:
            client.delete_scaling_policy(aws_retry=True, PolicyName=name, ServiceNamespace=namespace,
                                         ResourceId=resource_id, ScalableDimension=dimension)
        except Exception as err:  # botocore.exceptions.ClientError; generic for the unit tests
            if _code(err) != "ObjectNotFoundException":
                raise
    if target is not None:
        try:
            client.deregister_scalable_target(aws_retry=True, ServiceNamespace=namespace, ResourceId=resource_id,
                                              ScalableDimension=dimension)
        except Exception as err:
            if _code(err) != "ObjectNotFoundException":
                raise
    return result
