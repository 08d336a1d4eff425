# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the task definition logic: validation, request building, normalization, comparison."""

from __future__ import annotations

import copy
import datetime

import pytest

from ansible_collections.fargate.microservice.plugins.module_utils import _task_definition as td

EXEC_ARN = "arn:aws:iam::123456789012:role/countweb-ecs-task-execution"
TASK_ARN = "arn:aws:iam::123456789012:role/app-role"


def container(name, port, image, health=None, **extra):
    """A container option dict as AnsibleModule fills it (every suboption present)."""
    base = dict(
        name=name, image=image, repository=None, port=port, environment=None, command=None, cpu=None, memory=None,
        memory_reservation=None, health_check=health, readonly_root_filesystem=False, essential=True,
        log_stream_prefix=None, extra=None,
    )
    base.update(extra)
    return base


def hc(*command, **kw):
    result = dict(command=list(command), interval=None, timeout=None, retries=None, start_period=None)
    result.update(kw)
    return result


def params(**overrides):
    app = container("web", 8000, "111.dkr.ecr.us-east-1.amazonaws.com/countweb/web:1.0.0",
                    hc("/app", "-healthcheck"), redis_address_variable="REDIS_ADDR",
                    environment={"PORT": "8000", "COUNT_WINDOW_SECONDS": "60"})
    redis = container("redis", 6379, "111.dkr.ecr.us-east-1.amazonaws.com/countweb/redis:7",
                      hc("redis-cli", "ping"))
    result = dict(
        state="present", family="web-redis-task", revision=None, keep_revisions=None, cpu=256, memory=512,
        cpu_architecture="X86_64", ephemeral_storage=None, execution_role=EXEC_ARN, task_role=None,
        log_group="/ecs/countweb", log_region=None, app=app, redis=redis, tags=None, purge_tags=True,
    )
    for key, value in overrides.items():
        if "." in key:
            outer, inner = key.split(".", 1)
            result[outer] = dict(result[outer])
            result[outer][inner] = value
        else:
            result[key] = value
    return result


def request(**overrides):
    return td.build_request(params(**overrides), "us-east-1")


def described():
    """What DescribeTaskDefinition returns on real AWS for request(): defaults filled in, lists reordered."""
    return {
        "taskDefinitionArn": "arn:aws:ecs:us-east-1:123456789012:task-definition/web-redis-task:7",
        "containerDefinitions": [
            {
                "name": "redis",
                "image": "111.dkr.ecr.us-east-1.amazonaws.com/countweb/redis:7",
                "cpu": 0,
                # No mapping is declared for Redis; AWS answers an empty list.
                "portMappings": [],
                "essential": True,
                "environment": [],
                "mountPoints": [],
                "volumesFrom": [],
                "systemControls": [],
                "healthCheck": {"command": ["CMD", "redis-cli", "ping"], "interval": 30, "timeout": 5, "retries": 3},
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {"awslogs-group": "/ecs/countweb", "awslogs-region": "us-east-1",
                                "awslogs-stream-prefix": "redis"},
                    "secretOptions": [],
                },
                "versionConsistency": "enabled",
            },
            {
                "name": "web",
                "image": "111.dkr.ecr.us-east-1.amazonaws.com/countweb/web:1.0.0",
                "cpu": 0,
                "portMappings": [{"containerPort": 8000, "hostPort": 8000, "protocol": "tcp"}],
                "essential": True,
                "environment": [
                    {"name": "REDIS_ADDR", "value": "localhost:6379"},
                    {"name": "PORT", "value": "8000"},
                    {"name": "COUNT_WINDOW_SECONDS", "value": "60"},
                ],
                "mountPoints": [],
                "volumesFrom": [],
                "dependsOn": [{"containerName": "redis", "condition": "HEALTHY"}],
                "healthCheck": {"command": ["CMD", "/app", "-healthcheck"], "interval": 30, "timeout": 5, "retries": 3},
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {"awslogs-group": "/ecs/countweb", "awslogs-region": "us-east-1",
                                "awslogs-stream-prefix": "web"},
                },
            },
        ],
        "family": "web-redis-task",
        "executionRoleArn": EXEC_ARN,
        "networkMode": "awsvpc",
        "revision": 7,
        "volumes": [],
        "status": "ACTIVE",
        "requiresAttributes": [{"name": "com.amazonaws.ecs.capability.logging-driver.awslogs"}],
        "placementConstraints": [],
        "compatibilities": ["EC2", "FARGATE"],
        "runtimePlatform": {"cpuArchitecture": "X86_64", "operatingSystemFamily": "LINUX"},
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "256",
        "memory": "512",
        "registeredAt": datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc),
        "registeredBy": "arn:aws:iam::123456789012:user/ci",
        "enableFaultInjection": False,
    }


