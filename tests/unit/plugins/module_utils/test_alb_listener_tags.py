# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tests of the listeners' ownership tags: the alb_listener_tags logic (classification, plan, tag / adopt / check mode
/ refusal flows against a real moto server), deployment_info's listeners section (tags, owned state, another
deployment's listener under unowned, one DescribeTags for the load balancer, target group and listeners) and the alb
role's plans (listener_tags_in_sync, listener_ownership_error)."""

from __future__ import annotations

import pytest

from ansible_collections.fargate.microservice.plugins.module_utils import _alb_listener_tags as lt
from ansible_collections.fargate.microservice.plugins.module_utils import _app_plan as plan
from ansible_collections.fargate.microservice.plugins.module_utils import _deployment_info as di
from ansible_collections.fargate.microservice.plugins.module_utils import _naming
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import UnownedResourceError

D = "hlt"
KEY = _naming.OWNER_TAG_KEY
OWN = _naming.ownership_tags(D)
LB_TAGS = dict(OWN, Name=f"{D}-web-lb", team="web")


def _tag_list(tags):
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def _stack(moto_client, lb_tags=None, ports=(80,)):
    """A load balancer named by the contract, its target group and listeners (untagged, as elb_application_lb makes them)."""
    ec2, elb = moto_client("ec2"), moto_client("elbv2")
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.1.{i}.0/24", AvailabilityZone=f"us-east-1{z}")["Subnet"]["SubnetId"]
               for i, z in ((0, "a"), (3, "b"))]
    tg = elb.create_target_group(Name=f"{D}-web-tg", Protocol="HTTP", Port=8000, VpcId=vpc, TargetType="ip",
                                 Tags=_tag_list(dict(OWN, Name=f"{D}-web-tg")))["TargetGroups"][0]["TargetGroupArn"]
    lb = elb.create_load_balancer(Name=f"{D}-web-lb", Subnets=subnets,
                                  Tags=_tag_list(LB_TAGS if lb_tags is None else lb_tags))["LoadBalancers"][0]["LoadBalancerArn"]
    listeners = {port: elb.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=port,
                                           DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])["Listeners"][0]["ListenerArn"]
                 for port in ports}
    return elb, lb, listeners


def _tags(elb, arn):
    return {t["Key"]: t["Value"] for t in elb.describe_tags(ResourceArns=[arn])["TagDescriptions"][0]["Tags"]}


def _params(**over):
    return dict({"load_balancer_name": f"{D}-web-lb", "tags": LB_TAGS, "purge_tags": True, "ownership_tags": OWN}, **over)


def _counting(moto_client):
    """moto_client, counting the operations each client sends (botocore's before-call event)."""
    calls = []

    def make(service):
        client = moto_client(service)
        client.client.meta.events.register("before-call", lambda model, **_kw: calls.append(model.name))
        return client
    return make, calls


@pytest.mark.parametrize("tags, owner", [
    ({}, "untagged"),
    ({"Name": "x", "team": "web"}, "untagged"),
    (OWN, "owned"),
    (dict(OWN, Name="x"), "owned"),
    ({KEY: "other"}, "foreign"),
    ({KEY: ""}, "foreign"),
])
def test_listener_owner(tags, owner):
    assert lt.listener_owner(tags, OWN) == owner


@pytest.mark.parametrize("lb_tags, listener_tags, message", [
    ({"Name": f"{D}-web-lb"}, [{}], f"The load balancer {D}-web-lb already exists but does not carry the ownership tag(s) {KEY}={D}"),
    (OWN, [OWN, {KEY: "other"}], f"The listener HTTP:443 of {D}-web-lb already exists but does not carry the ownership tag(s) {KEY}={D}"),
])
def test_plan_refuses_before_any_change(lb_tags, listener_tags, message):
    listeners = [{"arn": f"arn:{i}", "protocol": "HTTP", "port": (80, 443)[i], "tags": t} for i, t in enumerate(listener_tags)]
    with pytest.raises(UnownedResourceError, match=message.replace("(", r"\(").replace(")", r"\)")):
        lt.plan(f"{D}-web-lb", lb_tags, listeners, LB_TAGS, True, OWN)


