# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""AWS side of the ecs_task_definition module: the few ECS/IAM/ECR calls, around _task_definition's logic.

Tested against the AWS emulator (tests/integration/task_definition); the pure logic it uses is unit-tested.
"""

from __future__ import annotations

import copy

try:
    import botocore
    import botocore.session
    from botocore.validate import ParamValidator
except ImportError:
    pass  # AnsibleAWSModule reports the missing dependency.

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.botocore import paginated_query_with_retries
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.fargate.microservice.plugins.module_utils import _ownership
from ansible_collections.fargate.microservice.plugins.module_utils import _task_definition as td
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import jsonable

HEALTH_CHECK_SPEC = dict(
    command=dict(type="list", elements="str", required=True),
    interval=dict(type="int"),
    timeout=dict(type="int"),
    retries=dict(type="int"),
    start_period=dict(type="int"),
)

CONTAINER_SPEC = dict(
    name=dict(type="str", default="web"),
    image=dict(type="str"),
    repository=dict(type="str"),
    port=dict(type="int", default=8000),
    environment=dict(type="dict"),
    command=dict(type="list", elements="str"),
    cpu=dict(type="int"),
    memory=dict(type="int"),
    memory_reservation=dict(type="int"),
    health_check=dict(type="dict", options=HEALTH_CHECK_SPEC),
    readonly_root_filesystem=dict(type="bool", default=False),
    essential=dict(type="bool", default=True),
    log_stream_prefix=dict(type="str"),
    extra=dict(type="dict"),
)

PLACEHOLDER_ACCOUNT_ROLE = "arn:aws:iam::000000000000:role/"
# Image tag shown in check mode when the ECR repository has no image yet.
PENDING_TAG = "pending-push"


def _ecs_model():
    return botocore.session.get_session().get_service_model("ecs")


def offline_errors(params, region):
    """Validation before any AWS call: our rules, then botocore's own check of the whole request."""
    model = _ecs_model()
    container_keys = set(model.shape_for("ContainerDefinition").members)
    errors = td.validate(params, container_keys)
    if errors or params["state"] != "present":
        return errors
    # Build the request with placeholders for what needs AWS (ECR images, role ARNs) and let botocore check
    # every type and required field the way it would at call time.
    probe = copy.deepcopy(params)
    for key in ("app", "redis"):
        if probe.get(key):
            probe[key]["image"] = probe[key].get("image") or "placeholder"
    for key in ("execution_role", "task_role"):
        if probe.get(key) and not probe[key].startswith("arn:"):
            probe[key] = PLACEHOLDER_ACCOUNT_ROLE + probe[key]
    request = td.build_request(probe, region or "us-east-1")
    report = ParamValidator().validate(request, model.operation_model("RegisterTaskDefinition").input_shape)
    if report.has_errors():
        errors.append("the task definition does not match the ECS API (check app.extra / redis.extra): "
                      + " ".join(report.generate_report().split()))
    return errors