def web(definition):
    return next(c for c in definition["containerDefinitions"] if c["name"] == "web")


def redis(definition):
    return next(c for c in definition["containerDefinitions"] if c["name"] == "redis")


# --- AWS-filled responses compare equal ---------------------------------------------------------------


def test_described_equals_request():
    assert td.differences(td.normalize(described()), td.normalize(request())) == []


def _strip_port_defaults(d):
    for c in d["containerDefinitions"]:
        c["portMappings"] = [{"containerPort": m["containerPort"]} for m in c["portMappings"]]


def _strip_health_defaults(d):
    for c in d["containerDefinitions"]:
        c["healthCheck"] = {"command": c["healthCheck"]["command"]}


def _moto_shape(d):
    """moto's answer: no protocol/hostPort/health defaults, no runtime defaults."""
    _strip_port_defaults(d)
    _strip_health_defaults(d)
    for key in ("requiresAttributes", "registeredAt", "registeredBy", "enableFaultInjection"):
        d.pop(key)


EQUIVALENT = {
    "ports without protocol and hostPort": _strip_port_defaults,
    "protocol in upper case": lambda d: web(d)["portMappings"][0].update(protocol="TCP"),
    "health check defaults left out": _strip_health_defaults,
    "health check startPeriod 0": lambda d: web(d)["healthCheck"].update(startPeriod=0),
    "environment reordered": lambda d: web(d)["environment"].reverse(),
    "containers reordered": lambda d: d["containerDefinitions"].reverse(),
    "essential left out": lambda d: [c.pop("essential") for c in d["containerDefinitions"]],
    "container cpu 0 left out": lambda d: [c.pop("cpu") for c in d["containerDefinitions"]],
    "readonlyRootFilesystem false": lambda d: web(d).update(readonlyRootFilesystem=False),
    "privileged false": lambda d: web(d).update(privileged=False),
    "versionConsistency enabled": lambda d: web(d).update(versionConsistency="enabled"),
    "no versionConsistency": lambda d: redis(d).pop("versionConsistency"),
    "empty lists removed": lambda d: [c.pop(k) for c in d["containerDefinitions"] for k in ("mountPoints", "volumesFrom")],
    "extra empty lists and maps": lambda d: web(d).update(ulimits=[], dockerLabels={}, secrets=[], systemControls=[]),
    "no runtimePlatform (Fargate default X86_64)": lambda d: d.pop("runtimePlatform"),
    "ephemeral storage 20 GiB (the default)": lambda d: d.update(ephemeralStorage={"sizeInGiB": 20}),
    "cpu and memory as integers": lambda d: d.update(cpu=256, memory=512),
    "requiresCompatibilities repeated order": lambda d: d.update(requiresCompatibilities=["FARGATE"]),
    "metadata only": lambda d: d.update(revision=99, status="ACTIVE", deregisteredAt=None),
    "moto's shape": _moto_shape,
    "dependsOn reordered": lambda d: web(d)["dependsOn"].reverse(),
}


@pytest.mark.parametrize("mutate", EQUIVALENT.values(), ids=list(EQUIVALENT))
def test_aws_filled_response_compares_equal(mutate):
    existing = described()
    mutate(existing)
    assert td.differences(td.normalize(existing), td.normalize(request())) == []
    # The canonical forms are equal as plain data too (the diff output shows no spurious reordering).
    assert td.normalize(existing) == td.normalize(request())


# --- each kind of change is detected -----------------------------------------------------------------

