# -*- coding: utf-8 -*-
# Copyright: fargate.microservice contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The collection's stdout callback: one line per role, what changed or failed in full, and a summary."""

from __future__ import annotations

DOCUMENTATION = r"""
name: progress
type: stdout
short_description: One progress line per role, changes and failures in full, and a summary at the end
version_added: 0.1.0
author:
  - fargate.microservice contributors (@fargate-microservice)
description:
  - Prints one line per role as it starts (C([3/14] image_build)) instead of a header per task; a role every task of which
    is skipped (its C(when) is false) prints nothing and leaves the count.
  - Prints in full what a user needs to see, just as the default callback does, every changed task (with its items and,
    under C(--diff), its diff), every failed or unreachable task (with C(...ignoring) when the failure is ignored), every
    retry, every warning and deprecation, and what C(ansible.builtin.debug) tasks say.
  - Ends with a summary of what exists, the VPC, the load balancer and its DNS name, the cluster, the service with its
    task definition revision and image tags, and the URL, read from the facts the status role puts together at the end
    of C(site.yml) (its C(__status_doc)) and from the results of P(fargate.microservice.deployment_info#module) and
    P(amazon.aws.ec2_vpc_net#module); then the usual C(PLAY RECAP).
  - The status role's short summary is folded into that summary rather than printed twice.
  - With C(-v) (or more) or O(full_output=true), it prints exactly what the default callback prints.
  - Under ansible-runner (AWX) name it in C(ANSIBLE_STDOUT_CALLBACK) of the job's environment; ansible-runner then builds
    its event callback on it, so every job event is still emitted.
extends_documentation_fragment:
  - ansible.builtin.default_callback
  - ansible.builtin.result_format_callback
options:
  full_output:
    description:
      - Print what the default callback prints (every task header and result).
    type: bool
    default: false
    env:
      - name: FARGATE_MICROSERVICE_FULL_OUTPUT
    ini:
      - section: callback_progress
        key: full_output
requirements:
  - Set as stdout callback in configuration (C(stdout_callback = fargate.microservice.progress)).
"""

from ansible import constants as C
from ansible import context
from ansible.executor.task_result import CallbackTaskResult
from ansible.playbook.task_include import TaskInclude
from ansible.plugins.callback.default import CallbackModule as DefaultCallbackModule

try:
    from ansible_collections.fargate.microservice.plugins.filter.status import status_summary
except ImportError:  # pragma: no cover - the collection is always importable where the callback is loaded by name
    status_summary = None

_DEBUG_ACTIONS = frozenset(("debug", "ansible.builtin.debug", "ansible.legacy.debug"))
_DEPLOYMENT_INFO = frozenset(("fargate.microservice.deployment_info",))
_VPC_NET = frozenset(("amazon.aws.ec2_vpc_net",))
_STATUS_DOC = "__status_doc"


def role_label(role):
    """A role's short name (C(image_build) for C(fargate.microservice.image_build))."""
    try:
        return role.get_name(include_role_fqcn=False)
    except TypeError:  # pragma: no cover - older signatures
        return role.get_name()


def task_label(task):
    """C(role : task name), the role without its collection (the role that holds the task, as the default callback says)."""
    try:
        return task.get_name(include_role_fqcn=False).strip()
    except TypeError:  # pragma: no cover - older signatures
        return task.get_name().strip()


def top_role(task):
    """The role of the play's role list that a task runs under, also through include_role/import_role and dependencies.

    Walks the task's parents outwards (blocks, the include_role task that pulled a role in) and keeps the outermost
    role found, so the preflight role's inclusion of every other role's checks counts as preflight.
    """
    outer = None
    node = task
    seen = 0
    while node is not None and seen < 1000:
        seen += 1
        role = getattr(node, "_role", None)
        if role is not None:
            chain = []
            try:
                chain = node.get_dep_chain() or []
            except (AttributeError, TypeError):
                chain = []
            outer = chain[0] if chain else role
        node = getattr(node, "_parent", None)
    return outer