@pytest.mark.parametrize("current, purge, to_set, to_remove", [
    ({}, True, LB_TAGS, []),
    (LB_TAGS, True, {}, []),
    (dict(LB_TAGS, old="x", **{"aws:cloudformation:stack-name": "s"}), True, {}, ["old"]),
    (dict(LB_TAGS, old="x"), False, {}, []),
    (dict(LB_TAGS, team="ops"), True, {"team": "web"}, []),
])
def test_plan_adopts_untagged_and_purges(current, purge, to_set, to_remove):
    [change] = lt.plan(f"{D}-web-lb", OWN, [{"arn": "a", "protocol": "HTTP", "port": 80, "tags": current}], LB_TAGS, purge,
                       OWN) or [(None, {}, [])]
    assert (change[1], change[2]) == (to_set, to_remove)


def test_chunks_of_twenty():
    assert [len(c) for c in lt.chunks(range(45))] == [20, 20, 5] and lt.chunks([]) == []


def test_tag_check_mode_adopt_and_rerun(moto_client):
    elb, lb, listeners = _stack(moto_client, ports=(80, 443))
    check = lt.ensure_tags(elb, _params(), check_mode=True)
    assert check["changed"] and check["diff"]["before"] == {"HTTP:80": {}, "HTTP:443": {}}
    assert check["diff"]["after"] == {"HTTP:80": LB_TAGS, "HTTP:443": LB_TAGS}
    assert all(_tags(elb, arn) == {} for arn in listeners.values())

    make, calls = _counting(moto_client)
    done = lt.ensure_tags(make("elbv2"), _params(), check_mode=False)
    assert done["changed"] and done["load_balancer_arn"] == lb
    assert [(x["port"], x["tags"]) for x in done["listeners"]] == [(80, LB_TAGS), (443, LB_TAGS)]
    assert all(_tags(elb, arn) == LB_TAGS for arn in listeners.values())
    # Both listeners need the same tags: one AddTags for both.
    assert calls == ["DescribeLoadBalancers", "DescribeListeners", "DescribeTags", "AddTags"]

    del calls[:]
    again = lt.ensure_tags(make("elbv2"), _params(), check_mode=False)
    assert not again["changed"] and calls == ["DescribeLoadBalancers", "DescribeListeners", "DescribeTags"]

    # A tag gone from the wanted ones is purged; a listener elb_application_lb adds later is adopted.
    elb.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=8080, DefaultActions=[{"Type": "fixed-response",
                        "FixedResponseConfig": {"StatusCode": "404"}}])
    fewer = {k: v for k, v in LB_TAGS.items() if k != "team"}
    changed = lt.ensure_tags(elb, _params(tags=fewer), check_mode=False)
    assert changed["changed"] and [x["tags"] for x in changed["listeners"]] == [fewer, fewer, fewer]
    assert all(_tags(elb, x["listener_arn"]) == fewer for x in changed["listeners"])


def test_another_deployments_listener_is_never_changed(moto_client):
    elb, _lb, listeners = _stack(moto_client, ports=(80, 443))
    elb.add_tags(ResourceArns=[listeners[443]], Tags=_tag_list({KEY: "other", "Name": "other-listener"}))
    with pytest.raises(UnownedResourceError, match=f"The listener HTTP:443 of {D}-web-lb already exists"):
        lt.ensure_tags(elb, _params(), check_mode=False)
    assert _tags(elb, listeners[80]) == {}  # nothing was written, not even to our own listener
    assert _tags(elb, listeners[443]) == {KEY: "other", "Name": "other-listener"}