CHANGES = [
    ("one environment value", dict(**{"app.environment": {"PORT": "8000", "COUNT_WINDOW_SECONDS": "61"}}),
     "containerDefinitions[web].environment[COUNT_WINDOW_SECONDS].value"),
    ("environment variable added", dict(**{"app.environment": {"PORT": "8000", "COUNT_WINDOW_SECONDS": "60", "X": "1"}}),
     "containerDefinitions[web].environment[X]"),
    ("environment variable removed", dict(**{"app.environment": {"PORT": "8000"}}),
     "containerDefinitions[web].environment[COUNT_WINDOW_SECONDS]"),
    ("command set", dict(**{"redis.command": ["redis-server", "--save", ""]}), "containerDefinitions[redis].command"),
    ("app image tag", dict(**{"app.image": "111.dkr.ecr.us-east-1.amazonaws.com/countweb/web:1.0.1"}),
     "containerDefinitions[web].image"),
    ("redis image", dict(**{"redis.image": "redis:8"}), "containerDefinitions[redis].image"),
    ("app port", dict(**{"app.port": 8080}), "containerDefinitions[web].portMappings[0].containerPort"),
    ("redis port", dict(**{"redis.port": 6380}), "containerDefinitions[web].environment[REDIS_ADDR].value"),
    ("task cpu", dict(cpu=512, memory=1024), "cpu"),
    ("task memory", dict(memory=1024), "memory"),
    ("execution role", dict(execution_role="arn:aws:iam::123456789012:role/other"), "executionRoleArn"),
    ("task role added", dict(task_role=TASK_ARN), "taskRoleArn"),
    ("runtime platform", dict(cpu_architecture="ARM64"), "runtimePlatform.cpuArchitecture"),
    ("ephemeral storage", dict(ephemeral_storage=30), "ephemeralStorage"),
    ("log group", dict(log_group="/ecs/other"), "containerDefinitions[web].logConfiguration.options.awslogs-group"),
    ("no logging", dict(log_group=None), "containerDefinitions[web].logConfiguration"),
    ("log region", dict(log_region="eu-west-1"), "containerDefinitions[web].logConfiguration.options.awslogs-region"),
    ("stream prefix", dict(**{"app.log_stream_prefix": "app"}),
     "containerDefinitions[web].logConfiguration.options.awslogs-stream-prefix"),
    ("health check interval", dict(**{"app.health_check": hc("/app", "-healthcheck", interval=10)}),
     "containerDefinitions[web].healthCheck.interval"),
    ("health check command argument", dict(**{"app.health_check": hc("/app", "-check")}),
     "containerDefinitions[web].healthCheck.command[2]"),
    ("redis health check removed (dependsOn START)", dict(**{"redis.health_check": None}),
     "containerDefinitions[web].dependsOn[redis].condition"),
    ("read-only root filesystem", dict(**{"app.readonly_root_filesystem": True}),
     "containerDefinitions[web].readonlyRootFilesystem"),
    ("redis not essential", dict(**{"redis.essential": False}), "containerDefinitions[redis].essential"),
    ("container cpu", dict(**{"app.cpu": 128}), "containerDefinitions[web].cpu"),
    ("container memory reservation", dict(**{"redis.memory_reservation": 64}),
     "containerDefinitions[redis].memoryReservation"),
    ("extra key", dict(**{"app.extra": {"stopTimeout": 10}}), "containerDefinitions[web].stopTimeout"),
    ("container renamed", dict(**{"app.name": "app"}), "containerDefinitions[app]"),
    ("Redis address variable renamed", dict(**{"app.redis_address_variable": "REDIS_URL"}),
     "containerDefinitions[web].environment[REDIS_URL]"),
]


@pytest.mark.parametrize("overrides, path", [c[1:] for c in CHANGES], ids=[c[0] for c in CHANGES])
def test_change_is_detected(overrides, path):
    found = td.differences(td.normalize(described()), td.normalize(request(**overrides)))
    assert path in found


SAME_LENGTH = [
    ("command argument, same length", "command", ["redis-server", "--save", "60"], ["redis-server", "--save", "61"]),
    ("entryPoint reordered", "entryPoint", ["a", "b"], ["b", "a"]),
]


@pytest.mark.parametrize("key, old, new", [c[1:] for c in SAME_LENGTH], ids=[c[0] for c in SAME_LENGTH])
def test_same_length_list_change_is_detected(key, old, new):
    existing = described()
    redis(existing)[key] = old
    desired = copy.deepcopy(existing)
    redis(desired)[key] = new
    found = td.differences(td.normalize(existing), td.normalize(desired))
    assert found and all(path.startswith(f"containerDefinitions[redis].{key}[") for path in found)


