# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the cost estimate, against figures worked out by hand in the comments.

The hand calculations use the us-east-1 prices in US_EAST_1 (the price list's, checked by
test_price_list_us_east_1_is_the_hand_calculations_one) and the defaults of every role:
2 tasks of 256 CPU units (0.25 vCPU) and 512 MiB (0.5 GB), 2 zones, 3 interface endpoint services,
30 days of log retention, and the cost role's traffic defaults (NAT 5 GB, endpoints 2 GB, ALB 10 GB,
1 new connection/s, 60 active connections/min, 1 GB of logs, 0.5 GB in ECR) in a 730-hour month.
"""

from __future__ import annotations

import copy
import os

import pytest
import yaml

from ansible_collections.fargate.microservice.plugins.filter.cost import FilterModule, cost_estimate
from ansible_collections.fargate.microservice.plugins.module_utils._cost import (
    PRICE_KEYS,
    CostError,
    estimate,
    spot_tasks,
)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))

US_EAST_1 = {
    "nat_gateway_hour": 0.045,
    "nat_gateway_gb": 0.045,
    "alb_hour": 0.0225,
    "alb_lcu_hour": 0.008,
    "fargate_vcpu_hour_x86": 0.04048,
    "fargate_gb_hour_x86": 0.004445,
    "fargate_vcpu_hour_arm": 0.03238,
    "fargate_gb_hour_arm": 0.00356,
    "fargate_spot_vcpu_hour_x86": 0.01264355,
    "fargate_spot_gb_hour_x86": 0.00138835,
    "fargate_ephemeral_gb_hour": 0.000111,
    "public_ipv4_hour": 0.005,
    "interface_endpoint_hour": 0.01,
    "interface_endpoint_gb": 0.01,
    "logs_ingest_gb": 0.50,
    "logs_storage_gb_month": 0.03,
    "ecr_storage_gb_month": 0.10,
    "cloud_map_resource_month": 0.10,
    "route53_hosted_zone_month": 0.50,
}
PRICES = {"read_on": "2026-12-01", "regions": {"us-east-1": US_EAST_1, "eu-central-1": {"fargate_vcpu_hour_x86": 0.04656}}}

DEFAULTS = {
    "microservice_aws_region": "us-east-1",
    "microservice_topology": "sidecar",
    "network_nat_mode": "single",
    "network_zones": 2,
    "network_interface_endpoint_services": ["ecr.api", "ecr.dkr", "logs"],
    "task_cpu": 256,
    "task_memory": 512,
    "task_cpu_architecture": "X86_64",
    "task_ephemeral_storage": 0,
    "service_desired_count": 2,
    "service_autoscaling": False,
    "service_autoscaling_min": 2,
    "service_autoscaling_max": 4,
    "service_capacity_provider_strategy": [],
    "ecs_cluster_log_retention_days": 30,
    "alb_scheme": "internet-facing",
    "cost_prices": {},
    "cost_hours_per_month": 730,
    "cost_nat_processed_gb_month": 5,
    "cost_endpoint_processed_gb_month": 2,
    "cost_alb_processed_gb_month": 10,
    "cost_alb_new_connections_per_second": 1,
    "cost_alb_active_connections_per_minute": 60,
    "cost_log_ingested_gb_month": 1,
    "cost_ecr_stored_gb": 0.5,
    "cost_cloud_map_instances": 0,
}

# Hand calculation, defaults, network_nat_mode single (USD per month):
#   NAT gateways        1 x 0.045/h x 730                  = 32.85
#   NAT data            5 GB x 0.045                       =  0.225
#   ALB                 0.0225/h x 730                     = 16.425
#   LCUs                max(10/730, 1/25, 60/3000) = 0.04 LCU x 0.008/h x 730 = 0.2336
#   Fargate vCPU        2 x 0.25 = 0.5 vCPU x 0.04048/h x 730  = 14.7752
#   Fargate memory      2 x 0.5 = 1 GB x 0.004445/h x 730      =  3.24485
#   public IPv4         (2 ALB zones + 1 NAT) x 0.005/h x 730  = 10.95
#   logs ingestion      1 GB x 0.50                        =  0.50
#   logs storage        1 GB x (30 days x 24 / 730) = 0.98630 GB x 0.03 = 0.029589
#   ECR                 0.5 GB x 0.10                      =  0.05
#   total                                                  = 79.283239  (/730 = 0.108607 per hour)
SINGLE = {
    "nat_gateway_hours": 32.85, "nat_gateway_data": 0.225, "alb_hours": 16.425, "alb_lcus": 0.2336,
    "fargate_vcpu": 14.7752, "fargate_memory": 3.24485, "public_ipv4": 10.95, "logs_ingestion": 0.5,
    "logs_storage": 0.0295890, "ecr_storage": 0.05,
}
SINGLE_TOTAL = 79.283239
# per_az: 2 NAT gateways (+32.85) and 4 public IPv4 (+1 x 0.005 x 730 = +3.65)  -> 115.783239
# none:   no NAT (-32.85 - 0.225), 2 public IPv4 (-3.65), 3 services x 2 zones = 6 endpoints
#         x 0.01/h x 730 = +43.80, 2 GB x 0.01 = +0.02                          ->  86.378239
MODE_TOTALS = {"single": SINGLE_TOTAL, "per_az": 115.783239, "none": 86.378239}


def inputs(**changes):
    result = copy.deepcopy(DEFAULTS)
    result.update(changes)
    return result


def monthly(report, mode=None):
    return {line["item"]: line["monthly"] for line in report["modes"][mode or report["nat_mode"]]["lines"]}


def test_price_list_us_east_1_is_the_hand_calculations_one():
    with open(os.path.join(ROOT, "roles", "cost", "vars", "prices.yml"), encoding="utf-8") as handle:
        price_list = yaml.safe_load(handle)["__cost_price_list"]
    assert price_list["regions"]["us-east-1"] == US_EAST_1


def _price_list():
    with open(os.path.join(ROOT, "roles", "cost", "vars", "prices.yml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)["__cost_price_list"]


def test_price_list_says_when_and_where_each_region_was_read():
    price_list = _price_list()
    assert set(price_list["region_sources"]) == set(price_list["regions"])
    for region, read in price_list["region_sources"].items():
        assert read["read_on"] == price_list["read_on"], region
        assert read["sources"] and all(url.startswith("https://") for url in read["sources"]), region


def test_price_list_covers_four_regions_with_every_price_named():
    with open(os.path.join(ROOT, "roles", "cost", "vars", "prices.yml"), encoding="utf-8") as handle:
        price_list = yaml.safe_load(handle)["__cost_price_list"]
    assert price_list["read_on"] and price_list["currency"] == "USD"
    assert set(price_list["sources"]) >= {"nat_gateway", "alb", "fargate", "public_ipv4", "privatelink", "cloudwatch_logs", "ecr"}
    assert len(price_list["regions"]) >= 4 and "us-east-1" in price_list["regions"]
    for region, prices in price_list["regions"].items():
        assert tuple(prices) == PRICE_KEYS, region
        assert all(value is None or value >= 0 for value in prices.values()), region


def test_defaults_single_line_by_line():
    report = estimate(inputs(), PRICES)
    lines = monthly(report)
    for item, expected in SINGLE.items():
        assert lines[item] == pytest.approx(expected, abs=1e-6), item
    assert {item for item, value in lines.items() if value} == set(SINGLE)
    assert report["monthly"] == pytest.approx(SINGLE_TOTAL, abs=1e-6)
    assert report["hourly"] == pytest.approx(SINGLE_TOTAL / 730, abs=1e-8)


@pytest.mark.parametrize("mode", ["single", "per_az", "none"])
def test_every_nat_mode_side_by_side(mode):
    report = estimate(inputs(network_nat_mode=mode), PRICES)
    assert report["nat_mode"] == mode
    for each, total in MODE_TOTALS.items():
        assert report["modes"][each]["monthly"] == pytest.approx(total, abs=1e-6), each
    assert report["monthly"] == pytest.approx(MODE_TOTALS[mode], abs=1e-6)


def test_none_mode_lines():
    lines = monthly(estimate(inputs(network_nat_mode="none"), PRICES))
    assert lines["nat_gateway_hours"] == 0 and lines["nat_gateway_data"] == 0
    assert lines["interface_endpoints"] == pytest.approx(43.80)
    assert lines["interface_endpoint_data"] == pytest.approx(0.02)
    assert lines["public_ipv4"] == pytest.approx(7.30)


def test_arm():
    # vCPU 0.5 x 0.03238 x 730 = 11.8187; memory 1 GB x 0.00356 x 730 = 2.5988;
    # total 79.283239 - (14.7752 + 3.24485) + (11.8187 + 2.5988) = 75.680689
    report = estimate(inputs(task_cpu_architecture="ARM64"), PRICES)
    lines = monthly(report)
    assert lines["fargate_vcpu"] == pytest.approx(11.8187)
    assert lines["fargate_memory"] == pytest.approx(2.5988)
    assert report["monthly"] == pytest.approx(75.680689, abs=1e-6)


@pytest.mark.parametrize(
    "strategy, tasks, expected",
    [
        ([{"capacity_provider": "FARGATE", "weight": 1, "base": 0}], 2, 0.0),
        ([{"capacity_provider": "FARGATE_SPOT", "weight": 1}], 2, 2.0),
        # base 1 on FARGATE, the other 2 split 1:3 -> 0.5 on FARGATE, 1.5 on Spot
        ([{"capacity_provider": "FARGATE", "weight": 1, "base": 1}, {"capacity_provider": "FARGATE_SPOT", "weight": 3}], 3, 1.5),
        # base 2 on Spot first, the other 2 split 1:1
        ([{"capacity_provider": "FARGATE", "weight": 1}, {"capacity_provider": "FARGATE_SPOT", "weight": 1, "base": 2}], 4, 3.0),
        # the base is larger than the count: all on the base's provider
        ([{"capacity_provider": "FARGATE", "weight": 1, "base": 5}, {"capacity_provider": "FARGATE_SPOT", "weight": 9}], 2, 0.0),
        ([{"capacity_provider": "FARGATE", "weight": 0}, {"capacity_provider": "FARGATE_SPOT", "weight": 1}], 2, 2.0),
        # no strategy: the service role's launch type FARGATE, all on-demand
        ([], 2, 0.0),
        (None, 2, 0.0),
    ],
)
def test_spot_share(strategy, tasks, expected):
    assert spot_tasks(strategy, tasks) == pytest.approx(expected)


def test_spot_lines():
    # 3 tasks, 1.5 on-demand and 1.5 on Spot (see test_spot_share):
    #   on-demand vCPU 1.5 x 0.25 = 0.375 x 0.04048 x 730 = 11.0814
    #   on-demand memory 0.75 GB x 0.004445 x 730 = 2.4336375
    #   Spot vCPU 0.375 x 0.01264355 x 730 = 3.461171813
    #   Spot memory 0.75 x 0.00138835 x 730 = 0.760121625
    strategy = [{"capacity_provider": "FARGATE", "weight": 1, "base": 1}, {"capacity_provider": "FARGATE_SPOT", "weight": 3}]
    report = estimate(inputs(service_desired_count=3, service_capacity_provider_strategy=strategy), PRICES)
    lines = monthly(report)
    assert report["spot_tasks"] == pytest.approx(1.5)
    assert lines["fargate_vcpu"] == pytest.approx(11.0814)
    assert lines["fargate_memory"] == pytest.approx(2.4336375)
    assert lines["fargate_spot_vcpu"] == pytest.approx(3.461171813)
    assert lines["fargate_spot_memory"] == pytest.approx(0.760121625)
    assert any("Spot prices change" in row for row in report["table"])


def test_override_one_price():
    # NAT 1 x 0.05 x 730 = 36.50 instead of 32.85: 79.283239 + 3.65 = 82.933239; per_az +7.30
    report = estimate(inputs(cost_prices={"nat_gateway_hour": 0.05}), PRICES)
    assert monthly(report)["nat_gateway_hours"] == pytest.approx(36.50)
    assert report["monthly"] == pytest.approx(82.933239, abs=1e-6)
    assert report["modes"]["per_az"]["monthly"] == pytest.approx(115.783239 + 7.30, abs=1e-6)
    assert report["overridden_prices"] == ["nat_gateway_hour"]


def test_cloud_map_instances_registered_outside_ecs_and_an_override():
    # 3 instances registered other than by ECS x 0.10 (the list's) = 0.30, + 1 private DNS namespace (hosted
    # zone) x 0.50; the Redis service's one task, same size as web's (0.25 vCPU, 0.5 GB), on-demand x86, 730 h:
    #   0.25 x 0.04048 x 730 = 7.3876 and 0.5 x 0.004445 x 730 = 1.622425, so +9.010025
    report = estimate(inputs(microservice_topology="service_discovery", cost_cloud_map_instances=3), PRICES)
    lines = monthly(report)
    assert lines["cloud_map_instances"] == pytest.approx(0.30)
    assert lines["cloud_map_namespace"] == pytest.approx(0.50)
    assert lines["fargate_redis_vcpu"] == pytest.approx(7.3876, abs=1e-6)
    assert lines["fargate_redis_memory"] == pytest.approx(1.622425, abs=1e-6)
    assert report["monthly"] == pytest.approx(SINGLE_TOTAL + 0.80 + 9.010025, abs=1e-6)
    # cost_prices replaces the list's 0.10: 3 x 0.20 = 0.60
    report = estimate(inputs(microservice_topology="service_discovery", cost_cloud_map_instances=3,
                             cost_prices={"cloud_map_resource_month": 0.20}), PRICES)
    assert monthly(report)["cloud_map_instances"] == pytest.approx(0.60)
    assert report["monthly"] == pytest.approx(SINGLE_TOTAL + 1.10 + 9.010025, abs=1e-6)


def test_cloud_map_is_zero_for_the_sidecar_topology():
    lines = monthly(estimate(inputs(), PRICES))
    assert lines["cloud_map_instances"] == 0 and lines["cloud_map_namespace"] == 0
    assert lines["fargate_redis_vcpu"] == 0 and lines["fargate_redis_memory"] == 0


def test_internal_alb_has_no_public_address():
    # only the NAT gateway's: 1 x 0.005 x 730 = 3.65
    assert monthly(estimate(inputs(alb_scheme="internal"), PRICES))["public_ipv4"] == pytest.approx(3.65)


def test_ephemeral_storage_above_the_free_20_gb():
    # 2 tasks x (30 - 20) GB = 20 GB x 0.000111 x 730 = 1.6206
    assert monthly(estimate(inputs(task_ephemeral_storage=30), PRICES))["fargate_ephemeral_storage"] == pytest.approx(1.6206)


def test_autoscaling_starts_within_its_bounds_and_reports_its_maximum():
    # desired 1 kept to min 2; at max 4 tasks: + 2 x (0.25 x 0.04048 + 0.5 x 0.004445) = +0.024685 per hour
    report = estimate(inputs(service_desired_count=1, service_autoscaling=True), PRICES)
    assert report["tasks"] == 2 and report["tasks_max"] == 4
    assert report["hourly_at_autoscaling_max"] == pytest.approx(SINGLE_TOTAL / 730 + 0.024685)


def test_unknown_region_covered_by_cost_prices():
    prices = {key: value for key, value in US_EAST_1.items() if value is not None}
    report = estimate(inputs(microservice_aws_region="ap-south-9", cost_prices=prices), PRICES)
    assert report["monthly"] == pytest.approx(SINGLE_TOTAL, abs=1e-6)


def test_region_with_partial_prices_and_overrides():
    # eu-central-1's Fargate vCPU (0.04656) from the list, the rest from cost_prices (us-east-1's):
    # vCPU 0.5 x 0.04656 x 730 = 16.9944 instead of 14.7752
    prices = {key: value for key, value in US_EAST_1.items() if value is not None and key != "fargate_vcpu_hour_x86"}
    report = estimate(inputs(microservice_aws_region="eu-central-1", cost_prices=prices), PRICES)
    assert monthly(report)["fargate_vcpu"] == pytest.approx(16.9944)
    assert report["monthly"] == pytest.approx(SINGLE_TOTAL - 14.7752 + 16.9944, abs=1e-6)


# Hand calculation, eu-west-1 from the price list (roles/cost/vars/prices.yml), defaults, single
# (USD per month):
#   NAT gateways        1 x 0.048/h x 730                  = 35.04
#   NAT data            5 GB x 0.048                       =  0.24
#   ALB                 0.0252/h x 730                     = 18.396
#   LCUs                0.04 LCU x 0.008/h x 730           =  0.2336
#   Fargate vCPU        0.5 vCPU x 0.04048/h x 730         = 14.7752
#   Fargate memory      1 GB x 0.004445/h x 730            =  3.24485
#   public IPv4         3 x 0.005/h x 730                  = 10.95
#   logs ingestion      1 GB x 0.57                        =  0.57
#   logs storage        0.98630 GB x 0.03                  =  0.029589
#   ECR storage         0.5 GB x 0.10                      =  0.05
#   total                                                  = 83.529239  (/730 = 0.114424 per hour)
# per_az: + 35.04 (second NAT) + 3.65 (its address)        = 122.219239
# none:   - 35.04 - 0.24 (NAT) - 3.65 (its address) + 3 services x 2 zones = 6 interface endpoints
#         x 0.011/h x 730 = 48.18 + 2 GB x 0.01 = 0.02      =  92.799239
EU_WEST_1_SINGLE = {
    "nat_gateway_hours": 35.04, "nat_gateway_data": 0.24, "alb_hours": 18.396, "alb_lcus": 0.2336, "fargate_vcpu": 14.7752,
    "fargate_memory": 3.24485, "public_ipv4": 10.95, "logs_ingestion": 0.57, "logs_storage": 0.0295890, "ecr_storage": 0.05,
}
EU_WEST_1_TOTALS = {"single": 83.529239, "per_az": 122.219239, "none": 92.799239}


def test_eu_west_1_hand_worked():
    report = estimate(inputs(microservice_aws_region="eu-west-1"), _price_list())
    lines = monthly(report)
    for item, expected in EU_WEST_1_SINGLE.items():
        assert lines[item] == pytest.approx(expected, abs=1e-6), item
    assert {item for item, value in lines.items() if value} == set(EU_WEST_1_SINGLE)
    for mode, total in EU_WEST_1_TOTALS.items():
        assert report["modes"][mode]["monthly"] == pytest.approx(total, abs=1e-6), mode
        assert report["modes"][mode]["unpriced"] == [], mode
    assert report["unpriced"] == [] and report["unpriced_in_any_mode"] == []
    none = monthly(report, "none")
    assert none["interface_endpoints"] == pytest.approx(48.18) and none["interface_endpoint_data"] == pytest.approx(0.02)
    table = report["table"]
    assert "Interface endpoints                   0.00        0.00       48.18" in table
    assert "total per month                      83.53      122.22       92.80" in table
    assert "difference to single                  0.00      +38.69       +9.27" in table
    assert not any(row.startswith("Unpriced") for row in table)
    assert report["short"] == (
        "Estimated cost in eu-west-1 (network_nat_mode single): 0.1144 USD per hour, 83.53 USD per month"
        " (NAT 35.28, ALB 18.63, Fargate 18.02, public IPv4 10.95)."
    )


# Hand calculation, eu-central-1 from the price list, defaults (USD per month):
#   NAT gateways        1 x 0.052/h x 730                  = 37.96
#   NAT data            5 GB x 0.052                       =  0.26
#   ALB                 0.027/h x 730                      = 19.71
#   LCUs                0.04 LCU x 0.008/h x 730           =  0.2336
#   Fargate vCPU        0.5 vCPU x 0.04656/h x 730         = 16.9944
#   Fargate memory      1 GB x 0.00511/h x 730             =  3.7303
#   public IPv4         3 x 0.005/h x 730                  = 10.95
#   logs ingestion      1 GB x 0.63                        =  0.63
#   logs storage        1 GB x (30 x 24 / 730) = 0.98630 GB x 0.0324 = 0.03195616
#   ECR storage         0.5 GB x 0.10                      =  0.05
#   total                                                  = 90.55025616  (/730 = 0.124041 per hour)
# per_az: + 37.96 (second NAT) + 3.65 (its address)        = 132.16025616
# network_nat_mode none, line by line:
#   NAT gateways, NAT data                                 =  0
#   ALB, LCUs, Fargate vCPU and memory, logs, ECR          =  as in single
#   public IPv4         2 (the ALB's, one per zone) x 0.005/h x 730 = 7.30
#   interface endpoints 3 services x 2 zones = 6 x 0.012/h x 730    = 52.56
#   endpoint data       2 GB x 0.01                        =  0.02
#   total  19.71 + 0.2336 + 16.9944 + 3.7303 + 7.30 + 52.56 + 0.02 + 0.63 + 0.03195616 + 0.05
#                                                          = 101.26025616  (/730 = 0.138713 per hour)
EU_CENTRAL_1_SINGLE = {
    "nat_gateway_hours": 37.96, "nat_gateway_data": 0.26, "alb_hours": 19.71, "alb_lcus": 0.2336, "fargate_vcpu": 16.9944,
    "fargate_memory": 3.7303, "public_ipv4": 10.95, "logs_ingestion": 0.63, "logs_storage": 0.03195616, "ecr_storage": 0.05,
}
EU_CENTRAL_1_TOTALS = {"single": 90.55025616, "per_az": 132.16025616, "none": 101.26025616}


@pytest.mark.parametrize("mode", ["single", "per_az", "none"])
def test_eu_central_1_hand_worked(mode):
    report = estimate(inputs(microservice_aws_region="eu-central-1", network_nat_mode=mode), _price_list())
    assert report["nat_mode"] == mode
    for other, total in EU_CENTRAL_1_TOTALS.items():
        assert report["modes"][other]["monthly"] == pytest.approx(total, abs=1e-6), other
    assert report["monthly"] == pytest.approx(EU_CENTRAL_1_TOTALS[mode], abs=1e-6)
    assert report["hourly"] == pytest.approx(EU_CENTRAL_1_TOTALS[mode] / 730, abs=1e-9)
    if mode == "single":
        lines = monthly(report)
        for item, expected in EU_CENTRAL_1_SINGLE.items():
            assert lines[item] == pytest.approx(expected, abs=1e-6), item
        assert {item for item, value in lines.items() if value} == set(EU_CENTRAL_1_SINGLE)
        assert report["short"] == (
            "Estimated cost in eu-central-1 (network_nat_mode single): 0.1240 USD per hour, 90.55 USD per month"
            " (NAT 38.22, Fargate 20.72, ALB 19.94, public IPv4 10.95)."
        )
    if mode == "none":
        lines = monthly(report)
        assert lines["nat_gateway_hours"] == 0 and lines["nat_gateway_data"] == 0
        assert lines["public_ipv4"] == pytest.approx(7.30)
        assert lines["interface_endpoints"] == pytest.approx(52.56)
        assert lines["interface_endpoint_data"] == pytest.approx(0.02)
        assert report["short"] == (
            "Estimated cost in eu-central-1 (network_nat_mode none): 0.1387 USD per hour, 101.26 USD per month"
            " (endpoints 52.58, Fargate 20.72, ALB 19.94, public IPv4 7.30)."
        )
    assert report["unpriced"] == [] and report["unpriced_in_any_mode"] == []


def test_cost_prices_fill_the_unpriced_lines():
    # us-west-2 lacks two prices of the single mode (alb_lcu_hour, logs_storage_gb_month); every other us-west-2
    # price it uses equals us-east-1's (ECR 0.10 too), so the priced lines are 79.283239 - 0.2336 - 0.029589 =
    # 79.02005, and with those two set to us-east-1's the estimate is the us-east-1 hand calculation's 79.283239
    report = estimate(inputs(microservice_aws_region="us-west-2"), _price_list())
    assert [line["price"] for line in report["unpriced"]] == ["alb_lcu_hour", "logs_storage_gb_month"]
    assert report["monthly"] == pytest.approx(79.02005, abs=1e-6)
    assert monthly(report)["ecr_storage"] == pytest.approx(0.05)
    # the output says which lines it cannot price, in the table and in the short form
    assert report["table"][-1] == (
        "Unpriced in us-west-2 (no confirmed price in roles/cost/vars/prices.yml): Load balancer LCUs (alb_lcu_hour),"
        " CloudWatch Logs storage (logs_storage_gb_month); the totals leave them out, cost_prices sets them."
    )
    assert "Load balancer LCUs                unpriced    unpriced    unpriced" in report["table"]
    assert report["short"].endswith("; unpriced in us-west-2: alb_lcu_hour, logs_storage_gb_month (set cost_prices).")
    assert report["short"].startswith("Estimated cost in us-west-2 (network_nat_mode single): at least 0.1082 USD per hour,"
                                      " 79.02 USD per month")
    prices = {"alb_lcu_hour": 0.008, "logs_storage_gb_month": 0.03}
    report = estimate(inputs(microservice_aws_region="us-west-2", cost_prices=prices), _price_list())
    assert report["unpriced"] == [] and report["modes"]["single"]["unpriced"] == []
    assert report["monthly"] == pytest.approx(SINGLE_TOTAL, abs=1e-6)
    assert report["short"].startswith("Estimated cost in us-west-2 (network_nat_mode single): 0.1086 USD per hour")
    assert "unpriced" not in report["short"]


def test_arm_tasks_on_fargate_spot_are_refused():
    # AWS: "Fargate Spot only supports Linux tasks with the X86_64 architecture" (Fargate capacity provider
    # considerations), so there is no ARM Spot price: the estimate refuses, as the service role's input check does.
    strategy = [{"capacity_provider": "FARGATE", "weight": 1}, {"capacity_provider": "FARGATE_SPOT", "weight": 1}]
    with pytest.raises(CostError) as error:
        estimate(inputs(task_cpu_architecture="ARM64", service_capacity_provider_strategy=strategy), PRICES)
    assert str(error.value).startswith("service_capacity_provider_strategy places tasks on FARGATE_SPOT, which runs only"
                                       " X86_64 tasks, and task_cpu_architecture is ARM64;")


def test_arm_tasks_with_fargate_spot_weight_0_stay_on_demand():
    # FARGATE_SPOT named with weight 0 and base 0 places no task: all on-demand ARM, as test_arm (75.680689).
    strategy = [{"capacity_provider": "FARGATE", "weight": 1}, {"capacity_provider": "FARGATE_SPOT", "weight": 0}]
    report = estimate(inputs(task_cpu_architecture="ARM64", service_capacity_provider_strategy=strategy), PRICES)
    lines = monthly(report)
    assert lines["fargate_spot_vcpu"] == 0 and lines["fargate_spot_memory"] == 0
    assert report["monthly"] == pytest.approx(75.680689, abs=1e-6)
    assert report["unpriced"] == []


def test_cloud_map_tasks_registered_by_ecs_are_free():
    # The Redis tasks are registered by ECS service discovery, which Cloud Map does not charge for
    # (cost_cloud_map_instances 0 by default): the instances line is 0, the namespace (a Route 53 hosted zone)
    # 0.50, the Redis service's task 9.010025 (see test_cloud_map_instances_registered_outside_ecs_and_an_override):
    # 79.283239 + 0.50 + 9.010025 = 88.793264, nothing unpriced
    report = estimate(inputs(microservice_topology="service_discovery"), PRICES)
    lines = monthly(report)
    assert lines["cloud_map_instances"] == 0
    assert lines["cloud_map_namespace"] == pytest.approx(0.50)
    assert report["monthly"] == pytest.approx(88.793264, abs=1e-6)
    assert report["unpriced"] == []


def test_table_and_short_form():
    report = estimate(inputs(), PRICES)
    assert report["table"][1].split() == ["item", "(USD", "per", "month)", "single", "per_az", "none"]
    assert "total per month                      79.28      115.78       86.38" in report["table"]
    assert report["short"].startswith("Estimated cost in us-east-1 (network_nat_mode single): 0.1086 USD per hour, 79.28 USD per month")
    assert "NAT 33.08" in report["short"] and "Fargate 18.02" in report["short"]


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({"microservice_aws_region": "xx-east-9"},
         "The price list has no prices for microservice_aws_region 'xx-east-9' (it covers eu-central-1, us-east-1): set cost_prices with"),
        ({"microservice_aws_region": ""}, "microservice_aws_region must be a region name"),
        ({"network_nat_mode": "both"}, "network_nat_mode must be one of single, per_az, none, got 'both'."),
        ({"task_cpu": "abc"}, "task_cpu must be a whole number, got 'abc'."),
        ({"task_cpu": 0.5}, "task_cpu must be a whole number, got 0.5."),
        ({"task_memory": -1}, "task_memory must be 1 or more, got -1."),
        ({"task_cpu_architecture": "ARM"}, "task_cpu_architecture must be one of X86_64, ARM64"),
        ({"task_ephemeral_storage": 500}, "task_ephemeral_storage must be between 0 and 200"),
        ({"service_desired_count": True}, "service_desired_count must be a number"),
        ({"service_autoscaling": "maybe"}, "service_autoscaling must be true or false"),
        ({"service_autoscaling": True, "service_autoscaling_min": 5}, "service_autoscaling_min (5) must not be above service_autoscaling_max (4)."),
        ({"service_capacity_provider_strategy": [{"capacity_provider": "EC2", "weight": 1}]},
         "service_capacity_provider_strategy may name only FARGATE and FARGATE_SPOT"),
        ({"service_capacity_provider_strategy": [{"capacity_provider": "FARGATE", "weight": 0}]}, "needs at least one weight above 0"),
        ({"service_capacity_provider_strategy": [{"capacity_provider": "FARGATE", "base": 1}, {"capacity_provider": "FARGATE_SPOT", "base": 1}]},
         "may give a base above 0 to one capacity provider only"),
        ({"service_capacity_provider_strategy": "FARGATE_SPOT"}, "service_capacity_provider_strategy must be a list"),
        ({"ecs_cluster_log_retention_days": 0}, "ecs_cluster_log_retention_days must be 1 or more"),
        ({"alb_scheme": "public"}, "alb_scheme must be one of internet-facing, internal"),
        ({"microservice_topology": "mesh"}, "microservice_topology must be one of sidecar, service_discovery"),
        ({"network_interface_endpoint_services": "logs"}, "network_interface_endpoint_services must be a list"),
        ({"cost_prices": {"nat_hour": 1}}, "cost_prices names unknown prices nat_hour; the known ones are nat_gateway_hour,"),
        ({"cost_prices": {"nat_gateway_hour": -0.1}}, "cost_prices.nat_gateway_hour must be 0 or more, got -0.1."),
        ({"cost_prices": [1]}, "cost_prices must be a mapping"),
        ({"cost_nat_processed_gb_month": "lots"}, "cost_nat_processed_gb_month must be a number, got 'lots'."),
        ({"cost_hours_per_month": 0}, "cost_hours_per_month must be 1 or more"),
    ],
)
def test_bad_input_names_the_variable(changes, expected):
    with pytest.raises(CostError) as error:
        estimate(inputs(**changes), PRICES)
    assert expected in str(error.value)
    assert str(error.value).count(". ") == 0  # one sentence


def test_filter_returns_the_error_instead_of_raising():
    result = cost_estimate(inputs(microservice_aws_region="xx-east-9"), PRICES)
    assert result == {"error": result["error"]} and "microservice_aws_region" in result["error"] and "cost_prices" in result["error"]
    assert cost_estimate(inputs(), PRICES)["error"] is None
    assert FilterModule().filters()["cost_estimate"] is cost_estimate


def test_numbers_given_as_strings_are_read():
    # extra vars on the command line (-e task_cpu=256) arrive as strings
    report = estimate(inputs(task_cpu="256", service_desired_count="2", service_autoscaling="false", cost_nat_processed_gb_month="5"), PRICES)
    assert report["monthly"] == pytest.approx(SINGLE_TOTAL, abs=1e-6)