class TaskDefinitions:
    """The ECS/IAM/ECR calls, each counted in ``calls`` (the benchmark and tests read it)."""

    def __init__(self, module):
        self.module = module
        retry = AWSRetry.jittered_backoff()
        self.ecs = module.client("ecs", retry_decorator=retry)
        self._iam = None
        self._ecr = None
        self.calls = []

    def _call(self, client, name, **kwargs):
        self.calls.append(name)
        return getattr(client, name)(aws_retry=True, **kwargs)

    def _list(self, client, name, key, **kwargs):
        """Every item under ``key`` of a paginated list call (botocore's paginator, retried with jittered backoff)."""
        self.calls.append(name)
        return paginated_query_with_retries(client, name, **kwargs).get(key, [])

    def describe(self, task_definition):
        """(definition, tags) of a family's newest ACTIVE revision or of family:revision; (None, {}) if none."""
        try:
            response = self._call(self.ecs, "describe_task_definition", taskDefinition=task_definition, include=["TAGS"])
        except is_boto3_error_code("ClientException"):
            return None, {}
        return response["taskDefinition"], td.tags_to_dict(response.get("tags"))

    def newest_active(self, family):
        definition, tags = self.describe(family)
        if definition is None or definition.get("status") == "ACTIVE":
            return definition, tags
        # AWS describes the newest ACTIVE revision for a bare family; an emulator may return the newest of
        # any status. Fall back to the ACTIVE list (newest first) only then.
        arns = self.active_arns(family, newest_first=True, first_only=True)
        if not arns:
            return None, {}
        return self.describe(arns[0])

    def newest_owned(self, family, required_tags, below=None):
        """(definition, tags) of the newest ACTIVE revision carrying every tag of ``required_tags``
        (older than revision ``below`` when given); (None, {}) if there is none.

        Costs one DescribeTaskDefinition when the family's newest ACTIVE revision is ours (the usual case);
        otherwise the ACTIVE revisions are listed and described, newest first, until one is ours.
        """
        if below is None:
            definition, tags = self.newest_active(family)
            if definition is None or _ownership.is_owned(tags, required_tags):
                return definition, tags
            seen = definition["taskDefinitionArn"]
        else:
            seen = None
        # Newest first by revision number (an emulator may ignore sort=DESC).
        for arn in sorted(self.active_arns(family, newest_first=True), key=lambda a: int(a.rsplit(":", 1)[-1]), reverse=True):
            if arn == seen or (below is not None and int(arn.rsplit(":", 1)[-1]) >= below):
                continue
            definition, tags = self.describe(arn)
            if definition is not None and _ownership.is_owned(tags, required_tags):
                return definition, tags
        return None, {}

    def active_arns(self, family, newest_first=False, first_only=False):
        # familyPrefix also lists longer families (web-redis-task2 for web-redis-task): only the family's own count.
        listed = self._list(self.ecs, "list_task_definitions", "taskDefinitionArns", familyPrefix=family, status="ACTIVE",
                            sort="DESC" if newest_first else "ASC")
        arns = [arn for arn in listed if td.family_of(arn) == family]
        return arns[:1] if first_only else arns

    def role_arn(self, name):
        if self._iam is None:
            self._iam = self.module.client("iam", retry_decorator=AWSRetry.jittered_backoff())
        try:
            return self._call(self._iam, "get_role", RoleName=name)["Role"]["Arn"]
        except is_boto3_error_code("NoSuchEntity"):
            if self.module.check_mode:
                # Check mode on a stack not deployed yet: the role would exist by the time we register.
                self.module.warn(f"IAM role {name!r} does not exist yet; check mode assumes it will.")
                return PLACEHOLDER_ACCOUNT_ROLE + name
            self.module.fail_json(msg=f"IAM role {name!r} does not exist; create it (the ecs_cluster role does) or give its ARN.")

    def newest_image(self, repository):
        if self._ecr is None:
            self._ecr = self.module.client("ecr", retry_decorator=AWSRetry.jittered_backoff())
        try:
            repo = self._call(self._ecr, "describe_repositories", repositoryNames=[repository])["repositories"][0]
        except is_boto3_error_code("RepositoryNotFoundException"):
            if self.module.check_mode:
                self.module.warn(f"ECR repository {repository!r} does not exist yet; check mode assumes an image will be pushed.")
                return f"{repository}:{PENDING_TAG}"
            self.module.fail_json(msg=f"ECR repository {repository!r} does not exist; create and push to it, or set image.")
        images = self._list(self._ecr, "describe_images", "imageDetails", repositoryName=repository)
        image = td.newest_image(repo["repositoryUri"], images)
        if image is None:
            if self.module.check_mode:
                self.module.warn(f"ECR repository {repository!r} holds no image yet; check mode assumes one will be pushed.")
                return f"{repo['repositoryUri']}:{PENDING_TAG}"
            self.module.fail_json(msg=f"ECR repository {repository!r} holds no image; push one first or set image.")
        return image

    def register(self, request, tags):
        kwargs = dict(request)
        if tags:
            kwargs["tags"] = [{"key": k, "value": v} for k, v in sorted(tags.items())]
        return self._call(self.ecs, "register_task_definition", **kwargs)["taskDefinition"]

    def deregister(self, arn):
        self._call(self.ecs, "deregister_task_definition", taskDefinition=arn)

    def retag(self, arn, to_set, to_remove):
        if to_set:
            self._call(self.ecs, "tag_resource", resourceArn=arn,
                       tags=[{"key": k, "value": v} for k, v in sorted(to_set.items())])
        if to_remove:
            self._call(self.ecs, "untag_resource", resourceArn=arn, tagKeys=to_remove)


def run(module):
    params = module.params
    errors = offline_errors(params, module.region)
    if errors:
        module.fail_json(msg=" ".join(errors), errors=errors)
    api = TaskDefinitions(module)
    try:
        if params["state"] == "absent":
            result = absent(module, api)
        else:
            result = present(module, api)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"ECS task definition family {params['family']!r}: AWS call failed")
    result["api_calls"] = api.calls
    module.exit_json(**result)