def test_network_mode_change_is_detected():
    existing = described()
    existing["networkMode"] = "bridge"
    assert "networkMode" in td.differences(td.normalize(existing), td.normalize(request()))


def test_missing_network_mode_means_bridge():
    existing = described()
    del existing["networkMode"]
    assert td.normalize(existing)["networkMode"] == "bridge"


def test_unknown_aws_key_counts_as_a_change():
    existing = described()
    web(existing)["user"] = "1000"
    assert td.differences(td.normalize(existing), td.normalize(request())) == ["containerDefinitions[web].user"]


# --- request building --------------------------------------------------------------------------------


def test_request_is_the_lab_task():
    r = request()
    assert r["networkMode"] == "awsvpc"
    assert r["requiresCompatibilities"] == ["FARGATE"]
    assert (r["cpu"], r["memory"]) == ("256", "512")
    assert web(r)["dependsOn"] == [{"containerName": "redis", "condition": "HEALTHY"}]
    assert {"name": "REDIS_ADDR", "value": "localhost:6379"} in web(r)["environment"]
    assert web(r)["healthCheck"] == {"command": ["CMD", "/app", "-healthcheck"]}
    assert redis(r)["healthCheck"] == {"command": ["CMD", "redis-cli", "ping"]}
    assert redis(r)["logConfiguration"]["options"]["awslogs-stream-prefix"] == "redis"
    assert all(c["essential"] for c in r["containerDefinitions"])


@pytest.mark.parametrize("command, expected", [
    (["redis-cli", "ping"], ["CMD", "redis-cli", "ping"]),
    (["CMD", "redis-cli", "ping"], ["CMD", "redis-cli", "ping"]),
    (["CMD-SHELL", "redis-cli ping | grep PONG"], ["CMD-SHELL", "redis-cli ping | grep PONG"]),
])
def test_health_check_exec_form(command, expected):
    assert td.health_check_request(hc(*command))["command"] == expected


def test_redis_without_health_check_depends_on_start():
    assert web(request(**{"redis.health_check": None}))["dependsOn"][0]["condition"] == "START"


def test_explicit_environment_overrides_redis_address():
    r = request(**{"app.environment": {"REDIS_ADDR": "cache:6379"}})
    assert web(r)["environment"] == [{"name": "REDIS_ADDR", "value": "cache:6379"}]


def test_redis_address_follows_redis_port():
    assert {"name": "REDIS_ADDR", "value": "localhost:6380"} in web(request(**{"redis.port": 6380}))["environment"]


def test_redis_port_is_not_mapped():
    """Web reaches Redis on localhost inside the task: only web's port is mapped (the load balancer's target)."""
    r = request(**{"redis.port": 6380})
    assert "portMappings" not in redis(r)
    assert web(r)["portMappings"] == [{"containerPort": 8000, "hostPort": 8000, "protocol": "tcp"}]


def test_a_revision_with_the_old_redis_mapping_differs_once():
    """A revision registered with Redis's port mapping (as this module did before) differs from the request in that
    mapping alone, so it is replaced by one new revision; the new one, described without it, equals the request."""
    old = described()
    redis(old)["portMappings"] = [{"containerPort": 6379, "hostPort": 6379, "protocol": "tcp"}]
    assert td.differences(td.normalize(old), td.normalize(request())) == ["containerDefinitions[redis].portMappings"]
    assert td.differences(td.normalize(described()), td.normalize(request())) == []


def test_no_redis_address_variable():
    names = [e["name"] for e in web(request(**{"app.redis_address_variable": ""}))["environment"]]
    assert "REDIS_ADDR" not in names


# --- validation ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("cpu, memory", [
    (256, 512), (256, 2048), (512, 3072), (1024, 8192), (2048, 16384), (4096, 30720),
    (8192, 16384), (8192, 61440), (8192, 20480), (16384, 32768), (16384, 122880), (16384, 40960),
])
def test_valid_fargate_sizes(cpu, memory):
    assert td.fargate_size_error(cpu, memory) is None