def tags_select(tags, only_tags, skip_tags):
    """Whether an object with these tags runs under --tags/--skip-tags (ansible's Taggable.evaluate_tags, no templating)."""
    tags = set(tags or []) or {"untagged"}
    only_tags = set(only_tags or [])
    skip_tags = set(skip_tags or [])
    run = True
    if only_tags:
        if "always" in tags:
            run = True
        elif ("all" in only_tags and "never" not in tags) or not tags.isdisjoint(only_tags):
            run = True
        elif "tagged" in only_tags and tags != {"untagged"} and "never" not in tags:
            run = True
        else:
            run = False
    if run and skip_tags:
        if "all" in skip_tags:
            if "always" not in tags or "always" in skip_tags:
                run = False
        elif not tags.isdisjoint(skip_tags):
            run = False
        elif "tagged" in skip_tags and tags != {"untagged"}:
            run = False
    return run


def summary_lines(doc, vpc):
    """The closing summary: what exists and the URL, from the status document (and the VPC seen during the run)."""
    lines = []
    if doc:
        lines.append(f"Deployment {doc.get('deployment')} ({doc.get('target')} target)")
    elif vpc:
        lines.append("Seen during this run")
    if vpc:
        lines.append(f"  VPC            {vpc.get('name') or ''} {vpc.get('id')} {vpc.get('cidr') or ''}".rstrip())
    if not doc:
        return lines
    resources = doc.get("resources") or {}
    if not vpc:
        for item in resources.get("vpc") or []:
            lines.append(f"  VPC            {item.get('name')} {item.get('id')} {item.get('cidr') or ''}".rstrip())
    lbs = resources.get("load_balancer") or []
    for lb in lbs:
        lines.append(f"  load balancer  {lb.get('name')}, DNS name {lb.get('dns_name') or '?'}")
    if not lbs:
        lines.append("  load balancer  missing")
    service = doc.get("service") or {}
    lines.append(f"  cluster        {service.get('cluster')}")
    if service.get("exists"):
        # As the status role's short form counts: on the local target the tasks whose containers run (the engine).
        running = service.get("running")
        if doc.get("target") == "local":
            running = sum(1 for task in doc.get("tasks") or [] if task.get("status") == "RUNNING")
        lines.append(f"  service        {service.get('name')}: running {running} / desired {service.get('desired')},"
                     f" rollout {service.get('rollout_state')}")
        lines.append(f"  task def.      {service.get('task_definition')} (revision {service.get('revision')})")
        tags = service.get("image_tags") or {}
        images = ", ".join(f"{name}:{tag or '?'}" for name, tag in sorted(tags.items())) or "unknown"
        lines.append(f"  images         {images}")
    else:
        lines.append(f"  service        {service.get('name')}: missing")
    missing = doc.get("missing") or []
    if missing:
        lines.append(f"  missing        {len(missing)} resource(s) (make status shows which)")
    lines.append(f"  URL            {doc.get('url') or '(none yet: no load balancer)'}")
    return lines


