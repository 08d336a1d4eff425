# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a deployment owns in AWS and what is missing (the logic of the deployment_info module).

One targeted Describe/List/Get call per kind (paginated, retried with jittered backoff), never a
write. EC2 kinds are asked for by ``tag:Name`` = ``D-*`` (one call returns ours, same-named decoys
and nothing else worth reading); the other services by the contract's exact names. Whether a resource
is ours is decided here, in Python, by the ownership tag (``_ownership.is_owned``):

- it carries ``fargate.microservice/deployment = D``: owned, reported under ``resources``;
- it has a contract name and no ownership tag at all: reported under ``unowned``, never as owned;
- anything else is another deployment's (``D-x-vpc``, or the shared task family's revisions tagged
  for another deployment): never reported.

The service_discovery topology's sections (``DISCOVERY_SECTIONS``, issue 12) look up the names of that topology's
contract whatever ``topology`` is: in ``service_discovery`` what is not owned is missing; in ``sidecar`` nothing of
them is expected, and what is owned is what a service_discovery run left (the cloud_map and service roles remove it).
Cloud Map is read with the servicediscovery modules' own code (``_cloud_map``).

The Resource Groups Tagging API is not used: it returns ARNs and tags only, so every kind would still
need its Describe call for ids, states and addresses (it would add calls, not remove them), and it does
not cover IAM roles.
"""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper

from ansible_collections.fargate.microservice.plugins.module_utils import _alb_listener_tags
from ansible_collections.fargate.microservice.plugins.module_utils import _alb_target_group
from ansible_collections.fargate.microservice.plugins.module_utils import _cloud_map
from ansible_collections.fargate.microservice.plugins.module_utils import _ecr_image
from ansible_collections.fargate.microservice.plugins.module_utils import _naming
from ansible_collections.fargate.microservice.plugins.module_utils import _service_status
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import is_owned
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import tags_of

# In the order a status screen lists them.
NETWORK_SECTIONS = ("vpc", "subnets", "route_tables", "internet_gateways", "nat_gateways", "eips", "vpc_endpoints",
                    "security_groups")
# The service_discovery topology's resources (issue 12): the Cloud Map namespace, its service redis with the instances
# registered in it, the group D-redis, the Redis task family, the ECS service redis and its running tasks.
DISCOVERY_SECTIONS = ("cloud_map_namespace", "cloud_map_service", "redis_security_group", "redis_task_definition",
                      "redis_service", "redis_tasks")
SECTIONS = NETWORK_SECTIONS + ("load_balancer", "target_group", "listeners", "target_health", "repositories", "cluster",
                               "log_group", "execution_role", "task_definition", "service", "tasks") + DISCOVERY_SECTIONS
# Sections whose items are not resources of their own (no "missing" entries, no ownership check).
OBSERVATIONS = ("target_health", "tasks", "redis_tasks")


@AWSRetry.jittered_backoff()
def _call(client, operation, **kwargs):
    return getattr(client, operation)(**kwargs)


@AWSRetry.jittered_backoff()
def _paginate(client, operation, **kwargs):
    return client.get_paginator(operation).paginate(**kwargs).build_full_result()


def _iso(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _item(kind, name, resource_id, state, **extra):
    item = {"kind": kind, "name": name, "id": resource_id, "state": state}
    item.update({k: _iso(v) for k, v in extra.items()})
    return item


def _route(route):
    """A route of DescribeRouteTables as destination, target (gateway, NAT gateway, endpoint...), origin, state."""
    destination = route.get("DestinationCidrBlock") or route.get("DestinationIpv6CidrBlock") or route.get("DestinationPrefixListId", "")
    target = next((route[key] for key in ("GatewayId", "NatGatewayId", "TransitGatewayId", "VpcPeeringConnectionId",
                                          "NetworkInterfaceId", "InstanceId", "EgressOnlyInternetGatewayId") if route.get(key)), "")
    return {"destination": destination, "cidr": bool(route.get("DestinationCidrBlock")), "target": target,
            "origin": route.get("Origin", ""), "state": route.get("State", "")}


def _rules(permissions):
    """Security group permissions, one rule per source or destination: proto, from_port, to_port, type (cidr, cidr_ipv6,
    group, prefix_list), target and description; sorted, so two groups' rules compare as lists."""
    rules = []
    for p in permissions or []:
        base = {"proto": str(p.get("IpProtocol", "")), "from_port": p.get("FromPort"), "to_port": p.get("ToPort")}
        for key, kind, field in (("IpRanges", "cidr", "CidrIp"), ("Ipv6Ranges", "cidr_ipv6", "CidrIpv6"),
                                 ("UserIdGroupPairs", "group", "GroupId"), ("PrefixListIds", "prefix_list", "PrefixListId")):
            for source in p.get(key) or []:
                rules.append(dict(base, type=kind, target=source.get(field, ""), description=source.get("Description", "")))
    return sorted(rules, key=lambda r: (r["proto"], str(r["from_port"]), str(r["to_port"]), r["type"], r["target"], r["description"]))


def _ingress(permissions):
    """A group's ingress rules, one per protocol and port range, with the groups and CIDRs they admit."""
    return [{"protocol": p.get("IpProtocol"), "from_port": p.get("FromPort"), "to_port": p.get("ToPort"),
             "groups": sorted(g.get("GroupId", "") for g in p.get("UserIdGroupPairs") or []),
             "cidrs": sorted([r.get("CidrIp", "") for r in p.get("IpRanges") or []]
                             + [r.get("CidrIpv6", "") for r in p.get("Ipv6Ranges") or []])}
            for p in permissions or []]