@pytest.mark.parametrize("cpu, memory, message", [
    (256, 4096, "with cpu=256 use memory (MiB) 512, 1024, 2048"),
    (512, 512, "with cpu=512 use memory (MiB) 1024, 2048, 3072, 4096"),
    (1024, 1024, "cpu=1024"),
    (2048, 4608, "4096 to 16384 in steps of 1024"),
    (4096, 31744, "8192 to 30720 in steps of 1024"),
    (8192, 17408, "16384 to 61440 in steps of 4096"),
    (16384, 36864, "32768 to 122880 in steps of 8192"),
    (300, 512, "cpu=300 is not a Fargate task size"),
    (32768, 65536, "256, 512, 1024, 2048, 4096, 8192, 16384"),
])
def test_invalid_fargate_sizes(cpu, memory, message):
    assert message in td.fargate_size_error(cpu, memory)


INVALID = [
    ("bad family", dict(family="web redis"), "family='web redis' is invalid"),
    ("empty family", dict(family=""), "family='' is invalid"),
    ("app port 0", dict(**{"app.port": 0}), "app.port=0 is out of range"),
    ("redis port 70000", dict(**{"redis.port": 70000}), "redis.port=70000 is out of range"),
    ("same port twice", dict(**{"redis.port": 8000}), "redis.port=8000 is also app.port's port"),
    ("duplicate names", dict(**{"redis.name": "web"}), "redis.name='web' is already the name of app"),
    ("bad container name", dict(**{"app.name": "web app"}), "app.name='web app' is invalid"),
    ("empty image", dict(**{"app.image": "  "}), "app.image is empty"),
    ("malformed image", dict(**{"app.image": "Bad Image!!:@@"}), "app.image 'Bad Image!!:@@' is not a valid image reference"),
    ("upper-case repository", dict(**{"redis.image": "Redis:7"}), "redis.image 'Redis:7' is not a valid image reference"),
    ("no image, no repository", dict(**{"redis.image": None}), "redis needs an image"),
    ("cpu reservations too big", dict(**{"app.cpu": 200, "redis.cpu": 100}), "reserve 300 CPU units"),
    ("memory reservations too big", dict(**{"app.memory": 400, "redis.memory": 200}), "memory add up to 600 MiB"),
    ("soft limits too big", dict(**{"app.memory_reservation": 400, "redis.memory_reservation": 200}),
     "memory_reservation add up to 600 MiB"),
    ("soft above hard", dict(**{"app.memory": 100, "app.memory_reservation": 200}),
     "app.memory_reservation=200 exceeds app.memory=100"),
    ("container memory too small", dict(**{"app.memory": 4}), "app.memory=4 is too small"),
    ("health interval", dict(**{"app.health_check": hc("/app", interval=1)}), "app.health_check.interval=1 is out of range"),
    ("health retries", dict(**{"redis.health_check": hc("redis-cli", retries=11)}),
     "redis.health_check.retries=11 is out of range"),
    ("health timeout >= interval", dict(**{"app.health_check": hc("/app", interval=10, timeout=10)}),
     "timeout=10 must be shorter than interval=10"),
    ("health command empty", dict(**{"app.health_check": hc()}), "app.health_check.command must be a non-empty list"),
    ("health command only CMD", dict(**{"app.health_check": hc("CMD")}), "needs the command after CMD"),
    ("ephemeral storage", dict(ephemeral_storage=10), "ephemeral_storage=10 is out of range"),
    ("keep revisions", dict(keep_revisions=0), "keep_revisions=0 is invalid"),
    ("task size", dict(memory=4096), "memory=4096 does not fit cpu=256"),
    ("extra managed key", dict(**{"app.extra": {"image": "x"}}), "app.extra.image is managed by this module"),
    ("extra unknown key", dict(**{"redis.extra": {"stop_timeout": 5}}), "redis.extra.stop_timeout is not an ECS"),
    ("empty env name", dict(**{"app.environment": {"": "x"}}), "app.environment has an empty variable name"),
]


@pytest.mark.parametrize("overrides, message", [c[1:] for c in INVALID], ids=[c[0] for c in INVALID])
def test_validation_error(overrides, message):
    errors = td.validate(params(**overrides), container_keys={"stopTimeout", "ulimits", "user"})
    assert any(message in e for e in errors), errors


def test_lab_defaults_are_valid():
    assert td.validate(params(), container_keys={"stopTimeout"}) == []


def test_repository_instead_of_image_is_valid():
    assert td.validate(params(**{"app.image": None, "app.repository": "countweb/web"})) == []


