# -*- coding: utf-8 -*-
# Copyright: fargate.microservice contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a deployment's variables would cost on AWS, line by line, for every NAT mode.

Pure arithmetic: no AWS call, no credentials. The inputs are keyed by the variable names a user
sets (``task_cpu``, ``network_nat_mode``, ``cost_nat_processed_gb_month``...), so every error names
the variable to change. Prices come from the cost role's price list (``roles/cost/vars/prices.yml``)
with ``cost_prices`` laid over them.

Conventions (those of AWS's own price pages and calculator):
- a month is ``cost_hours_per_month`` hours (730);
- per-hour items cost hourly = quantity x price, monthly = hourly x hours;
- per-GB-month items cost monthly = quantity x price, hourly = monthly / hours;
- Fargate bills GB of memory as 1024 MiB and vCPU as 1024 CPU units;
- a capacity provider strategy places ``base`` tasks first, then the rest by ``weight``; the
  estimate uses the expected (possibly fractional) number of tasks on each provider.
"""

from __future__ import annotations

from ansible_collections.fargate.microservice.plugins.module_utils._ecs_fargate_cluster import spot_architecture_error

NAT_MODES = ("single", "per_az", "none")
ARCHITECTURES = {"X86_64": "x86", "ARM64": "arm"}
PROVIDERS = ("FARGATE", "FARGATE_SPOT")
TOPOLOGIES = ("sidecar", "service_discovery")
ALB_SCHEMES = ("internet-facing", "internal")
FREE_EPHEMERAL_GB = 20

# Every price the estimate may use, with its unit.
PRICE_UNITS = {
    "nat_gateway_hour": "per NAT gateway-hour",
    "nat_gateway_gb": "per GB processed by a NAT gateway",
    "alb_hour": "per ALB-hour",
    "alb_lcu_hour": "per LCU-hour",
    "fargate_vcpu_hour_x86": "per vCPU-hour, Linux/x86, on-demand",
    "fargate_gb_hour_x86": "per GB-hour of memory, Linux/x86, on-demand",
    "fargate_vcpu_hour_arm": "per vCPU-hour, Linux/ARM, on-demand",
    "fargate_gb_hour_arm": "per GB-hour of memory, Linux/ARM, on-demand",
    "fargate_spot_vcpu_hour_x86": "per vCPU-hour, Linux/x86, Fargate Spot",
    "fargate_spot_gb_hour_x86": "per GB-hour of memory, Linux/x86, Fargate Spot",
    "fargate_ephemeral_gb_hour": "per GB-hour of ephemeral storage above the free 20 GB",
    "public_ipv4_hour": "per public IPv4 address-hour",
    "interface_endpoint_hour": "per interface endpoint-hour in each zone",
    "interface_endpoint_gb": "per GB processed by interface endpoints (first PB)",
    "logs_ingest_gb": "per GB of CloudWatch Logs ingested (Standard class)",
    "logs_storage_gb_month": "per GB-month of CloudWatch Logs stored",
    "ecr_storage_gb_month": "per GB-month stored in private ECR repositories",
    "cloud_map_resource_month": "per Cloud Map registered instance-month",
    "route53_hosted_zone_month": "per Route 53 hosted zone-month (Cloud Map's private DNS namespace)",
}
PRICE_KEYS = tuple(PRICE_UNITS)


class CostError(ValueError):
    """A bad input or a missing price, in one sentence that names what to set."""


def _number(inputs, name, minimum=0, integer=False, maximum=None):
    value = inputs.get(name)
    if isinstance(value, bool):
        raise CostError(f"{name} must be a number, got {value!r}.")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise CostError(f"{name} must be a {'whole ' if integer else ''}number, got {value!r}.") from None
    if integer and number != int(number):
        raise CostError(f"{name} must be a whole number, got {value!r}.")
    if number < minimum or (maximum is not None and number > maximum):
        bounds = f"between {minimum} and {maximum}" if maximum is not None else f"{minimum} or more"
        raise CostError(f"{name} must be {bounds}, got {value!r}.")
    return int(number) if integer else number


def _choice(inputs, name, choices):
    value = inputs.get(name)
    if value not in choices:
        raise CostError(f"{name} must be one of {', '.join(choices)}, got {value!r}.")
    return value


def _bool(inputs, name):
    value = inputs.get(name)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "yes", "no"):
        return value.strip().lower() in ("true", "yes")
    raise CostError(f"{name} must be true or false, got {value!r}.")


def spot_tasks(strategy, tasks):
    """Return the expected number of the ``tasks`` placed on FARGATE_SPOT by ``strategy``.

    ``strategy`` is service_capacity_provider_strategy: empty means the service role's launch type
    FARGATE (all on-demand; the cluster's default strategy is not used). Otherwise ECS first gives each
    provider its ``base`` (in strategy order, while tasks are left), then spreads the remaining tasks in
    proportion to the weights.
    """
    name = "service_capacity_provider_strategy"
    if strategy is None or (isinstance(strategy, (list, tuple)) and not strategy):
        return 0.0
    if not isinstance(strategy, (list, tuple)):
        raise CostError(f"{name} must be a list of {{capacity_provider, weight, base}}, got {strategy!r}.")
    seen, weights, bases = [], {}, {}
    for item in strategy:
        if not isinstance(item, dict) or item.get("capacity_provider") not in PROVIDERS:
            raise CostError(f"{name} may name only {' and '.join(PROVIDERS)} (each once), got {item!r}.")
        provider = item["capacity_provider"]
        if provider in seen:
            raise CostError(f"{name} names {provider} twice; give each capacity provider once.")
        seen.append(provider)
        weights[provider] = _number({name: item.get("weight", 1)}, name, 0, True, 1000)
        bases[provider] = _number({name: item.get("base", 0)}, name, 0, True, 100000)
    if sum(weights.values()) == 0:
        raise CostError(f"{name} needs at least one weight above 0, got {strategy!r}.")
    if sum(1 for base in bases.values() if base > 0) > 1:
        raise CostError(f"{name} may give a base above 0 to one capacity provider only, got {strategy!r}.")
    left = float(tasks)
    placed = {provider: 0.0 for provider in seen}
    for provider in seen:
        given = min(float(bases[provider]), left)
        placed[provider] += given
        left -= given
    total_weight = float(sum(weights.values()))
    for provider in seen:
        placed[provider] += left * weights[provider] / total_weight
    return placed.get("FARGATE_SPOT", 0.0)


def resolve_prices(price_list, region, overrides):
    """Return {price key: number or None} for ``region``, with ``overrides`` (cost_prices) on top."""
    if not isinstance(overrides, dict):
        raise CostError(f"cost_prices must be a mapping of price names to numbers, got {overrides!r}.")
    unknown = sorted(set(overrides) - set(PRICE_KEYS))
    if unknown:
        raise CostError(f"cost_prices names unknown prices {', '.join(unknown)}; the known ones are {', '.join(PRICE_KEYS)}.")
    regions = (price_list or {}).get("regions") or {}
    listed = regions.get(region) or {}
    prices = {key: listed.get(key) for key in PRICE_KEYS}
    for key, value in overrides.items():
        prices[key] = _number({f"cost_prices.{key}": value}, f"cost_prices.{key}")
    return prices, region in regions


def _tasks(inputs):
    desired = _number(inputs, "service_desired_count", 0, True)
    if not _bool(inputs, "service_autoscaling"):
        return desired, desired
    low = _number(inputs, "service_autoscaling_min", 0, True)
    high = _number(inputs, "service_autoscaling_max", 1, True)
    if low > high:
        raise CostError(f"service_autoscaling_min ({low}) must not be above service_autoscaling_max ({high}).")
    # The service role starts a new service at the desired count kept within the autoscaling bounds.
    return min(max(desired, low), high), high


def _line(item, label, quantity, unit, price_key, per, hours):
    return {"item": item, "label": label, "quantity": quantity, "unit": unit, "price": price_key, "per": per, "hours": hours}


def _plan(inputs, mode, tasks):
    """The billable quantities of one NAT mode, before prices."""
    zones = _number(inputs, "network_zones", 1, True)
    services = inputs.get("network_interface_endpoint_services")
    if not isinstance(services, (list, tuple)):
        raise CostError(f"network_interface_endpoint_services must be a list of service names, got {services!r}.")
    cpu = _number(inputs, "task_cpu", 1, True) / 1024.0
    memory = _number(inputs, "task_memory", 1, True) / 1024.0
    arch = ARCHITECTURES[_choice(inputs, "task_cpu_architecture", tuple(ARCHITECTURES))]
    ephemeral = _number(inputs, "task_ephemeral_storage", 0, True, 200)
    spot = spot_tasks(inputs.get("service_capacity_provider_strategy"), tasks)
    spot_error = spot_architecture_error(inputs.get("service_capacity_provider_strategy"), inputs.get("task_cpu_architecture"),
                                         "service_capacity_provider_strategy")
    if spot_error:
        raise CostError(spot_error)
    on_demand = tasks - spot
    nat_count = {"single": 1, "per_az": zones, "none": 0}[mode]
    alb_ips = zones if _choice(inputs, "alb_scheme", ALB_SCHEMES) == "internet-facing" else 0
    hours = _number(inputs, "cost_hours_per_month", 1)
    alb_gb = _number(inputs, "cost_alb_processed_gb_month")
    lcus = max(
        alb_gb / hours,  # 1 LCU = 1 GB processed per hour (targets: IP addresses)
        _number(inputs, "cost_alb_new_connections_per_second") / 25.0,
        _number(inputs, "cost_alb_active_connections_per_minute") / 3000.0,
    )
    retention = _number(inputs, "ecs_cluster_log_retention_days", 1, True)
    log_gb = _number(inputs, "cost_log_ingested_gb_month")
    discovery = _choice(inputs, "microservice_topology", TOPOLOGIES) == "service_discovery"
    redis_tasks = 1 if discovery else 0
    endpoints = mode == "none"
    return [
        _line("nat_gateway_hours", "NAT gateways", nat_count, "gateways", "nat_gateway_hour", "hour", hours),
        _line("nat_gateway_data", "NAT data processed", 0 if endpoints else _number(inputs, "cost_nat_processed_gb_month"),
              "GB/month", "nat_gateway_gb", "month", hours),
        _line("alb_hours", "Load balancer", 1, "ALB", "alb_hour", "hour", hours),
        _line("alb_lcus", "Load balancer LCUs", lcus, "LCU", "alb_lcu_hour", "hour", hours),
        _line("fargate_vcpu", "Fargate vCPU (on-demand)", on_demand * cpu, "vCPU", f"fargate_vcpu_hour_{arch}", "hour", hours),
        _line("fargate_memory", "Fargate memory (on-demand)", on_demand * memory, "GB", f"fargate_gb_hour_{arch}", "hour", hours),
        # Fargate Spot runs only X86_64 tasks (refused above for ARM64), so its prices are the x86 ones.
        _line("fargate_spot_vcpu", "Fargate Spot vCPU", spot * cpu, "vCPU", "fargate_spot_vcpu_hour_x86", "hour", hours),
        _line("fargate_spot_memory", "Fargate Spot memory", spot * memory, "GB", "fargate_spot_gb_hour_x86", "hour", hours),
        # service_discovery: the ECS service redis runs one more task of the same size, on-demand (launch type FARGATE).
        _line("fargate_redis_vcpu", "Fargate vCPU (Redis service)", redis_tasks * cpu, "vCPU", f"fargate_vcpu_hour_{arch}",
              "hour", hours),
        _line("fargate_redis_memory", "Fargate memory (Redis service)", redis_tasks * memory, "GB", f"fargate_gb_hour_{arch}",
              "hour", hours),
        _line("fargate_ephemeral_storage", "Fargate storage above 20 GB",
              (tasks + redis_tasks) * max(0, ephemeral - FREE_EPHEMERAL_GB), "GB", "fargate_ephemeral_gb_hour", "hour", hours),
        _line("public_ipv4", "Public IPv4 (ALB + NAT)", alb_ips + nat_count, "addresses", "public_ipv4_hour", "hour", hours),
        _line("interface_endpoints", "Interface endpoints", len(services) * zones if endpoints else 0, "endpoint-zones",
              "interface_endpoint_hour", "hour", hours),
        _line("interface_endpoint_data", "Endpoint data processed",
              _number(inputs, "cost_endpoint_processed_gb_month") if endpoints else 0, "GB/month", "interface_endpoint_gb", "month", hours),
        _line("logs_ingestion", "CloudWatch Logs ingestion", log_gb, "GB/month", "logs_ingest_gb", "month", hours),
        # Steady state: what the log group keeps is retention_days of ingestion (no compression assumed).
        _line("logs_storage", "CloudWatch Logs storage", log_gb * retention * 24.0 / hours, "GB", "logs_storage_gb_month", "month", hours),
        _line("ecr_storage", "ECR storage", _number(inputs, "cost_ecr_stored_gb"), "GB", "ecr_storage_gb_month", "month", hours),
        _line("cloud_map_instances", "Cloud Map instances", _number(inputs, "cost_cloud_map_instances") if discovery else 0,
              "instances", "cloud_map_resource_month", "month", hours),
        _line("cloud_map_namespace", "Cloud Map DNS namespace", 1 if discovery else 0, "hosted zones",
              "route53_hosted_zone_month", "month", hours),
    ]


def _price(lines, prices):
    """Price each line; a line with a quantity but no price (null in the list) stays unpriced (None)."""
    for line in lines:
        price = prices[line["price"]]
        line["priced"] = not (line["quantity"] and price is None)
        if not line["priced"]:
            line.update(unit_price=None, hourly=None, monthly=None)
        else:
            line["unit_price"] = price or 0.0
            if line["per"] == "hour":
                line["hourly"] = line["quantity"] * line["unit_price"]
                line["monthly"] = line["hourly"] * line["hours"]
            else:
                line["monthly"] = line["quantity"] * line["unit_price"]
                line["hourly"] = line["monthly"] / line["hours"]
        del line["hours"]
    return lines


def estimate(inputs, price_list):
    """Return the estimate for every NAT mode; raise CostError on bad input or a region the list lacks.

    A price the list holds as null (not confirmed) leaves its lines unpriced (monthly/hourly None,
    named in ``unpriced``); the totals are then those of the priced lines.
    """
    if not isinstance(inputs, dict):
        raise CostError(f"The cost inputs must be a mapping, got {inputs!r}.")
    region = inputs.get("microservice_aws_region")
    if not isinstance(region, str) or not region:
        raise CostError(f"microservice_aws_region must be a region name such as us-east-1, got {region!r}.")
    selected = _choice(inputs, "network_nat_mode", NAT_MODES)
    hours = _number(inputs, "cost_hours_per_month", 1)
    tasks, tasks_max = _tasks(inputs)
    prices, listed = resolve_prices(price_list, region, inputs.get("cost_prices") or {})

    plans = {mode: _plan(inputs, mode, tasks) for mode in NAT_MODES}
    needed = sorted({line["price"] for lines in plans.values() for line in lines if line["quantity"] and prices[line["price"]] is None})
    if needed and not listed:
        covered = ", ".join(sorted((price_list or {}).get("regions") or {}))
        raise CostError(
            f"The price list has no prices for microservice_aws_region {region!r} (it covers {covered}):"
            f" set cost_prices with {', '.join(needed)}."
        )

    # A listed region may lack a price that could not be confirmed (null): its lines stay unpriced,
    # are named as such, and the totals are those of the priced lines.
    modes = {}
    for mode, lines in plans.items():
        _price(lines, prices)
        modes[mode] = {
            "lines": lines,
            "hourly": sum(line["hourly"] for line in lines if line["priced"]),
            "monthly": sum(line["monthly"] for line in lines if line["priced"]),
            "unpriced": [line["item"] for line in lines if not line["priced"]],
        }
    unpriced = [
        {"item": line["item"], "label": line["label"], "price": line["price"]}
        for line in modes[selected]["lines"] if not line["priced"]
    ]
    report = {
        "region": region,
        "currency": "USD",
        "hours_per_month": hours,
        "nat_mode": selected,
        "tasks": tasks,
        "spot_tasks": spot_tasks(inputs.get("service_capacity_provider_strategy"), tasks),
        "hourly": modes[selected]["hourly"],
        "monthly": modes[selected]["monthly"],
        "modes": modes,
        "prices_read_on": (price_list or {}).get("read_on"),
        "overridden_prices": sorted((inputs.get("cost_prices") or {}).keys()),
        "unpriced": unpriced,
        "unpriced_in_any_mode": needed,
    }
    if tasks_max != tasks:
        per_task = sum(
            line["hourly"] for line in modes[selected]["lines"] if line["item"].startswith("fargate_") and line["priced"]
        ) / tasks if tasks else 0.0
        report["hourly_at_autoscaling_max"] = report["hourly"] + per_task * (tasks_max - tasks)
        report["tasks_max"] = tasks_max
    report["table"] = table(report)
    report["short"] = short(report)
    return report


def _money(value, digits=2):
    return f"{value:,.{digits}f}"


def _cell(value, digits=2):
    return "unpriced" if value is None else _money(value, digits)


def _unpriced_note(report, names):
    return (
        f"Unpriced in {report['region']} (no confirmed price in roles/cost/vars/prices.yml): {names};"
        " the totals leave them out, cost_prices sets them."
    )


def table(report):
    """The side-by-side text table: one row per line, monthly USD for each NAT mode."""
    modes = report["modes"]
    width = 30
    partial = bool(report["unpriced_in_any_mode"])
    total = "priced lines" if partial else "total"
    header = f"{'item (USD per month)':<{width}}" + "".join(f"{mode:>12}" for mode in NAT_MODES)
    rows = [
        f"{report['region']}, {report['tasks']:g} task(s), network_nat_mode {report['nat_mode']},"
        f" prices of {report['prices_read_on']}, {report['hours_per_month']:g} hours a month",
        header,
    ]
    for index, line in enumerate(modes[report["nat_mode"]]["lines"]):
        values = [modes[mode]["lines"][index]["monthly"] for mode in NAT_MODES]
        if not any(value is None or value for value in values):
            continue
        rows.append(f"{line['label']:<{width}}" + "".join(f"{_cell(value):>12}" for value in values))
    rows.append(f"{total + ' per month':<{width}}" + "".join(f"{_money(modes[mode]['monthly']):>12}" for mode in NAT_MODES))
    rows.append(f"{total + ' per hour':<{width}}" + "".join(f"{_money(modes[mode]['hourly'], 4):>12}" for mode in NAT_MODES))
    chosen = modes[report["nat_mode"]]["monthly"]
    chosen_unpriced = set(modes[report["nat_mode"]]["unpriced"])

    def difference(mode):
        # Two modes compare only when the same lines are unpriced in both.
        if set(modes[mode]["unpriced"]) != chosen_unpriced:
            return "n/a"
        value = modes[mode]["monthly"] - chosen
        return ("+" if value >= 0.005 else "") + _money(value)

    rows.append(f"{'difference to ' + report['nat_mode']:<{width}}" + "".join(f"{difference(mode):>12}" for mode in NAT_MODES))
    if partial:
        labels = {}
        for mode in NAT_MODES:
            for line in modes[mode]["lines"]:
                if not line["priced"]:
                    labels.setdefault(line["price"], line["label"])
        rows.append(_unpriced_note(report, ", ".join(f"{label} ({key})" for key, label in sorted(labels.items()))))
    if "tasks_max" in report:
        rows.append(f"With autoscaling at its maximum of {report['tasks_max']} tasks: {_money(report['hourly_at_autoscaling_max'], 4)} per hour.")
    if report["spot_tasks"]:
        rows.append("Fargate Spot prices change over time; the list holds the ones read on the date above.")
    return rows


def short(report):
    """One line: the selected mode's hourly and monthly totals and its largest items (and what is unpriced)."""
    lines = sorted(
        (line for line in report["modes"][report["nat_mode"]]["lines"] if line["priced"]), key=lambda line: line["monthly"], reverse=True
    )
    groups = {}
    for line in lines:
        group = line["item"].split("_")[0]
        name = {"nat": "NAT", "alb": "ALB", "fargate": "Fargate", "public": "public IPv4", "interface": "endpoints",
                "logs": "logs", "ecr": "ECR", "cloud": "Cloud Map"}[group]
        groups[name] = groups.get(name, 0.0) + line["monthly"]
    main = sorted(groups.items(), key=lambda item: item[1], reverse=True)[:4]
    unpriced = report["unpriced"]
    return (
        f"Estimated cost in {report['region']} (network_nat_mode {report['nat_mode']}):"
        f" {'at least ' if unpriced else ''}{_money(report['hourly'], 4)} USD per hour, {_money(report['monthly'])} USD per month"
        f" ({', '.join(f'{name} {_money(value)}' for name, value in main if value)})"
        + (f"; unpriced in {report['region']}: {', '.join(line['price'] for line in unpriced)} (set cost_prices)" if unpriced else "")
        + "."
    )