def test_an_unowned_load_balancer_is_refused_and_a_missing_one_is_said(moto_client):
    elb, _lb, listeners = _stack(moto_client, lb_tags={"Name": f"{D}-web-lb"})
    with pytest.raises(UnownedResourceError, match=f"The load balancer {D}-web-lb already exists"):
        lt.ensure_tags(elb, _params(), check_mode=False)
    assert _tags(elb, listeners[80]) == {}
    missing = _params(load_balancer_name=f"{D}x-web-lb")
    assert lt.ensure_tags(elb, missing, check_mode=True)["changed"] is False
    with pytest.raises(lt.LoadBalancerMissingError, match=f"The load balancer {D}x-web-lb does not exist"):
        lt.ensure_tags(elb, missing, check_mode=False)


def _info(make, include=("load_balancer", "target_group", "listeners")):
    return di.DeploymentInfo(make, D, include=list(include)).collect()


def test_deployment_info_reports_each_listeners_tags_and_ownership_in_one_describe_tags(moto_client):
    elb, lb, listeners = _stack(moto_client, ports=(80, 443, 8443))
    elb.add_tags(ResourceArns=[listeners[80]], Tags=_tag_list(LB_TAGS))
    elb.add_tags(ResourceArns=[listeners[8443]], Tags=_tag_list({KEY: "other"}))
    make, calls = _counting(moto_client)
    found = _info(make)
    # The listeners are described before the tags are read: one DescribeTags for everything.
    assert calls == ["DescribeLoadBalancers", "DescribeTargetGroups", "DescribeListeners", "DescribeTags"]
    items = found["resources"]["listeners"]
    assert [(i["name"], i["owned"], i["tags"]) for i in items] == [("HTTP:80", True, LB_TAGS), ("HTTP:443", False, {})]
    assert all(i["load_balancer_arn"] == lb for i in items)
    assert [(u["kind"], u["name"], u["id"], u["state"]) for u in found["unowned"]] == [
        ("listeners", "HTTP:8443", listeners[8443], "owned by other")]
    assert plan.listener_ownership_error(found) == (
        f"The listener HTTP:8443 of {D}-web-lb already exists but does not carry the ownership tag(s) {KEY}={D}, so it is"
        " not ours to change; delete or rename it, or choose another deployment name (microservice_deployment)."
        f" It is tagged {KEY}=other.")
    assert plan.listener_tags_in_sync(found, LB_TAGS) is False


@pytest.mark.parametrize("tag_443, wanted, in_sync", [
    (LB_TAGS, LB_TAGS, True),
    ({}, LB_TAGS, False),                                   # adopted on the next run
    (dict(LB_TAGS, old="x"), LB_TAGS, False),               # purged
    (LB_TAGS, dict(LB_TAGS, team="ops"), False),
])
def test_listener_tags_in_sync(moto_client, tag_443, wanted, in_sync):
    elb, _lb, listeners = _stack(moto_client, ports=(80, 443))
    elb.add_tags(ResourceArns=[listeners[80]], Tags=_tag_list(LB_TAGS))
    if tag_443:
        elb.add_tags(ResourceArns=[listeners[443]], Tags=_tag_list(tag_443))
    found = _info(moto_client)
    assert found["unowned"] == [] and plan.listener_ownership_error(found) == ""
    assert plan.listener_tags_in_sync(found, wanted) is in_sync


def test_no_owned_load_balancer_or_no_listener_lookup_is_not_in_sync(moto_client):
    _stack(moto_client, lb_tags={"Name": f"{D}-web-lb"})
    found = _info(moto_client)
    assert found["resources"]["listeners"] == [] and plan.listener_tags_in_sync(found, LB_TAGS) is False
    # Another deployment's listener on a load balancer that is not ours is not this deployment's business.
    assert plan.listener_ownership_error(found) == ""
    assert plan.listener_tags_in_sync({"resources": {}, "names": {}}, LB_TAGS) is False