def test_absent_needs_only_the_family():
    assert td.validate(dict(state="absent", family="web-redis-task", revision=None)) == []
    assert "revision=0 is invalid" in td.validate(dict(state="absent", family="f", revision=0))[0]


# --- the service-discovery shapes: web alone, Redis alone ------------------------------------------------

CLOUD_MAP_ADDRESS = "redis.internal-countweb.local:6379"


def web_only(**overrides):
    return params(redis=None, **{"app.redis_address": CLOUD_MAP_ADDRESS}, **overrides)


def redis_only(**overrides):
    return params(app=None, family="countweb-redis-task",
                  **{"redis.command": ["redis-server", "/usr/local/etc/redis/redis.conf", "--bind", "0.0.0.0"]},
                  **overrides)


def test_web_only_task_finds_redis_by_its_cloud_map_name():
    r = td.build_request(web_only(), "us-east-1")
    assert [c["name"] for c in r["containerDefinitions"]] == ["web"]
    assert {"name": "REDIS_ADDR", "value": CLOUD_MAP_ADDRESS} in web(r)["environment"]
    # No container to wait for: ECS would refuse a dependsOn naming a container the task lacks.
    assert "dependsOn" not in web(r)
    assert web(r)["portMappings"] == [{"containerPort": 8000, "hostPort": 8000, "protocol": "tcp"}]
    assert td.validate(web_only()) == []


def test_redis_only_task_holds_redis_alone():
    r = td.build_request(redis_only(), "us-east-1")
    assert [c["name"] for c in r["containerDefinitions"]] == ["redis"]
    assert redis(r)["command"] == ["redis-server", "/usr/local/etc/redis/redis.conf", "--bind", "0.0.0.0"]
    assert redis(r)["portMappings"] == [{"containerPort": 6379, "hostPort": 6379, "protocol": "tcp"}]
    assert redis(r)["logConfiguration"]["options"]["awslogs-stream-prefix"] == "redis"
    assert (r["family"], r["networkMode"], r["cpu"], r["memory"]) == ("countweb-redis-task", "awsvpc", "256", "512")
    assert td.validate(redis_only()) == []


def test_two_container_task_is_unchanged_by_the_new_shapes():
    # The sidecar shape keeps exactly what it registered before (its exact idempotency rests on it).
    r = request()
    assert [c["name"] for c in r["containerDefinitions"]] == ["web", "redis"]
    assert {"name": "REDIS_ADDR", "value": "localhost:6379"} in web(r)["environment"]
    assert td.differences(td.normalize(described()), td.normalize(r)) == []


def test_a_redis_address_also_overrides_localhost_in_the_two_container_task():
    r = request(**{"app.redis_address": "cache:6380"})
    assert {"name": "REDIS_ADDR", "value": "cache:6380"} in web(r)["environment"]


@pytest.mark.parametrize("build, shape_change", [
    (lambda: td.build_request(web_only(), "us-east-1"), "containerDefinitions[redis]"),
    (lambda: td.build_request(redis_only(), "us-east-1"), "containerDefinitions[web]"),
], ids=["web only", "redis only"])
def test_a_shape_change_is_a_change(build, shape_change):
    assert shape_change in td.differences(td.normalize(described()), td.normalize(build()))


def _described_as(request_):
    """What DescribeTaskDefinition returns for a one-container request: AWS's defaults filled in."""
    result = copy.deepcopy(request_)
    result.update(revision=1, status="ACTIVE", volumes=[], placementConstraints=[], compatibilities=["EC2", "FARGATE"],
                  taskDefinitionArn=f"arn:aws:ecs:us-east-1:123456789012:task-definition/{request_['family']}:1")
    for c in result["containerDefinitions"]:
        c.update(cpu=0, mountPoints=[], volumesFrom=[], systemControls=[])
        c["healthCheck"] = dict(td.HEALTH_CHECK_DEFAULTS, **c["healthCheck"])
        c.setdefault("environment", [])
    return result


@pytest.mark.parametrize("shape", [web_only, redis_only], ids=["web only", "redis only"])
def test_one_container_shapes_are_idempotent(shape):
    r = td.build_request(shape(), "us-east-1")
    assert td.differences(td.normalize(_described_as(r)), td.normalize(r)) == []