class CallbackModule(DefaultCallbackModule):
    """One progress line per role, changes and failures in full, a summary at the end (see DOCUMENTATION)."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "stdout"
    CALLBACK_NAME = "fargate.microservice.progress"

    def __init__(self):
        super().__init__()
        self._planned = 0  # roles of the playbook that may still run
        self._done = 0  # roles that printed their line
        self._role = None  # the role of the play's list being run
        self._role_key = None
        self._role_printed = False
        self._status_doc = None
        self._status_summary_folded = False
        self._status_screen_shown = False
        self._vpc = None
        self._changed = []

    # -- mode ---------------------------------------------------------------------------------------------------------
    def _full(self):
        return self._display.verbosity >= 1 or bool(self.get_option("full_output"))

    # -- roles --------------------------------------------------------------------------------------------------------
    def v2_playbook_on_start(self, playbook):
        if self._full():
            return super().v2_playbook_on_start(playbook)
        only_tags = context.CLIARGS.get("tags") or []
        skip_tags = context.CLIARGS.get("skip_tags") or []
        for play in playbook.get_plays():
            for role in play.get_roles():
                tags = list(role.tags or []) + list(play.tags or [])
                if tags_select(tags, only_tags, skip_tags):
                    self._planned += 1
        if context.CLIARGS.get("check"):
            self._display.display("Check mode: nothing is changed, changes are reported as they would be made.",
                                  color=C.COLOR_CHANGED)
        return None

    def v2_playbook_on_play_start(self, play):
        if self._full():
            return super().v2_playbook_on_play_start(play)
        self._play = play
        return None

    def _leave_role(self):
        if self._role is not None and not self._role_printed:
            # Every task of the role was skipped: it does not count.
            self._planned = max(self._planned - 1, self._done)
        self._role = None
        self._role_key = None
        self._role_printed = False

    def _enter(self, task):
        role = top_role(task)
        key = (id(self._play), id(role)) if role is not None else None
        if key != self._role_key:
            self._leave_role()
            self._role, self._role_key = role, key

    def _progress(self):
        """Print the current role's line, once, when its first task does something."""
        if self._role is None or self._role_printed:
            return
        self._role_printed = True
        self._done += 1
        self._planned = max(self._planned, self._done)
        self._display.display(f"[{self._done}/{self._planned}] {role_label(self._role)}", color=C.COLOR_OK)

    def v2_playbook_on_task_start(self, task, is_conditional):
        if self._full():
            return super().v2_playbook_on_task_start(task, is_conditional)
        self._enter(task)
        self._task_type_cache[task._uuid] = "TASK"
        self._last_task_name = task.get_name().strip()
        return None

    def v2_playbook_on_handler_task_start(self, task):
        if self._full():
            return super().v2_playbook_on_handler_task_start(task)
        self._enter(task)
        self._task_type_cache[task._uuid] = "RUNNING HANDLER"
        self._last_task_name = task.get_name().strip()
        return None

    # -- results ------------------------------------------------------------------------------------------------------
    def _task_line(self, result: CallbackTaskResult, status, item=None):
        text = f"  {status}: {task_label(result.task)}"
        if item is not None:
            text += f" (item={item})"
        return text

    def _capture(self, result: CallbackTaskResult):
        """Keep what the summary needs: the status document and the VPC."""
        res = result.result
        facts = res.get("ansible_facts") or {}
        if isinstance(facts.get(_STATUS_DOC), dict):
            self._status_doc = facts[_STATUS_DOC]
        action = getattr(result.task, "resolved_action", None) or result.task.action
        if action in _DEPLOYMENT_INFO:
            for item in (res.get("resources") or {}).get("vpc") or []:
                self._vpc = {"name": item.get("name"), "id": item.get("id"), "cidr": item.get("cidr")}
        elif action in _VPC_NET and isinstance(res.get("vpc"), dict) and res["vpc"].get("id"):
            vpc = res["vpc"]
            name = (vpc.get("tags") or {}).get("Name")
            self._vpc = {"name": name, "id": vpc["id"], "cidr": vpc.get("cidr_block")}

    def _debug_message(self, result: CallbackTaskResult):
        res = result.result
        if "msg" in res:
            msg = res["msg"]
        else:
            msg = {k: v for k, v in res.items() if not k.startswith("_") and k not in ("changed", "failed")}
        if isinstance(msg, list) and all(isinstance(x, str) for x in msg):
            text = "\n".join(msg)
        elif isinstance(msg, str):
            text = msg
        else:
            text = self._dump_results(msg if isinstance(msg, dict) else {"msg": msg}, indent=2)
        if self._status_doc is not None and status_summary is not None:
            try:
                if text == "\n".join(status_summary(self._status_doc)):
                    self._status_summary_folded = True
                    return None
            except (KeyError, TypeError):
                pass
            self._status_screen_shown = True
        return text

    def v2_runner_on_ok(self, result: CallbackTaskResult) -> None:
        if self._full():
            return super().v2_runner_on_ok(result)
        self._capture(result)
        if isinstance(result.task, TaskInclude):
            return None
        self._progress()
        self._handle_warnings_and_exception(result)
        action = getattr(result.task, "resolved_action", None) or result.task.action
        if action in _DEBUG_ACTIONS:
            text = self._debug_message(result)
            if text is not None:
                self._display.display("\n".join("  " + line for line in str(text).splitlines()))
            return None
        if result.result.get("changed", False):
            self._changed.append(task_label(result.task))
            if result.task.loop and "results" in result.result:
                self._display.display(self._task_line(result, "changed") + ":", color=C.COLOR_CHANGED)
                for item in result.result["results"]:
                    if item.get("changed", False):
                        self._display.display(f"    changed: (item={self._get_item_label(item)})", color=C.COLOR_CHANGED)
            else:
                self._display.display(self._task_line(result, "changed"), color=C.COLOR_CHANGED)
        return None

    def v2_runner_item_on_ok(self, result: CallbackTaskResult) -> None:
        if self._full():
            return super().v2_runner_item_on_ok(result)
        # Items are reported with their task (v2_runner_on_ok); their warnings here.
        self._handle_warnings_and_exception(result)
        return None

    def v2_runner_on_skipped(self, result: CallbackTaskResult) -> None:
        if self._full():
            return super().v2_runner_on_skipped(result)
        self._handle_warnings_and_exception(result)
        return None

    def v2_runner_item_on_skipped(self, result: CallbackTaskResult) -> None:
        if self._full():
            return super().v2_runner_item_on_skipped(result)
        return None

    def v2_runner_on_failed(self, result: CallbackTaskResult, ignore_errors: bool = False) -> None:
        if not self._full():
            self._progress()
        return super().v2_runner_on_failed(result, ignore_errors=ignore_errors)

    def v2_runner_item_on_failed(self, result: CallbackTaskResult) -> None:
        if not self._full():
            self._progress()
        return super().v2_runner_item_on_failed(result)

    def v2_runner_on_unreachable(self, result: CallbackTaskResult) -> None:
        if not self._full():
            self._progress()
        return super().v2_runner_on_unreachable(result)

    def v2_runner_retry(self, result: CallbackTaskResult) -> None:
        if not self._full():
            self._progress()
        return super().v2_runner_retry(result)

    def v2_on_file_diff(self, result: CallbackTaskResult) -> None:
        if self._full():
            return super().v2_on_file_diff(result)
        results = result.result.get("results") if result.task.loop else None
        for res in results if isinstance(results, list) else [result.result]:
            if res.get("diff") and res.get("changed", False):
                diff = self._get_diff(res["diff"])
                if diff:
                    self._display.display(diff)
        return None

    def v2_playbook_on_include(self, included_file):
        if self._full():
            return super().v2_playbook_on_include(included_file)
        return None

    def v2_playbook_on_no_hosts_matched(self):
        return super().v2_playbook_on_no_hosts_matched() if self._full() else None

    # -- the end --------------------------------------------------------------------------------------------------------
    def v2_playbook_on_stats(self, stats):
        if not self._full():
            self._leave_role()
            lines = []
            if not self._status_screen_shown:
                lines = summary_lines(self._status_doc, self._vpc)
            if lines:
                self._display.display("")
                for line in lines:
                    self._display.display(line, color=C.COLOR_OK if not line.startswith("  ") else None)
            count = len(self._changed)
            self._display.display("")
            self._display.display(f"{count} task(s) changed" if count else "Nothing changed.",
                                  color=C.COLOR_CHANGED if count else C.COLOR_OK)
        return super().v2_playbook_on_stats(stats)
