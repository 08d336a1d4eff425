# -*- coding: utf-8 -*-
# Copyright: fargate.microservice contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""AWX survey questions generated from the roles' ``meta/argument_specs.yml``.

A job template lists the variables it asks for; each listed variable is looked up in the
roles' argument specs (every entry point), and its type, choices, default, required flag and
description become one AWX survey question, so a survey never drifts from the roles:

=====================================  ==========================================================
argument spec                          survey question
=====================================  ==========================================================
``no_log: true`` (any scalar type)     ``password``
``str``/``path``/``raw`` + ``choices``  ``multiplechoice`` (choices as strings)
``str``/``path``/``raw``               ``text``
``int`` (+ ``choices``)                ``integer`` (``multiplechoice``)
``float``                              ``float``
``bool``                               ``multiplechoice`` ``true``/``false`` (the roles test booleans
                                       with ``| bool`` and modules convert them)
``list`` of str/int + ``choices``      ``multiselect`` (default: the items joined by newlines, as
                                       AWX stores it)
``dict``, a ``list`` without choices  refused: AWX answers such a question with one string, and a
                                       role's argument spec checks but does not convert what it
                                       gets, so set them in the template's extra vars
=====================================  ==========================================================

A default that is a Jinja expression (``{{ ... }}``) or ``None`` is left out (the role computes
it).
An item of a template's list is a variable name, or a mapping ``{variable: NAME, ...}`` that may
override ``question_name``, ``question_description``, ``required``, ``default``, ``min`` and
``max`` (AWX's min/max: the length of a text answer, the value of a number; ``default: null``
removes the argument spec's default, so a required question must be answered). A question for a
variable that a playbook (not a role) reads gives ``from_playbook`` and its ``type`` and
``question_description``; it is the only kind not looked up in the argument specs.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import keyword
import re

# AWX's own job variables start with these (awx/main/constants.py JOB_VARIABLE_PREFIXES).
RESERVED_PREFIXES = ("awx_", "tower_")
OVERRIDE_KEYS = ("question_name", "question_description", "required", "default", "min", "max")
CUSTOM_KEYS = OVERRIDE_KEYS + ("variable", "type", "choices", "from_playbook")
QUESTION_TYPES = ("text", "textarea", "password", "integer", "float", "multiplechoice", "multiselect")
_MARKUP = re.compile(r"\b[BCEIMOPUV]\(([^()]*)\)")
_LINK = re.compile(r"\bL\(([^,()]*),[^()]*\)")


class SurveyError(ValueError):
    """A survey cannot be generated; the message names the template and the variable."""


def plain_text(description):
    """An argument spec description (string or list of paragraphs) without Ansible doc markup."""
    if description is None:
        return ""
    if isinstance(description, (list, tuple)):
        description = " ".join(str(d) for d in description)
    text = _LINK.sub(r"\1", str(description))
    text = _MARKUP.sub(r"\1", text)
    return " ".join(text.split())


def find_option(variable, argument_specs):
    """Return ``(role, option)`` for the first role (sorted by name) whose argument spec declares it.

    ``argument_specs`` maps a role name to its parsed ``meta/argument_specs.yml``.
    Returns ``(None, None)`` when no role declares the variable.
    """
    for role in sorted(argument_specs or {}):
        entry_points = (argument_specs[role] or {}).get("argument_specs") or {}
        for entry in sorted(entry_points):
            options = (entry_points[entry] or {}).get("options") or {}
            if variable in options:
                return role, options[variable] or {}
    return None, None


def _is_template(value):
    return isinstance(value, str) and ("{{" in value or "{%" in value)


def _scalar(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _check_name(template, variable):
    if not isinstance(variable, str) or not variable.isidentifier() or keyword.iskeyword(variable):
        raise SurveyError(f"Job template {template!r}: {variable!r} is not a valid Ansible variable name; fix the template's survey list.")
    if variable.startswith(RESERVED_PREFIXES):
        raise SurveyError(f"Job template {template!r}: {variable!r} starts with awx_ or tower_, which AWX reserves for its own job variables; rename it.")


def question_from_option(template, variable, option, role=None):
    """One AWX survey question for the argument spec ``option`` of ``variable``."""
    opt_type = option.get("type", "str")
    elements = option.get("elements", "str")
    choices = option.get("choices")
    default = option.get("default")
    where = f"role {role}'s" if role else "its"
    question = {
        "variable": variable,
        "question_name": variable,
        "question_description": plain_text(option.get("description")),
        "required": bool(option.get("required", False)),
    }

    if option.get("no_log"):
        if opt_type in ("list", "dict"):
            raise SurveyError(f"Job template {template!r}: {variable!r} is a no_log {opt_type}; a password question holds one string,"
                              " so set it in a credential or the template's extra vars.")
        question["type"] = "password"
    elif opt_type in ("str", "path", "raw"):
        question["type"] = "multiplechoice" if choices else "text"
    elif opt_type == "int":
        question["type"] = "multiplechoice" if choices else "integer"
    elif opt_type == "float":
        question["type"] = "multiplechoice" if choices else "float"
    elif opt_type == "bool":
        question["type"] = "multiplechoice"
        choices = [True, False]
    elif opt_type == "list" and choices and elements in ("str", "int", "float", "path"):
        question["type"] = "multiselect"
    else:
        kind = f"list of {elements} without choices" if opt_type == "list" else opt_type
        raise SurveyError(f"Job template {template!r}: {variable!r} is a {kind} in {where} argument spec and cannot be a survey"
                          " question; set it in the template's extra vars instead.")

    if question["type"] in ("multiplechoice", "multiselect"):
        question["choices"] = [_scalar(c) for c in choices]

    if default is None or _is_template(default):
        return question
    if question["type"] == "multiselect":
        question["default"] = "\n".join(_scalar(d) for d in default)
    elif question["type"] == "multiplechoice":
        question["default"] = _scalar(default)
    elif question["type"] == "integer":
        question["default"] = int(default)
    elif question["type"] == "float":
        question["default"] = float(default)
    else:
        question["default"] = str(default)
    return question


def _apply_overrides(template, question, overrides):
    for key, value in overrides.items():
        if key == "default" and value is None:
            question.pop("default", None)
            continue
        if key in ("min", "max"):
            if isinstance(value, bool) or not isinstance(value, int):
                raise SurveyError(f"Job template {template!r}: {key} of {question['variable']!r} must be an integer (AWX accepts integer limits only).")
        question[key] = value
    if question["type"] == "password" and overrides.get("default") is not None:
        raise SurveyError(f"Job template {template!r}: {question['variable']!r} is a password question; give no default in the survey list.")
    return question


def _check_limits(template, question):
    """Defaults within min/max and among the choices, as AWX requires; raise otherwise."""
    variable, qtype = question["variable"], question["type"]
    low, high = question.get("min"), question.get("max")
    if low is not None and high is not None and low > high:
        raise SurveyError(f"Job template {template!r}: min {low} of {variable!r} is above its max {high}.")
    if qtype in ("multiplechoice", "multiselect") and not question.get("choices"):
        raise SurveyError(f"Job template {template!r}: {variable!r} is a {qtype} question without choices; add choices.")
    if "default" not in question:
        return
    default = question["default"]
    if qtype == "multiplechoice" and default not in question["choices"]:
        raise SurveyError(f"Job template {template!r}: default {default!r} of {variable!r} is not one of its choices {question['choices']}.")
    if qtype == "multiselect":
        stray = [d for d in default.splitlines() if d not in question["choices"]]
        if stray:
            raise SurveyError(f"Job template {template!r}: defaults {stray} of {variable!r} are not among its choices {question['choices']}.")
    measure = len(default) if qtype in ("text", "textarea") and isinstance(default, str) else default
    if qtype in ("text", "textarea", "integer", "float"):
        if low is not None and measure < low or high is not None and measure > high:
            what = "length of the default" if qtype in ("text", "textarea") else "default"
            raise SurveyError(f"Job template {template!r}: the {what} of {variable!r} ({measure}) is outside min {low} / max {high}; change the limits.")


def survey_question(template, item, argument_specs):
    """One survey question for an item of a job template's survey list."""
    if isinstance(item, str):
        item = {"variable": item}
    if not isinstance(item, dict) or "variable" not in item:
        raise SurveyError(f"Job template {template!r}: survey item {item!r} must be a variable name or a mapping with 'variable'.")
    variable = item["variable"]
    _check_name(template, variable)

    if "from_playbook" in item:
        unknown = sorted(set(item) - set(CUSTOM_KEYS))
        if unknown or item.get("type") not in QUESTION_TYPES or not item.get("question_description"):
            raise SurveyError(
                f"Job template {template!r}: {variable!r} is read by playbook {item['from_playbook']}; give it a type (one of"
                f" {', '.join(QUESTION_TYPES)}) and a question_description, and no other keys than {', '.join(CUSTOM_KEYS)}.")
        question = {k: v for k, v in item.items() if k != "from_playbook"}
        question.setdefault("question_name", variable)
        question["required"] = bool(question.get("required", False))
    else:
        unknown = sorted(set(item) - set(OVERRIDE_KEYS) - {"variable"})
        if unknown:
            raise SurveyError(f"Job template {template!r}: survey item {variable!r} has unknown keys {unknown}; allowed: {', '.join(OVERRIDE_KEYS)}.")
        role, option = find_option(variable, argument_specs)
        if option is None:
            raise SurveyError(
                f"Job template {template!r} asks for {variable!r}, which no role's meta/argument_specs.yml declares;"
                " fix the name in the template's survey list or declare the variable in its role.")
        question = question_from_option(template, variable, option, role)
        question = _apply_overrides(template, question, {k: v for k, v in item.items() if k != "variable"})
    _check_limits(template, question)
    return question


def survey_spec(template, items, argument_specs, description="", overrides=None):
    """The AWX survey spec ``{name, description, spec}`` of a job template, ``{}`` when it asks nothing.

    ``overrides`` maps a variable to overrides applied wherever it is asked (an item's own keys win).
    """
    questions, seen = [], set()
    for item in items or []:
        if isinstance(item, str):
            item = {"variable": item}
        if isinstance(item, dict) and item.get("variable") in (overrides or {}) and "from_playbook" not in item:
            item = dict(overrides[item["variable"]], **item)
        question = survey_question(template, item, argument_specs)
        if question["variable"] in seen:
            raise SurveyError(f"Job template {template!r} lists {question['variable']!r} twice; keep one.")
        seen.add(question["variable"])
        questions.append(question)
    if not questions:
        return {}
    return {"name": template, "description": description or f"Variables of {template}", "spec": questions}


def workflow_nodes(nodes, templates, organization):
    """The ``workflow_nodes`` of awx.awx.workflow_job_template from our short node list.

    ``nodes``: ``[{identifier, template, success: [ids], failure: [ids], always: [ids]}]`` where
    ``template`` is a key of ``templates`` (our template name -> the job template's name in AWX).
    A node whose template is not in ``templates`` is left out, and so are the links to it.
    """
    kept = [n for n in nodes or [] if n.get("template") in (templates or {})]
    ids = [n["identifier"] for n in kept]
    if len(set(ids)) != len(ids):
        raise SurveyError(f"The workflow's node identifiers {ids} are not unique; give each node its own.")
    result = []
    for node in kept:
        related = {}
        for link in ("success", "failure", "always"):
            targets = [t for t in node.get(link) or [] if t in ids]
            if targets:
                related[f"{link}_nodes"] = [{"identifier": t} for t in targets]
        result.append({
            "identifier": node["identifier"],
            "unified_job_template": {
                "name": templates[node["template"]],
                "type": "job_template",
                "organization": {"name": organization},
            },
            "related": related,
        })
    return result