def _deployments(service):
    """A DescribeServices service's deployments, each with its counts and rollout state."""
    return [{"id": d.get("id"), "status": d.get("status"), "task_definition": d.get("taskDefinition", "").rsplit("/", 1)[-1],
             "desired": d.get("desiredCount"), "running": d.get("runningCount"), "pending": d.get("pendingCount"),
             "failed_tasks": d.get("failedTasks", 0), "rollout_state": d.get("rolloutState", ""),
             "rollout_state_reason": d.get("rolloutStateReason", ""), "created": _iso(d.get("createdAt")),
             "updated": _iso(d.get("updatedAt"))}
            for d in service.get("deployments") or []]


def _task_definition_item(kind, r, n):
    images = {c["name"]: c.get("image", "") for c in r.get("containerDefinitions") or []}
    return _item(kind, n, r["taskDefinitionArn"], r.get("status"), revision=r.get("revision"), family=r.get("family"),
                 cpu=r.get("cpu"), memory=r.get("memory"), images=images,
                 image_tags={k: v.rsplit(":", 1)[-1] if ":" in v.rsplit("/", 1)[-1] else "" for k, v in images.items()},
                 registered=r.get("registeredAt"))


def _task_item(kind, t):
    """A DescribeTasks task: status, health, revision, start, stop reason, address and containers."""
    details = [d for a in t.get("attachments") or [] for d in a.get("details") or []]
    address = next((d.get("value", "") for d in details if d.get("name") == "privateIPv4Address"), "")
    return _item(kind, t["taskArn"].rsplit("/", 1)[-1], t["taskArn"], t.get("lastStatus"),
                 desired_status=t.get("desiredStatus"), health=t.get("healthStatus", "UNKNOWN"),
                 task_definition=t.get("taskDefinitionArn", "").rsplit("/", 1)[-1], started=t.get("startedAt"),
                 stopped_reason=t.get("stoppedReason", ""), zone=t.get("availabilityZone", ""), address=address,
                 containers=[{"name": c.get("name"), "status": c.get("lastStatus"), "health": c.get("healthStatus", ""),
                              "exit_code": c.get("exitCode"), "reason": c.get("reason", "")}
                             for c in t.get("containers") or []])


