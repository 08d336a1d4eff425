# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every AWS call of ours is retried with jittered backoff and every list call is paginated (issue 10, point 8).

A static check of plugins/modules/*.py and plugins/module_utils/*.py (their syntax trees, nothing is run):
- a client is made only through ``module.client(...)`` (AnsibleAWSModule) and always with
  ``retry_decorator=AWSRetry.jittered_backoff(...)`` (or a name bound to it); ``module.client`` is never
  handed on as a bare factory, and boto3 clients are not made directly;
- every call of an operation (its snake_case name in botocore's model of one of SERVICES) passes
  ``aws_retry=True``, or runs in a function decorated with ``AWSRetry.jittered_backoff(...)`` (the form that
  paginators and the ``_call``/``_paginate`` helpers use); the same holds for ``get_paginator`` and for
  amazon.aws's ``paginated_query_with_retries`` (jittered unless given another decorator);
- an operation that botocore can paginate (paginators-1.json of the client's service) goes through a paginator,
  never a direct call, except the calls of SINGLE_PAGE: each names the parameter that carries explicit
  identifiers and why one page is provably enough; the call must pass that parameter as a one-element list.

Which service a call goes to: the ``.client("svc")`` its receiver was bound from (in the file), else the
services whose models have every operation the file calls on that receiver (``client.describe_tags`` next to
``client.describe_load_balancers`` is elbv2's, not EC2's).

The checker's own tests (test_the_check_catches) run it on broken copies of our files, changed in memory.
"""

from __future__ import annotations

import ast
from pathlib import Path

import botocore
import botocore.loaders
import pytest

ROOT = Path(__file__).resolve().parents[3]
FILES = sorted(ROOT.glob("plugins/modules/*.py")) + sorted(ROOT.glob("plugins/module_utils/*.py"))

# The services our modules make clients for (a client of another service fails the test: add it here).
SERVICES = ("application-autoscaling", "ec2", "ecr", "ecs", "elbv2", "iam", "logs", "resourcegroupstaggingapi",
            "servicediscovery", "sts")

# Direct calls of a paginated operation where one page is provably enough:
# (file, function, operation) -> (the parameter that carries explicit identifiers, why).
# The call must pass that parameter as a one-element list literal, else the exception does not apply.
SINGLE_PAGE = {
    ("plugins/module_utils/_alb_listener_tags.py", "read_listeners", "describe_load_balancers"): (
        "Names", "one load balancer name: names are unique per account and region, so at most one item"),
    ("plugins/module_utils/_alb_load_balancer.py", "find_load_balancers", "describe_load_balancers"): (
        "Names", "one load balancer name: names are unique per account and region, so at most one item"),
    ("plugins/module_utils/_alb_target_group.py", "read_target_group", "describe_target_groups"): (
        "Names", "one target group name: unique per account and region, so at most one item"),
    ("plugins/module_utils/_ecr_image.py", "read_repository", "describe_repositories"): (
        "repositoryNames", "one repository name: at most one item"),
    ("plugins/module_utils/_ecr_image.py", "find_image", "describe_images"): (
        "imageIds", "one image id: at most one image (DescribeImages ignores maxResults with imageIds)"),
    ("plugins/module_utils/_ecr_repository.py", "read_repository", "describe_repositories"): (
        "repositoryNames", "one repository name: at most one item"),
    ("plugins/module_utils/_task_definition_aws.py", "newest_image", "describe_repositories"): (
        "repositoryNames", "one repository name: at most one item"),
}

_LOADER = botocore.loaders.create_loader()


def _operations():
    """snake_case operation -> services that have it; and -> services that can paginate it."""
    ops, paginated = {}, {}
    for service in SERVICES:
        for op in _LOADER.load_service_model(service, "service-2")["operations"]:
            ops.setdefault(botocore.xform_name(op), set()).add(service)
        for op in _LOADER.load_service_model(service, "paginators-1")["pagination"]:
            paginated.setdefault(botocore.xform_name(op), set()).add(service)
    return ops, paginated


OPS, PAGINATED = _operations()


def _is_jittered(node, retry_names):
    """``AWSRetry.jittered_backoff(...)``, or a name bound to it."""
    if isinstance(node, ast.Name):
        return node.id in retry_names
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "jittered_backoff"
            and isinstance(node.func.value, ast.Name) and node.func.value.id == "AWSRetry")


def _is_module(node):
    """``module`` or ``<x>.module``: an AnsibleAWSModule."""
    return (isinstance(node, ast.Name) and node.id == "module") or (isinstance(node, ast.Attribute) and node.attr == "module")


def _keyword(call, name):
    return next((k.value for k in call.keywords if k.arg == name), None)


def _name(func):
    """The called name: ``f`` of ``f(...)`` and of ``x.f(...)``."""
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None


def _string(node):
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


class _File:
    def __init__(self, source, name):
        self.name = name
        self.tree = ast.parse(source)
        self.parents = {}
        for node in ast.walk(self.tree):
            for child in ast.iter_child_nodes(node):
                self.parents[child] = node
        self.imported = {(a.asname or a.name).split(".")[0] for n in ast.walk(self.tree)
                         if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}
        self.retry_names = {t.id for n in ast.walk(self.tree) if isinstance(n, ast.Assign) and _is_jittered(n.value, set())
                            for t in n.targets if isinstance(t, ast.Name)}
        self.functions = {n.name: n for n in ast.walk(self.tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
        self.methods = {n.name for c in ast.walk(self.tree) if isinstance(c, ast.ClassDef)
                        for n in c.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
        # Helpers that call getattr(client, operation)(...) or client.get_paginator(operation): name -> kind.
        self.helpers = {}
        for fn in self.functions.values():
            params = [a.arg for a in fn.args.args]
            for n in ast.walk(fn):
                if (isinstance(n, ast.Call) and isinstance(n.func, ast.Call) and isinstance(n.func.func, ast.Name)
                        and n.func.func.id == "getattr" and len(n.func.args) == 2
                        and all(isinstance(a, ast.Name) and a.id in params for a in n.func.args)):
                    retried = self.decorated(fn) or isinstance(_keyword(n, "aws_retry"), ast.Constant)
                    self.helpers[fn.name] = ("call", retried)
                if (isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "get_paginator"
                        and n.args and isinstance(n.args[0], ast.Name) and n.args[0].id in params):
                    self.helpers[fn.name] = ("paginate", self.decorated(fn))
                if (isinstance(n, ast.Call) and _name(n.func) == "paginated_query_with_retries" and len(n.args) >= 2
                        and all(isinstance(a, ast.Name) and a.id in params for a in n.args[:2])):
                    self.helpers[fn.name] = ("paginate", self.decorated(fn) or self._query_retried(n))
        # Receivers bound from a client of a named service: x = module.client("ecs"), self.ecs = ..., self.client("ecs").
        self.bound = {}
        for n in ast.walk(self.tree):
            if isinstance(n, ast.Assign) and isinstance(n.value, ast.Call) and self._client_service(n.value):
                for target in n.targets:
                    self.bound[ast.unparse(target)] = {self._client_service(n.value)}

    def _client_service(self, call):
        if isinstance(call.func, ast.Attribute) and call.func.attr == "client" and call.args:
            return _string(call.args[0])
        return None

    def function_of(self, node):
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                return node
        return None

    def decorated(self, fn):
        return fn is not None and any(_is_jittered(d, self.retry_names) for d in fn.decorator_list)

    def where(self, node):
        fn = self.function_of(node)
        return f"{self.name}:{node.lineno} ({fn.name if fn else '<module>'})"

    # -- the calls ---------------------------------------------------------------------------

    def operation_calls(self):
        """(node, receiver text, operation, form) for every call of an AWS operation; form: direct | paginated."""
        found = []
        for n in ast.walk(self.tree):
            if not isinstance(n, ast.Call):
                continue
            func = n.func
            if isinstance(func, ast.Attribute) and func.attr in OPS:
                receiver = func.value
                if isinstance(receiver, ast.Name) and receiver.id in self.imported:
                    continue  # a function of an imported module, not a client
                if isinstance(receiver, ast.Name) and receiver.id == "self" and func.attr in self.methods:
                    continue
                found.append((n, ast.unparse(receiver), func.attr, "direct"))
            elif isinstance(func, ast.Attribute) and func.attr == "get_paginator" and n.args and _string(n.args[0]):
                found.append((n, ast.unparse(func.value), _string(n.args[0]), "paginated"))
            name = _name(func)
            if name == "paginated_query_with_retries" and len(n.args) >= 2 and _string(n.args[1]):
                found.append((n, ast.unparse(n.args[0]), _string(n.args[1]), "paginated"))
            elif name in self.helpers and len(n.args) >= 2 and _string(n.args[1]):
                kind = self.helpers[name][0]
                found.append((n, ast.unparse(n.args[0]), _string(n.args[1]), "direct" if kind == "call" else "paginated"))
        return found

    def services_of(self, receiver, calls):
        if receiver in self.bound:
            return self.bound[receiver]
        if receiver.startswith(("self.client(", "module.client(")):
            return {receiver.split("(", 1)[1].split(")")[0].strip("\"'")}
        services = set(SERVICES)
        for _node, other, op, _form in calls:
            if other == receiver and op in OPS:
                services &= OPS[op]
        return services or set(SERVICES)

    def _query_retried(self, call):
        """paginated_query_with_retries(client, operation[, retry_decorator]): jittered unless given another."""
        given = _keyword(call, "retry_decorator") or (call.args[2] if len(call.args) > 2 else None)
        return given is None or _is_jittered(given, self.retry_names)

    def retried(self, node, form):
        if _name(node.func) == "paginated_query_with_retries":
            return self._query_retried(node)
        if self._helper_call(node):
            return self.helpers[self._helper_call(node)][1]
        flag = _keyword(node, "aws_retry")
        if isinstance(flag, ast.Constant) and flag.value is True:
            return True
        return self.decorated(self.function_of(node))

    def _helper_call(self, node):
        name = _name(node.func)
        return name if name in self.helpers else None

    # -- the rules ---------------------------------------------------------------------------

    def violations(self):
        problems = []
        called = set()
        for n in ast.walk(self.tree):
            if isinstance(n, ast.Call):
                called.add(n.func)
                func = n.func
                if isinstance(func, ast.Attribute) and func.attr == "client" and _is_module(func.value):
                    if not _is_jittered(_keyword(n, "retry_decorator"), self.retry_names):
                        problems.append(f"{self.where(n)}: a client made without retry_decorator=AWSRetry.jittered_backoff()")
                    service = _string(n.args[0]) if n.args else None
                    if service is not None and service not in SERVICES:
                        problems.append(f"{self.where(n)}: a client of {service!r}, not in SERVICES (add it)")
                if isinstance(func, ast.Attribute) and func.attr in ("client", "resource", "Session") and \
                        isinstance(func.value, ast.Name) and func.value.id in ("boto3", "session"):
                    problems.append(f"{self.where(n)}: a boto3 client made directly; use module.client(..., retry_decorator=...)")
        for n in ast.walk(self.tree):
            if isinstance(n, ast.Attribute) and n.attr == "client" and _is_module(n.value) and n not in called:
                problems.append(f"{self.where(n)}: module.client handed on as a factory, without a retry decorator")
        calls = self.operation_calls()
        for node, receiver, op, form in calls:
            if not self.retried(node, form):
                problems.append(f"{self.where(node)}: {receiver}.{op} is not retried (aws_retry=True, or a function "
                                "decorated with AWSRetry.jittered_backoff())")
            if form != "direct" or not self.services_of(receiver, calls) & PAGINATED.get(op, set()):
                continue
            fn = self.function_of(node)
            exception = SINGLE_PAGE.get((self.name, fn.name if fn else "<module>", op))
            if exception is None:
                problems.append(f"{self.where(node)}: {op} can be paginated (botocore's paginators-1.json) but is called "
                                "directly; use a paginator")
                continue
            value = _keyword(node, exception[0])
            if not (isinstance(value, ast.List) and len(value.elts) == 1):
                problems.append(f"{self.where(node)}: {op} is in SINGLE_PAGE for {exception[0]}=[one identifier], "
                                f"but the call does not pass {exception[0]} as a one-element list")
        return problems

    def single_page_uses(self):
        return {(self.name, self.function_of(node).name if self.function_of(node) else "<module>", op)
                for node, _receiver, op, form in self.operation_calls() if form == "direct"}


def violations(source, name):
    return _File(source, name).violations()


def _relative(path):
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("path", FILES, ids=_relative)
def test_every_call_is_retried_and_every_list_paginated(path):
    assert violations(path.read_text(), _relative(path)) == []


def test_the_files_are_found_and_make_clients():
    # The check would pass on nothing: make sure it looks at the modules and finds their clients and calls.
    files = [_File(p.read_text(), _relative(p)) for p in FILES]
    assert len(files) >= 40
    assert sum(len(f.operation_calls()) for f in files) >= 100


def test_every_single_page_exception_is_used():
    uses = set().union(*(_File(p.read_text(), _relative(p)).single_page_uses() for p in FILES))
    assert set(SINGLE_PAGE) - uses == set(), "stale SINGLE_PAGE entries"


# Broken copies of our files (changed in memory): (file, text to replace, replacement, what the check must say).
BROKEN = {
    "client without retry decorator": (
        "plugins/modules/ecs_service_status_info.py", 'module.client("ecs", retry_decorator=AWSRetry.jittered_backoff())',
        'module.client("ecs")', "a client made without retry_decorator"),
    "client with a backoff that is not jittered": (
        "plugins/modules/ecs_service_status_info.py", 'module.client("ecs", retry_decorator=AWSRetry.jittered_backoff())',
        'module.client("ecs", retry_decorator=AWSRetry.backoff())', "a client made without retry_decorator"),
    "module.client handed on as a factory": (
        "plugins/modules/deployment_info.py", "di.DeploymentInfo(_client, ", "di.DeploymentInfo(module.client, ",
        "module.client handed on as a factory"),
    "call without aws_retry": (
        "plugins/module_utils/_alb_target_group.py", "client.delete_target_group(aws_retry=True, ",
        "client.delete_target_group(", "client.delete_target_group is not retried"),
    "paginator in an undecorated function": (
        "plugins/modules/ecs_service_status_info.py", "@AWSRetry.jittered_backoff()\ndef list_stopped_task_arns",
        "def list_stopped_task_arns", "ecs.list_tasks is not retried"),
    "helper without retry": (
        "plugins/module_utils/_deployment_info.py", "@AWSRetry.jittered_backoff()\ndef _call(",
        "def _call(", "describe_vpc_attribute is not retried"),
    "list call without a paginator": (
        "plugins/modules/ecs_service_status_info.py",
        'paginator = ecs.get_paginator("list_tasks")\n    pages = paginator.paginate(',
        "pages = ecs.list_tasks(", "list_tasks can be paginated"),
    "single-page exception without its identifiers": (
        "plugins/module_utils/_alb_target_group.py", "client.describe_target_groups(aws_retry=True, Names=[name])",
        "client.describe_target_groups(aws_retry=True)", "does not pass Names as a one-element list"),
    "paginated_query_with_retries with another backoff": (
        "plugins/module_utils/_task_definition_aws.py", "paginated_query_with_retries(client, name, **kwargs)",
        "paginated_query_with_retries(client, name, AWSRetry.backoff(), **kwargs)",
        "list_task_definitions is not retried"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_the_check_catches(case):
    name, old, new, expected = BROKEN[case]
    source = (ROOT / name).read_text()
    assert source.count(old) == 1, f"{case}: the text to break is no longer in {name} exactly once"
    assert violations(source, name) == []
    found = violations(source.replace(old, new), name)
    assert any(expected in problem for problem in found), found