def present(module, api):
    params = copy.deepcopy(module.params)
    family = params["family"]
    required = {k: str(v) for k, v in (params.get("required_tags") or {}).items()}
    # In a family that several deployments share, only this deployment's revisions are compared with.
    existing, existing_tags = api.newest_owned(family, required) if required else api.newest_active(family)

    for key in ("app", "redis"):
        if params.get(key) and not params[key].get("image"):
            params[key]["image"] = api.newest_image(params[key]["repository"])
    params["execution_role"] = td.resolve_role(
        params.get("execution_role"), (existing or {}).get("executionRoleArn"), api.role_arn)
    params["task_role"] = td.resolve_role(params.get("task_role"), (existing or {}).get("taskRoleArn"), api.role_arn)

    request = td.build_request(params, module.region)
    before, after = td.normalize(existing), td.normalize(request)
    changes = td.differences(before, after) if existing else ["(no ACTIVE revision)"]

    desired_tags = params.get("tags")
    if desired_tags is not None:
        desired_tags = {k: str(v) for k, v in desired_tags.items()}
    result = dict(changed=False, registered=False, family=family, changes=changes, deregistered=[])
    final_tags = existing_tags

    if existing and not changes:
        definition = existing
        to_set, to_remove = td.tag_changes(existing_tags, desired_tags, params["purge_tags"])
        if to_set or to_remove:
            result["changed"] = True
            final_tags = dict(existing_tags)
            final_tags.update(to_set)
            for key in to_remove:
                final_tags.pop(key, None)
            if not module.check_mode:
                api.retag(existing["taskDefinitionArn"], to_set, to_remove)
    else:
        if desired_tags is None:
            final_tags = {}
        elif params["purge_tags"]:
            final_tags = desired_tags
        else:
            final_tags = dict(existing_tags)
            final_tags.update(desired_tags)
        result["changed"] = result["registered"] = True
        if module.check_mode:
            definition = request
        else:
            definition = api.register(request, final_tags)

    result["task_definition"] = jsonable(definition)
    result["arn"] = definition.get("taskDefinitionArn")
    result["revision"] = definition.get("revision")
    result["tags"] = final_tags

    keep = params.get("keep_revisions")
    if keep:
        arns = api.active_arns(family)
        if required:
            # Only this deployment's revisions are pruned (and counted).
            arns = [arn for arn in arns if arn == result["arn"] or _ownership.is_owned(api.describe(arn)[1], required)]
        if module.check_mode and result["registered"]:
            keep -= 1  # the revision that would be registered is the newest
        stale = td.revisions_to_prune(arns, keep) if keep > 0 else sorted(arns, key=lambda a: int(a.rsplit(":", 1)[-1]))
        for arn in stale:
            if not module.check_mode:
                api.deregister(arn)
        result["deregistered"] = stale
        result["changed"] = result["changed"] or bool(stale)

    if module._diff:
        result["diff"] = dict(
            before=dict(definition=before, tags=existing_tags if existing else {}),
            after=dict(definition=after, tags=final_tags),
        )
    return result


def absent(module, api):
    params = module.params
    family = params["family"]
    if params.get("revision"):
        definition, dummy = api.describe(f"{family}:{params['revision']}")
        arns = [definition["taskDefinitionArn"]] if definition and definition.get("status") == "ACTIVE" else []
    else:
        arns = api.active_arns(family)
    skipped = []
    required = params.get("required_tags")
    if required:
        # Only revisions carrying every required tag (the ownership tag) are ours to deregister.
        owned = []
        for arn in arns:
            dummy, tags = api.describe(arn)
            (owned if all(tags.get(k) == str(v) for k, v in required.items()) else skipped).append(arn)
        arns = owned
    for arn in arns:
        if not module.check_mode:
            api.deregister(arn)
    result = dict(changed=bool(arns), registered=False, family=family, deregistered=arns, skipped=skipped)
    if module._diff:
        result["diff"] = dict(before=dict(active_revisions=arns), after=dict(active_revisions=[]))
    return result


def info(module, api):
    """The ecs_task_definition_info module: one revision of the family, chosen among this deployment's."""
    params = module.params
    family = params["family"]
    required = {k: str(v) for k, v in (params.get("required_tags") or {}).items()}
    if params.get("revision"):
        definition, tags = api.describe(f"{family}:{params['revision']}")
        if definition is not None and td.family_of(definition.get("taskDefinitionArn", "")) != family:
            definition, tags = None, {}
    else:
        definition, tags = api.newest_owned(family, required, below=params.get("before"))
    result = dict(changed=False, found=definition is not None, family=family, task_definition="", revision=0, arn="",
                  status="", tags=tags, owned=False, images={})
    if definition is not None:
        result.update(
            task_definition=f"{family}:{definition['revision']}",
            revision=definition["revision"],
            arn=definition["taskDefinitionArn"],
            status=definition.get("status", ""),
            owned=_ownership.is_owned(tags, required),
            images={c["name"]: c.get("image", "") for c in definition.get("containerDefinitions", [])},
        )
    result["api_calls"] = api.calls
    return result


def run_info(module):
    family = module.params["family"]
    if not td.NAME_RE.match(family):
        module.fail_json(msg=f"family={family!r} is invalid; use 1-255 letters, digits, hyphens or underscores.")
    for key in ("revision", "before"):
        if module.params.get(key) is not None and module.params[key] < 1:
            module.fail_json(msg=f"{key}={module.params[key]} is not a revision number; use 1 or more.")
    api = TaskDefinitions(module)
    try:
        result = info(module, api)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"ECS task definition family {family!r}: AWS call failed")
    module.exit_json(**result)