class DeploymentInfo:
    """Collects the requested sections of one deployment.

    ``client_factory(service)`` returns a boto3 client (the module's ``module.client``).
    """

    def __init__(self, client_factory, deployment, include=None, nat_mode="single", zone_count=2,
                 repositories=_naming.DEFAULT_REPOSITORIES, interface_endpoint_services=_naming.DEFAULT_INTERFACE_ENDPOINTS,
                 task_family=_naming.DEFAULT_TASK_FAMILY, service_name=_naming.DEFAULT_SERVICE_NAME,
                 vpc_attributes=False, topology=_naming.DEFAULT_TOPOLOGY, cloud_map_namespace=None, redis_service_name=_naming.REDIS_SERVICE_NAME,
                 redis_task_family=None, target_group_attributes=False, execution_role_policies=False):
        if cloud_map_namespace and not _cloud_map._DNS_NAME.match(cloud_map_namespace):
            raise ValueError(f"cloud_map_namespace {cloud_map_namespace!r} is not a DNS name; use one such as internal-countweb.local.")
        contract = dict(zone_count=zone_count, nat_mode=nat_mode, repositories=list(repositories),
                        interface_endpoints=list(interface_endpoint_services), task_family=task_family,
                        service_name=service_name, namespace=cloud_map_namespace or None,
                        redis_service_name=redis_service_name or _naming.REDIS_SERVICE_NAME,
                        redis_task_family=redis_task_family or None)
        self.names = _naming.deployment_names(deployment, topology=topology, **contract)
        # The DISCOVERY_SECTIONS look these names up in either topology (in sidecar: what a switch left behind).
        self.topology = topology
        self.discovery_names = _naming.deployment_names(deployment, topology="service_discovery", **contract)
        self.deployment = deployment
        # target_group items also carry "settings" (with DescribeTargetGroupAttributes: one more call).
        self.target_group_attributes = bool(target_group_attributes)
        # execution_role items also carry "managed_policies" (with ListAttachedRolePolicies: one more call).
        self.execution_role_policies = bool(execution_role_policies)
        self.include = [s for s in SECTIONS if s in (include or SECTIONS)]
        self._client_factory = client_factory
        self._clients = {}
        self._cache = {}
        self.resources = {}
        self.unowned = []
        self.missing = []
        # Owned resources the sections leave out because AWS still lists them after deletion (VPC endpoints).
        self.deleted = []
        # vpc: also read enableDnsSupport / enableDnsHostnames (two DescribeVpcAttribute calls per VPC).
        self.vpc_attributes = vpc_attributes

    # -- plumbing -------------------------------------------------------------------------------

    def client(self, service):
        if service not in self._clients:
            self._clients[service] = self._client_factory(service)
        return self._clients[service]

    def _once(self, key, compute):
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def _owned(self, tags):
        return is_owned(tags, self.names["ownership_tags"])

    def _sort(self, kind, found, expected, name_of, tags_of_item, make_item):
        """Split raw resources into owned items and unowned decoys; record what is missing."""
        owned = []
        for raw in found:
            tags = tags_of_item(raw)
            name = name_of(raw, tags)
            if self._owned(tags):
                owned.append(make_item(raw, tags, name))
            elif name in expected and _naming.OWNER_TAG_KEY not in tags:
                self.unowned.append(_item(kind, name, make_item(raw, tags, name)["id"], "unowned"))
        owned.sort(key=lambda i: (str(i["name"]), str(i["id"])))
        have = set(i["name"] for i in owned)
        for name in expected:
            if name not in have:
                self.missing.append({"kind": kind, "name": name})
        return owned

    def _sort_exact(self, kind, found, expected, name_of, tags_of_item, make_item):
        """``_sort`` for kinds whose contract name is exact and the deployment's alone (load balancer, target group,
        log group, execution role): one with that name tagged for another deployment is listed under ``unowned`` too
        (state ``owned by <other>``), so a role refuses to adopt it instead of taking it for missing."""
        owned = self._sort(kind, found, expected, name_of, tags_of_item, make_item)
        for raw in found:
            tags = tags_of_item(raw)
            name = name_of(raw, tags)
            owner = (tags or {}).get(_naming.OWNER_TAG_KEY)
            if name in expected and owner is not None and not self._owned(tags):
                self.unowned.append(_item(kind, name, make_item(raw, tags, name)["id"], f"owned by {owner}"))
        return owned

    def _ec2_by_name(self, operation, result_key, **kwargs):
        filters = kwargs.pop("Filters", []) + [{"Name": "tag:Name", "Values": [self.deployment + "-*"]}]
        return _paginate(self.client("ec2"), operation, Filters=filters, **kwargs).get(result_key, [])

    # -- network --------------------------------------------------------------------------------

    def vpc(self):
        found = self._ec2_by_name("describe_vpcs", "Vpcs")
        items = self._sort("vpc", found, [self.names["vpc"]], lambda r, t: t.get("Name"), tags_of,
                           lambda r, t, n: _item("vpc", n, r["VpcId"], r.get("State"), cidr=r.get("CidrBlock"), tags=t,
                                                 cidrs=sorted(a["CidrBlock"] for a in r.get("CidrBlockAssociationSet") or []
                                                              if (a.get("CidrBlockState") or {}).get("State") == "associated")))
        if self.vpc_attributes:
            for item in items:
                for attribute, key in (("enableDnsSupport", "dns_support"), ("enableDnsHostnames", "dns_hostnames")):
                    answer = _call(self.client("ec2"), "describe_vpc_attribute", VpcId=item["id"], Attribute=attribute)
                    item[key] = bool((answer.get(attribute[0].upper() + attribute[1:]) or {}).get("Value"))
        return items

    def subnets(self):
        found = self._ec2_by_name("describe_subnets", "Subnets")
        expected = self.names["subnets"]["public"] + self.names["subnets"]["private"]
        items = self._sort("subnets", found, expected, lambda r, t: t.get("Name"), tags_of,
                           lambda r, t, n: _item("subnets", n, r["SubnetId"], r.get("State"), cidr=r.get("CidrBlock"),
                                                 zone=r.get("AvailabilityZone"), vpc_id=r.get("VpcId"),
                                                 tier=t.get(_naming.TIER_TAG_KEY, ""), tags=t,
                                                 map_public=bool(r.get("MapPublicIpOnLaunch")),
                                                 assign_ipv6=bool(r.get("AssignIpv6AddressOnCreation")),
                                                 ipv6_cidrs=[a["Ipv6CidrBlock"] for a in r.get("Ipv6CidrBlockAssociationSet") or []
                                                             if (a.get("Ipv6CidrBlockState") or {}).get("State")
                                                             in ("associating", "associated")]))
        by_tier = {tier: [i for i in items if i["tier"] == tier] for tier in _naming.TIERS}
        other = [i for i in items if i["tier"] not in _naming.TIERS]
        if other:
            by_tier["untiered"] = other
        return by_tier

    def route_tables(self):
        found = self._ec2_by_name("describe_route_tables", "RouteTables")
        expected = self.names["route_tables"]["public"] + self.names["route_tables"]["private"]

        def make(r, t, n):
            default = [x for x in r.get("Routes") or [] if x.get("DestinationCidrBlock") == "0.0.0.0/0"]
            target = ""
            if default:
                target = default[0].get("GatewayId") or default[0].get("NatGatewayId") or ""
            subnets = sorted(a["SubnetId"] for a in r.get("Associations") or [] if a.get("SubnetId"))
            return _item("route_tables", n, r["RouteTableId"], f"0.0.0.0/0 -> {target}" if target else "no default route",
                         tier=t.get(_naming.TIER_TAG_KEY, ""), subnet_ids=subnets, vpc_id=r.get("VpcId"), tags=t,
                         main=any(a.get("Main") for a in r.get("Associations") or []),
                         routes=[_route(x) for x in r.get("Routes") or []])
        return self._sort("route_tables", found, expected, lambda r, t: t.get("Name"), tags_of, make)

    def internet_gateways(self):
        found = self._ec2_by_name("describe_internet_gateways", "InternetGateways")

        def make(r, t, n):
            attached = [a for a in r.get("Attachments") or [] if a.get("State") in ("available", "attached")]
            return _item("internet_gateways", n, r["InternetGatewayId"],
                         "attached" if attached else "detached", vpc_id=attached[0]["VpcId"] if attached else "", tags=t)
        return self._sort("internet_gateways", found, [self.names["internet_gateway"]], lambda r, t: t.get("Name"),
                          tags_of, make)

    def nat_gateways(self):
        # A deleted NAT gateway stays visible for about an hour; it is gone, not owned.
        found = [r for r in self._ec2_by_name("describe_nat_gateways", "NatGateways") if r.get("State") != "deleted"]

        def make(r, t, n):
            addresses = r.get("NatGatewayAddresses") or [{}]
            return _item("nat_gateways", n, r["NatGatewayId"], r.get("State"), subnet_id=r.get("SubnetId"),
                         public_ip=addresses[0].get("PublicIp", ""), allocation_id=addresses[0].get("AllocationId", ""),
                         vpc_id=r.get("VpcId"), tags=t,
                         network_interface_ids=[a["NetworkInterfaceId"] for a in r.get("NatGatewayAddresses") or []
                                                if a.get("NetworkInterfaceId")])
        return self._sort("nat_gateways", found, self.names["nat_gateways"], lambda r, t: t.get("Name"), tags_of, make)

    def eips(self):
        # DescribeAddresses has no paginator: it answers every match at once.
        found = _call(self.client("ec2"), "describe_addresses",
                      Filters=[{"Name": "tag:Name", "Values": [self.deployment + "-*"]}]).get("Addresses", [])
        return self._sort("eips", found, self.names["eips"], lambda r, t: t.get("Name"), tags_of,
                          lambda r, t, n: _item("eips", n, r["AllocationId"],
                                                "associated" if r.get("AssociationId") else "unassociated",
                                                public_ip=r.get("PublicIp"), allocation_id=r["AllocationId"],
                                                association_id=r.get("AssociationId", ""), tags=t))

    def vpc_endpoints(self):
        def make(r, t, n):
            return _item("vpc_endpoints", n, r["VpcEndpointId"], r.get("State"), service=r.get("ServiceName"),
                         type=r.get("VpcEndpointType"), vpc_id=r.get("VpcId"), tags=t,
                         private_dns_enabled=r.get("PrivateDnsEnabled"),
                         subnet_ids=sorted(r.get("SubnetIds") or []), route_table_ids=sorted(r.get("RouteTableIds") or []),
                         security_group_ids=sorted(g["GroupId"] for g in r.get("Groups") or [] if g.get("GroupId")),
                         network_interface_ids=list(r.get("NetworkInterfaceIds") or []))
        every = self._ec2_by_name("describe_vpc_endpoints", "VpcEndpoints")
        gone = ("deleted", "deleting")
        # AWS lists deleted endpoints for a while (the emulator keeps them): not owned, but reported under `deleted`.
        for r in every:
            tags = tags_of(r)
            if str(r.get("State", "")).lower() in gone and self._owned(tags):
                self.deleted.append(make(r, tags, tags.get("Name")))
        found = [r for r in every if str(r.get("State", "")).lower() not in gone]
        return self._sort("vpc_endpoints", found, list(self.names["vpc_endpoints"].values()), lambda r, t: t.get("Name"),
                          tags_of, make)

    def _groups(self):
        """Every group of a name the contract knows, whatever the NAT mode and topology (D-redis too), in one
        DescribeSecurityGroups for the security_groups and redis_security_group sections."""
        def compute():
            expected = list(self.names["security_groups"].values())
            every = _naming.deployment_names(self.deployment, nat_mode="none", topology="service_discovery")["security_groups"]
            names = expected + sorted(set(every.values()) - set(expected))
            return _paginate(self.client("ec2"), "describe_security_groups",
                             Filters=[{"Name": "group-name", "Values": names}]).get("SecurityGroups", [])
        return self._once("groups", compute)

    def security_groups(self):
        # Missing: only the groups of this NAT mode and topology; found: every group of a name the contract knows
        # (_groups), so a group another mode left (D-endpoints) is reported as owned and a mode switch and the
        # teardown find it.
        expected = list(self.names["security_groups"].values())
        found = self._groups()
        return self._sort("security_groups", found, expected, lambda r, t: r.get("GroupName"), tags_of,
                          lambda r, t, n: _item("security_groups", n, r["GroupId"],
                                                f"{len(r.get('IpPermissions') or [])} ingress rule(s)", vpc_id=r.get("VpcId"),
                                                description=r.get("Description", ""), tags=t,
                                                ingress=_rules(r.get("IpPermissions")),
                                                egress=_rules(r.get("IpPermissionsEgress"))))

    # -- load balancer ----------------------------------------------------------------------------

    def _elb(self):
        """The load balancer, the target group and the load balancer's listeners with their tags (one DescribeTags for
        all of them: the listeners are described before their load balancer's ownership is known)."""
        def compute():
            elb = self.client("elbv2")
            # Only the kinds asked for: a role that needs the target group alone does not pay for the load balancer.
            lbs, tgs, listeners = [], [], {}
            if set(self.include) & {"load_balancer", "listeners"}:
                try:
                    lbs = _paginate(elb, "describe_load_balancers", Names=[self.names["load_balancer"]])["LoadBalancers"]
                except is_boto3_error_code("LoadBalancerNotFound"):
                    lbs = []
            if set(self.include) & {"target_group", "target_health"}:
                try:
                    tgs = _paginate(elb, "describe_target_groups", Names=[self.names["target_group"]])["TargetGroups"]
                except is_boto3_error_code("TargetGroupNotFound"):
                    tgs = []
            if "listeners" in self.include:
                for lb in lbs:
                    found = _paginate(elb, "describe_listeners", LoadBalancerArn=lb["LoadBalancerArn"])
                    listeners[lb["LoadBalancerArn"]] = found.get("Listeners", [])
            arns = ([x["LoadBalancerArn"] for x in lbs] + [x["TargetGroupArn"] for x in tgs]
                    + [r["ListenerArn"] for found in listeners.values() for r in found])
            tags = {}
            for batch in _alb_listener_tags.chunks(arns):
                for d in _call(elb, "describe_tags", ResourceArns=batch).get("TagDescriptions", []):
                    tags[d["ResourceArn"]] = tags_of(d)
            return lbs, tgs, tags, listeners
        return self._once("elb", compute)

    def _owned_lb(self):
        lbs, _tgs, tags, _listeners = self._elb()
        return [x for x in lbs if self._owned(tags.get(x["LoadBalancerArn"]))]

    def _owned_tg(self):
        _lbs, tgs, tags, _listeners = self._elb()
        return [x for x in tgs if self._owned(tags.get(x["TargetGroupArn"]))]

    def load_balancer(self):
        lbs, _tgs, tags, _listeners = self._elb()
        return self._sort_exact("load_balancer", lbs, [self.names["load_balancer"]], lambda r, t: r["LoadBalancerName"],
                                lambda r: tags.get(r["LoadBalancerArn"], {}),
                                lambda r, t, n: _item("load_balancer", n, r["LoadBalancerArn"], (r.get("State") or {}).get("Code"),
                                                      dns_name=r.get("DNSName"), scheme=r.get("Scheme"),
                                                      created=r.get("CreatedTime"), vpc_id=r.get("VpcId"), tags=dict(t),
                                                      security_group_ids=sorted(r.get("SecurityGroups") or []),
                                                      subnet_ids=sorted(z["SubnetId"] for z in r.get("AvailabilityZones") or []
                                                                        if z.get("SubnetId"))))

    def target_group(self):
        _lbs, tgs, tags, _listeners = self._elb()
        if self.target_group_attributes:
            for r in tgs:
                if self._owned(tags.get(r["TargetGroupArn"])):
                    found = _call(self.client("elbv2"), "describe_target_group_attributes", TargetGroupArn=r["TargetGroupArn"])
                    r["_attributes"] = {a["Key"]: a["Value"] for a in found.get("Attributes", [])}

        def settings(r, t):
            # In fargate.microservice.alb_target_group's option names (its read_target_group), for its plan_update.
            if "_attributes" not in r:
                return None
            state = {option: r.get(field) for option, field in list(_alb_target_group.IMMUTABLE_FIELDS.items())
                     + list(_alb_target_group.HEALTH_FIELDS.items())}
            state.update(target_group_name=r["TargetGroupName"], target_group_arn=r["TargetGroupArn"],
                         load_balancer_arns=r.get("LoadBalancerArns", []), tags=dict(t),
                         matcher=_alb_target_group.normalize_matcher((r.get("Matcher") or {}).get("HttpCode", "200")),
                         deregistration_delay=int(r["_attributes"].get(_alb_target_group.DEREGISTRATION_KEY, 300)))
            return state
        return self._sort_exact("target_group", tgs, [self.names["target_group"]], lambda r, t: r["TargetGroupName"],
                                lambda r: tags.get(r["TargetGroupArn"], {}),
                                lambda r, t, n: _item("target_group", n, r["TargetGroupArn"],
                                                      f"{len(r.get('LoadBalancerArns') or [])} load balancer(s)",
                                                      protocol=r.get("Protocol"), port=r.get("Port"),
                                                      target_type=r.get("TargetType"), health_check_path=r.get("HealthCheckPath"),
                                                      vpc_id=r.get("VpcId"),
                                                      load_balancer_arns=list(r.get("LoadBalancerArns") or []),
                                                      tags=dict(t), settings=settings(r, t)))

    def listeners(self):
        """The owned load balancer's listeners, each with its tags and ``owned`` (it carries the ownership tag; one
        without any, as amazon.aws.elb_application_lb creates it, is ours by its load balancer and listed with
        ``owned: false``). One tagged for another deployment is listed under ``unowned`` (``owned by <other>``)."""
        _lbs, _tgs, tags, listeners = self._elb()
        ownership = self.names["ownership_tags"]
        items = []
        for lb in self._owned_lb():
            found = listeners.get(lb["LoadBalancerArn"], [])
            ours = 0
            for r in found:
                action = (r.get("DefaultActions") or [{}])[0]
                # arn:...:targetgroup/<name>/<id> -> "forward <name>"; a redirect says where to.
                target = action.get("TargetGroupArn", "").split("/")[-2:-1]
                if action.get("RedirectConfig"):
                    target = [f"{action['RedirectConfig'].get('Protocol', '')}:{action['RedirectConfig'].get('Port', '')}"]
                name, listener_tags = f"{r.get('Protocol')}:{r.get('Port')}", tags.get(r["ListenerArn"], {})
                owner = _alb_listener_tags.listener_owner(listener_tags, ownership)
                if owner == "foreign":
                    self.unowned.append(_item("listeners", name, r["ListenerArn"],
                                              f"owned by {listener_tags.get(_naming.OWNER_TAG_KEY)}",
                                              load_balancer_arn=lb["LoadBalancerArn"], tags=dict(listener_tags)))
                    continue
                ours += 1
                # "listener": the DescribeListeners fields amazon.aws's listener comparison reads (elbv2._group_listeners).
                items.append(_item("listeners", name, r["ListenerArn"], " ".join([action.get("Type", "")] + target).strip(),
                                   protocol=r.get("Protocol"), port=r.get("Port"), load_balancer_arn=lb["LoadBalancerArn"],
                                   tags=dict(listener_tags), owned=owner == "owned",
                                   listener={k: r[k] for k in ("ListenerArn", "Port", "Protocol", "SslPolicy", "Certificates",
                                                               "DefaultActions", "AlpnPolicy") if k in r}))
            if not ours:
                self.missing.append({"kind": "listeners", "name": f"a listener on {lb['LoadBalancerName']}"})
        return sorted(items, key=lambda i: i["port"] or 0)

    def target_health(self):
        items = []
        for tg in self._owned_tg():
            found = _call(self.client("elbv2"), "describe_target_health", TargetGroupArn=tg["TargetGroupArn"])
            for d in found.get("TargetHealthDescriptions", []):
                target, health = d.get("Target") or {}, d.get("TargetHealth") or {}
                items.append(_item("target_health", f"{target.get('Id')}:{target.get('Port')}", target.get("Id"),
                                   health.get("State"), port=target.get("Port"), reason=health.get("Reason", ""),
                                   description=health.get("Description", "")))
        return items

    # -- containers -------------------------------------------------------------------------------

    def repositories(self):
        ecr = self.client("ecr")
        expected = list(self.names["repositories"].values())
        # One DescribeRepositories for both; each alone only on a partial stack (the ecr_image module's reading).
        found = list(_ecr_image.read_repositories(ecr, expected).values())
        for r in found:
            r["_tags"] = tags_of(_call(ecr, "list_tags_for_resource", resourceArn=r["repositoryArn"]), "tags")
        return self._sort("repositories", found, expected, lambda r, t: r["repositoryName"], lambda r: r["_tags"],
                          lambda r, t, n: _item("repositories", n, r["repositoryArn"], "present", uri=r.get("repositoryUri"),
                                                tag_mutability=r.get("imageTagMutability")))

    def _cluster(self):
        def compute():
            found = _call(self.client("ecs"), "describe_clusters", clusters=[self.names["cluster"]], include=["TAGS"])
            return [c for c in found.get("clusters", []) if c.get("status") != "INACTIVE"]
        return self._once("cluster", compute)

    def cluster(self):
        return self._sort("cluster", self._cluster(), [self.names["cluster"]], lambda r, t: r["clusterName"],
                          lambda r: tags_of(r, "tags"),
                          lambda r, t, n: _item("cluster", n, r["clusterArn"], r.get("status"),
                                                running_tasks=r.get("runningTasksCount"), pending_tasks=r.get("pendingTasksCount"),
                                                active_services=r.get("activeServicesCount"),
                                                capacity_providers=r.get("capacityProviders") or []))

    def log_group(self):
        logs = self.client("logs")
        name = self.names["log_group"]
        found = [g for g in _paginate(logs, "describe_log_groups", logGroupNamePrefix=name).get("logGroups", [])
                 if g["logGroupName"] == name]
        for g in found:
            # ListTagsForResource takes the ARN without DescribeLogGroups' trailing ":*" (logGroupArn where given).
            arn = g.get("logGroupArn") or g["arn"].rstrip("*").rstrip(":")
            g["_tags"] = _call(logs, "list_tags_for_resource", resourceArn=arn).get("tags", {})
        return self._sort_exact("log_group", found, [name], lambda r, t: r["logGroupName"], lambda r: r["_tags"],
                                lambda r, t, n: _item("log_group", n, r["arn"].rstrip("*").rstrip(":"),
                                                      f"retention {r['retentionInDays']} days" if r.get("retentionInDays")
                                                      else "never expires", retention_days=r.get("retentionInDays"),
                                                      stored_bytes=r.get("storedBytes"), tags=dict(r["_tags"])))

    def execution_role(self):
        name = self.names["execution_role"]
        try:
            found = [_call(self.client("iam"), "get_role", RoleName=name)["Role"]]
        except is_boto3_error_code("NoSuchEntity"):
            found = []
        policies = {}
        if self.execution_role_policies:
            for r in found:
                if self._owned(tags_of(r)):
                    attached = _paginate(self.client("iam"), "list_attached_role_policies", RoleName=name)
                    policies[r["RoleName"]] = sorted(p["PolicyArn"] for p in attached.get("AttachedPolicies", []))
        # The partition of the role's ARN is the account's (arn:<partition>:iam::...), so a role that exists spares the
        # ecs_cluster role its sts:GetCallerIdentity.
        return self._sort_exact("execution_role", found, [name], lambda r, t: r["RoleName"], tags_of,
                                lambda r, t, n: _item("execution_role", n, r["Arn"], "present", created=r.get("CreateDate"),
                                                      partition=r["Arn"].split(":")[1],
                                                      description=r.get("Description", ""),
                                                      tags=tags_of(r), assume_role_policy=r.get("AssumeRolePolicyDocument"),
                                                      managed_policies=policies.get(r["RoleName"])))

    def _services(self):
        """The ACTIVE ECS services of the sections asked for, web's and Redis's in one DescribeServices call."""
        def compute():
            # No DescribeClusters first: a missing cluster is ClusterNotFoundException (below), an INACTIVE one's
            # services are not ACTIVE.
            names = []
            if {"service", "task_definition", "tasks"} & set(self.include):
                names.append(self.names["service"])
            if {"redis_service", "redis_task_definition", "redis_tasks"} & set(self.include):
                names.append(self.discovery_names["redis_service"])
            if not names:
                return []
            try:
                found = _call(self.client("ecs"), "describe_services", cluster=self.names["cluster"],
                              services=list(dict.fromkeys(names)), include=["TAGS"])
            except is_boto3_error_code("ClusterNotFoundException"):
                return []
            return [s for s in found.get("services", []) if s.get("status") == "ACTIVE"]
        return self._once("services", compute)

    def _service(self):
        return [s for s in self._services() if s.get("serviceName") == self.names["service"]]

    def _owned_service(self):
        return [s for s in self._service() if self._owned(tags_of(s, "tags"))]

    def service(self):
        def make(r, t, n):
            return _item("service", n, r["serviceArn"], r.get("status"), desired=r.get("desiredCount"),
                         running=r.get("runningCount"), pending=r.get("pendingCount"),
                         task_definition=r.get("taskDefinition", "").rsplit("/", 1)[-1], deployments=_deployments(r),
                         launch_type=r.get("launchType", ""))
        return self._sort("service", self._service(), [self.names["service"]], lambda r, t: r["serviceName"],
                          lambda r: tags_of(r, "tags"), make)

    def _task_definitions(self, owned_service, family):
        """The owned service's task definition, or (without one) ``family``'s newest ACTIVE revision, as a list."""
        try:
            found = _call(self.client("ecs"), "describe_task_definition",
                          taskDefinition=owned_service[0]["taskDefinition"] if owned_service else family, include=["TAGS"])
            found_list = [dict(found["taskDefinition"], tags=found.get("tags") or [])]
        except is_boto3_error_code("ClientException"):
            found_list = []
        return [t for t in found_list if t.get("status") == "ACTIVE" or owned_service]

    def _service_tasks(self, kind, owned_service, service_name):
        """The RUNNING tasks of the owned ECS service ``service_name`` (none without it), oldest first."""
        if not owned_service:
            return []
        ecs = self.client("ecs")
        cluster = self.names["cluster"]
        arns = _paginate(ecs, "list_tasks", cluster=cluster, serviceName=service_name, desiredStatus="RUNNING").get("taskArns", [])
        items = []
        for start in range(0, len(arns), 100):  # DescribeTasks takes at most 100
            for t in _call(ecs, "describe_tasks", cluster=cluster, tasks=arns[start:start + 100]).get("tasks", []):
                items.append(_task_item(kind, t))
        return sorted(items, key=lambda i: str(i["started"] or ""))

    def task_definition(self):
        """The service's task definition, or (without a service) the family's newest ACTIVE revision."""
        family = self.names["task_family"]
        return self._sort("task_definition", self._task_definitions(self._owned_service(), family), [family],
                          lambda r, t: r["family"], lambda r: tags_of(r, "tags"),
                          lambda r, t, n: _task_definition_item("task_definition", r, n))

    def tasks(self):
        return self._service_tasks("tasks", self._owned_service(), self.names["service"])

    # -- service_discovery topology (issue 12) ----------------------------------------------------
    # Looked up by the service_discovery names in either topology; expected (else missing) only in service_discovery.

    def _discovery_expected(self, name):
        return [name] if self.topology == "service_discovery" and name else []

    def _discovery_sort(self, kind, found, name, name_of, tags_of_item, make_item):
        """_sort for one name that is a contract name in either topology (a same-named resource without the ownership
        tag is unowned even in sidecar), but missing only in service_discovery."""
        owned = self._sort(kind, found, [name], name_of, tags_of_item, make_item)
        if not self._discovery_expected(name):
            self.missing = [m for m in self.missing if (m["kind"], m["name"]) != (kind, name)]
        return owned

    def _servicediscovery(self):
        """The servicediscovery client the _cloud_map functions take (every call with aws_retry=True)."""
        def compute():
            client = self.client("servicediscovery")
            if isinstance(client, RetryingBotoClientWrapper):
                return client
            return RetryingBotoClientWrapper(client, AWSRetry.jittered_backoff())
        return self._once("servicediscovery", compute)

    def _namespaces(self):
        """Every private DNS namespace of the topology's name, each as (namespace, tags)."""
        return self._once("cloud_map_namespaces", lambda: _cloud_map.find_namespaces(
            self._servicediscovery(), self.discovery_names["cloud_map_namespace"]))

    def cloud_map_namespace(self):
        found = [dict(ns, _tags=tags) for ns, tags in self._namespaces()]

        def make(r, t, n):
            view = _cloud_map._namespace_view(r, t)
            return _item("cloud_map_namespace", n, view["id"],
                         f"hosted zone {view['hosted_zone_id']}" if view["hosted_zone_id"] else "no hosted zone",
                         arn=view["arn"], type=view["type"], hosted_zone_id=view["hosted_zone_id"] or "")
        return self._discovery_sort("cloud_map_namespace", found, self.discovery_names["cloud_map_namespace"],
                                    lambda r, t: r.get("Name"), lambda r: r["_tags"], make)

    def cloud_map_service(self):
        """The Cloud Map service redis in the owned namespace, with the instances registered in it and their health."""
        name = self.discovery_names["cloud_map_service"]
        sd = self._servicediscovery()
        found = []
        for namespace, tags in self._namespaces():
            if self._owned(tags):
                found += [dict(service, _tags=service_tags, _namespace=namespace["Name"])
                          for service, service_tags in _cloud_map.find_services(sd, namespace["Id"], name)]

        def make(r, t, n):
            view = _cloud_map._service_view(r, t)
            # Only an owned service's instances are read (an unowned one is only named).
            instances = _cloud_map.service_instances(sd, r) if self._owned(t) else []
            return _item("cloud_map_service", n, view["id"], f"{len(instances)} instance(s) registered", arn=view["arn"],
                         namespace_id=view["namespace_id"], dns_name=f"{n}.{r['_namespace']}",
                         dns_records=view["dns_records"], custom_health_check=view["custom_health_check"],
                         instances=[{k: v for k, v in i.items() if k != "attributes"} for i in instances],
                         healthy=sum(1 for i in instances if i["health"] == "HEALTHY"))
        return self._discovery_sort("cloud_map_service", found, name, lambda r, t: r.get("Name"), lambda r: r["_tags"], make)

    def redis_security_group(self):
        """D-redis with its ingress rules; an unowned one says in which VPC it is (the cloud_map role refuses it there)."""
        name = self.discovery_names["security_groups"]["redis"]
        found = [r for r in self._groups() if r.get("GroupName") == name]
        items = self._discovery_sort(
            "redis_security_group", found, name, lambda r, t: r.get("GroupName"), tags_of,
            lambda r, t, n: _item("redis_security_group", n, r["GroupId"],
                                  f"{len(r.get('IpPermissions') or [])} ingress rule(s)", vpc_id=r.get("VpcId"),
                                  ingress=_ingress(r.get("IpPermissions"))))
        vpcs = {r["GroupId"]: r.get("VpcId") for r in found}
        for entry in self.unowned:
            if entry["kind"] == "redis_security_group":
                entry["vpc_id"] = vpcs.get(entry["id"], "")
        # The security_groups section lists D-redis as missing already when it is asked for too (service_discovery).
        if "security_groups" in self.include and name in self.names["security_groups"].values():
            self.missing = [m for m in self.missing if (m["kind"], m["name"]) != ("redis_security_group", name)]
        return items

    def _redis_service(self):
        return [s for s in self._services() if s.get("serviceName") == self.discovery_names["redis_service"]]

    def _owned_redis_service(self):
        return [s for s in self._redis_service() if self._owned(tags_of(s, "tags"))]

    def redis_service(self):
        def make(r, t, n):
            net = (r.get("networkConfiguration") or {}).get("awsvpcConfiguration") or {}
            return _item("redis_service", n, r["serviceArn"], r.get("status"), desired=r.get("desiredCount"),
                         running=r.get("runningCount"), pending=r.get("pendingCount"),
                         task_definition=r.get("taskDefinition", "").rsplit("/", 1)[-1],
                         rollout_state=_service_status.rollout_state(r), deployments=_deployments(r),
                         launch_type=r.get("launchType", ""),
                         registries=[x.get("registryArn", "") for x in r.get("serviceRegistries") or []],
                         subnet_ids=sorted(net.get("subnets") or []), security_group_ids=sorted(net.get("securityGroups") or []),
                         assign_public_ip=net.get("assignPublicIp", "DISABLED"),
                         load_balancers=len(r.get("loadBalancers") or []))
        return self._discovery_sort("redis_service", self._redis_service(), self.discovery_names["redis_service"],
                                    lambda r, t: r["serviceName"], lambda r: tags_of(r, "tags"), make)

    def redis_task_definition(self):
        """The redis service's task definition, or (without one) the Redis family's newest ACTIVE revision."""
        family = self.discovery_names["redis_task_family"]
        return self._discovery_sort("redis_task_definition", self._task_definitions(self._owned_redis_service(), family),
                                    family, lambda r, t: r["family"],
                                    lambda r: tags_of(r, "tags"), lambda r, t, n: _task_definition_item("redis_task_definition", r, n))

    def redis_tasks(self):
        return self._service_tasks("redis_tasks", self._owned_redis_service(), self.discovery_names["redis_service"])

    # -- all of it --------------------------------------------------------------------------------

    def collect(self):
        for section in self.include:
            self.resources[section] = getattr(self, section)()
        owned = []
        seen = set()
        for section in self.include:
            if section in OBSERVATIONS:
                continue
            value = self.resources[section]
            for item in (sum(value.values(), []) if isinstance(value, dict) else value):
                # One resource that two sections show (D-redis: security_groups and redis_security_group) counts once.
                if item["id"] not in seen:
                    seen.add(item["id"])
                    owned.append(item)
        unowned = {}
        for item in self.unowned:  # the same: once, with the fields of every section that saw it
            unowned.setdefault(item["id"], {}).update(item)
        return {
            "deployment": self.deployment,
            "include": list(self.include),
            "names": self.names,
            "resources": self.resources,
            "owned": owned,
            "unowned": sorted(unowned.values(), key=lambda i: (i["kind"], i["name"])),
            "missing": self.missing,
            "complete": not self.missing,
            "deleted": self.deleted,
        }