@pytest.mark.parametrize("overrides, message", [
    (dict(app=None, redis=None), "state=present needs app, redis or both"),
    (dict(redis=None), "app.redis_address is required without redis"),
    (dict(redis=None, **{"app.redis_address": "redis.internal-countweb.local"}), "is not host:port"),
], ids=["neither container", "web only without an address", "address without a port"])
def test_shape_errors(overrides, message):
    errors = td.validate(params(**overrides))
    assert any(message in e for e in errors), errors


def test_web_only_without_an_address_variable_needs_no_address():
    assert td.validate(params(redis=None, **{"app.redis_address_variable": ""})) == []


# --- roles, tags, revisions, images -------------------------------------------------------------------


class Lookups:
    def __init__(self):
        self.names = []

    def __call__(self, name):
        self.names.append(name)
        return f"arn:aws:iam::123456789012:role/{name}"


@pytest.mark.parametrize("value, existing, expected, looked_up", [
    (None, EXEC_ARN, None, []),
    (EXEC_ARN, None, EXEC_ARN, []),
    ("countweb-ecs-task-execution", EXEC_ARN, EXEC_ARN, []),
    ("countweb-ecs-task-execution", "arn:aws:iam::123456789012:role/service-role/countweb-ecs-task-execution",
     "arn:aws:iam::123456789012:role/service-role/countweb-ecs-task-execution", []),
    ("other", EXEC_ARN, "arn:aws:iam::123456789012:role/other", ["other"]),
    ("other", None, "arn:aws:iam::123456789012:role/other", ["other"]),
])
def test_resolve_role(value, existing, expected, looked_up):
    lookup = Lookups()
    assert td.resolve_role(value, existing, lookup) == expected
    assert lookup.names == looked_up


@pytest.mark.parametrize("current, desired, purge, to_set, to_remove", [
    ({"a": "1"}, None, True, {}, []),
    ({"a": "1"}, {"a": "1"}, True, {}, []),
    ({"a": "1"}, {"a": "2"}, True, {"a": "2"}, []),
    ({"a": "1", "b": "2"}, {"a": "1"}, True, {}, ["b"]),
    ({"a": "1", "b": "2"}, {"a": "1"}, False, {}, []),
    ({"aws:cloudformation:stack-name": "x"}, {}, True, {}, []),
    ({}, {"n": 1}, True, {"n": "1"}, []),
])
def test_tag_changes(current, desired, purge, to_set, to_remove):
    assert td.tag_changes(current, desired, purge) == (to_set, to_remove)


def arn(rev):
    return f"arn:aws:ecs:us-east-1:123456789012:task-definition/web-redis-task:{rev}"


@pytest.mark.parametrize("revisions, keep, stale", [
    ([1, 2, 3, 4, 5], 2, [1, 2, 3]),
    ([5, 3, 9, 10], 1, [3, 5, 9]),
    ([1, 2], 5, []),
    ([7], 1, []),
])
def test_revisions_to_prune(revisions, keep, stale):
    assert td.revisions_to_prune([arn(r) for r in revisions], keep) == [arn(r) for r in stale]


def test_family_of():
    assert td.family_of(arn(12)) == "web-redis-task"


URI = "111.dkr.ecr.us-east-1.amazonaws.com/countweb/web"
T0 = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)


@pytest.mark.parametrize("images, expected", [
    ([], None),
    ([{"imageDigest": "sha256:a", "imageTags": ["1.0.0"], "imagePushedAt": T0}], URI + ":1.0.0"),
    ([{"imageDigest": "sha256:a", "imageTags": ["1.0.0"], "imagePushedAt": T0},
      {"imageDigest": "sha256:b", "imageTags": ["1.0.1", "latest"], "imagePushedAt": T0 + datetime.timedelta(1)}],
     URI + ":1.0.1"),
    ([{"imageDigest": "sha256:a", "imageTags": ["latest"], "imagePushedAt": 1700000000}], URI + ":latest"),
    ([{"imageDigest": "sha256:c", "imagePushedAt": 1700000000}], URI + "@sha256:c"),
])
def test_newest_image(images, expected):
    assert td.newest_image(URI, images) == expected


def test_jsonable_dates():
    assert td.jsonable({"a": [T0]}) == {"a": ["2026-01-01T00:00:00+00:00"]}
