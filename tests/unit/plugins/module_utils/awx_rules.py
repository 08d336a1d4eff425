# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""AWX's own rules for survey specs and credential type injectors, transcribed for the tests.

Source: github.com/ansible/awx at commit e21dd0a0933fd544d1fe2513c54fe41203775eb5 (the 24.6.x line
awx.awx 24.6.1 belongs to). Each rule names the function it comes from:

- [views] awx/api/views/__init__.py JobTemplateSurveySpec._validate_spec_data: what
  POST /api/v2/job_templates/N/survey_spec/ accepts;
- [mixins] awx/main/models/mixins.py SurveyJobTemplateMixin._survey_element_validation and
  _update_unified_job_kwargs: how a default is checked and applied at launch;
- [constants] awx/main/constants.py SURVEY_TYPE_MAPPING, JOB_VARIABLE_PREFIXES, ENV_BLOCKLIST;
- [fields] awx/main/fields.py CredentialTypeInjectorField.schema / validate_env_var_allowed / validate;
- [credential] awx/main/models/credential.py CredentialType.inject_credential: how a custom
  credential's inputs become files and environment variables of a job.

Written from reading that code; none of it is copied.
"""

from __future__ import annotations

import keyword
import os
import re
import stat
import tempfile

import jinja2
from jinja2 import sandbox

# [constants] SURVEY_TYPE_MAPPING: the allowed question types and the Python type of a default.
SURVEY_TYPE_MAPPING = {"text": str, "textarea": str, "password": str, "multiplechoice": str, "multiselect": str,
                       "integer": int, "float": (float, int)}
# [constants] JOB_VARIABLE_PREFIXES: AWX sets <prefix>_job_id, <prefix>_project_revision, ...
JOB_VARIABLE_PREFIXES = ("awx", "tower")
# [constants] ENV_BLOCKLIST: variables a credential may not inject.
ENV_BLOCKLIST = frozenset(("VIRTUAL_ENV", "PATH", "PYTHONPATH", "JOB_ID", "INVENTORY_ID", "INVENTORY_SOURCE_ID",
                           "INVENTORY_UPDATE_ID", "AD_HOC_COMMAND_ID", "REST_API_URL", "REST_API_TOKEN", "MAX_EVENT_RES",
                           "CALLBACK_QUEUE", "CALLBACK_CONNECTION", "CACHE", "JOB_CALLBACK_DEBUG", "INVENTORY_HOSTVARS",
                           "AWX_HOST", "PROJECT_REVISION", "SUPERVISOR_CONFIG_PATH"))


def _choices(question):
    choices = question["choices"]
    if isinstance(choices, str):  # [views]/[mixins]: a string holds one choice per line
        choices = [c for c in choices.splitlines() if c.strip() != ""]
    return choices


def survey_spec_errors(spec):
    """Every reason AWX's survey_spec endpoint (and Ansible, for the variable name) would refuse ``spec``."""
    errors = []
    # [views] name and description strings, spec a non-empty list.
    for field, kind in (("name", str), ("description", str), ("spec", list)):
        if not isinstance(spec.get(field), kind):
            errors.append(f"field {field!r} missing or not a {kind.__name__}")
    if errors:
        return errors
    if not spec["spec"]:
        errors.append("'spec' doesn't contain any items")
    seen = set()
    for idx, item in enumerate(spec["spec"]):
        if not isinstance(item, dict):
            errors.append(f"question {idx} is not an object")
            continue
        # [views] type, question_name, variable strings; required a boolean.
        for field in ("type", "question_name", "variable", "required"):
            kind = bool if field == "required" else str
            if not isinstance(item.get(field), kind):
                errors.append(f"question {idx}: {field!r} missing or not a {kind.__name__}")
        if errors:
            continue
        var, qtype = item["variable"], item["type"]
        # [views] no variable twice.
        if var in seen:
            errors.append(f"question {idx}: variable {var!r} duplicated")
        seen.add(var)
        # The answer becomes an extra var: Ansible needs an identifier that is no keyword, and AWX's
        # own variables ([constants] JOB_VARIABLE_PREFIXES) must not be shadowed.
        if not var.isidentifier() or keyword.iskeyword(var) or var.split("_")[0] in JOB_VARIABLE_PREFIXES:
            errors.append(f"question {idx}: {var!r} is not a usable variable name")
        # [views] type among SURVEY_TYPE_MAPPING; a default that is not '' has that type.
        if qtype not in SURVEY_TYPE_MAPPING:
            errors.append(f"question {idx}: type {qtype!r} not allowed")
            continue
        if "default" in item and item["default"] != "" and not isinstance(item["default"], SURVEY_TYPE_MAPPING[qtype]):
            errors.append(f"question {idx}: default {item['default']!r} is not a {qtype}")
        if qtype in ("integer", "float") and isinstance(item.get("default"), bool):
            errors.append(f"question {idx}: default {item['default']!r} is a boolean")
        # [views] min and max integers (or None).
        for key in ("min", "max"):
            if key in item and item[key] is not None and (not isinstance(item[key], int) or isinstance(item[key], bool)):
                errors.append(f"question {idx}: {key} is not an integer")
        # [views] multiselect/multiplechoice must have choices; defaults among them; one default for multiplechoice.
        if qtype in ("multiselect", "multiplechoice"):
            if "choices" not in item:
                errors.append(f"question {idx}: {qtype} without choices")
                continue
            if not all(isinstance(c, str) for c in _choices(item)):
                errors.append(f"question {idx}: choices are not strings")
            if "default" in item:
                default = item["default"]
                defaults = [d for d in default.splitlines() if d.strip() != ""] if isinstance(default, str) else default
                if qtype == "multiplechoice" and len(defaults) > 1:
                    errors.append(f"question {idx}: multiplechoice with more than one default")
                if any(d not in _choices(item) for d in defaults):
                    errors.append(f"question {idx}: default not among the choices")
        # [views] $encrypted$ is reserved for stored password defaults.
        if isinstance(item.get("default"), str) and item["default"].startswith("$encrypted$"):
            errors.append(f"question {idx}: $encrypted$ default")
        # [mixins] _survey_element_validation: a default outside min/max (length for text) is
        # silently not applied at launch; we count it as an error. A multiselect default is stored
        # as lines of a string and offered as a list by the launch form, so it is checked as that list.
        default = item.get("default")
        if qtype == "multiselect" and isinstance(default, str):
            default = [d for d in default.splitlines() if d.strip() != ""]
        if default not in (None, "") and element_errors(item, {var: default}):
            errors.append(f"question {idx}: default {item['default']!r} fails AWX's launch-time validation")
    return errors


def element_errors(item, data):
    """[mixins] _survey_element_validation for one question and the answers ``data``."""
    var, qtype = item["variable"], item["type"]
    if var not in data:
        return [f"{var!r} value missing"] if item["required"] else []
    value = data[var]
    low, high = item.get("min"), item.get("max")
    low = None if low in ("", None) else low
    high = None if high in ("", None) else high
    if qtype in ("text", "textarea", "password"):
        if not isinstance(value, str):
            return [f"{var!r} expected a string"]
        if low is not None and len(value) < int(low) or high is not None and len(value) > int(high):
            return [f"{var!r} length outside min/max"]
    elif qtype == "integer":
        if isinstance(value, bool) or not isinstance(value, int):  # AWX: bool is not an integer answer
            return [f"{var!r} expected an integer"]
        if low is not None and value < int(low) or high is not None and value > int(high):
            return [f"{var!r} outside min/max"]
    elif qtype == "float":
        if isinstance(value, bool) or not isinstance(value, (float, int)):
            return [f"{var!r} expected a number"]
        if low is not None and value < float(low) or high is not None and value > float(high):
            return [f"{var!r} outside min/max"]
    elif qtype == "multiselect":
        if not isinstance(value, list):
            return [f"{var!r} expected a list"]
        if any(v not in _choices(item) for v in value):
            return [f"{var!r} not among the choices"]
    elif qtype == "multiplechoice":
        if value not in _choices(item):
            return [f"{var!r} not among the choices"]
    return []


def launch_extra_vars(template_extra_vars, spec, runtime_extra_vars=None):
    """[mixins] _update_unified_job_kwargs: the job's extra vars when launched with ``runtime_extra_vars``.

    Order: the template's extra vars, then every survey default that passes
    _survey_element_validation (a failing default is silently dropped: a multiselect default,
    stored as a string, never passes), then the launch's own extra vars.
    """
    extra_vars = dict(template_extra_vars or {})
    for item in (spec or {}).get("spec", []):
        default = item.get("default")
        if default is not None and not element_errors(item, {item["variable"]: default}):
            extra_vars[item["variable"]] = default
    extra_vars.update(runtime_extra_vars or {})
    return extra_vars


def injector_errors(inputs, injectors):
    """[fields] CredentialTypeInjectorField: schema, allowed variables and that every template renders."""
    errors = []
    if set(injectors) - {"file", "env", "extra_vars"}:
        errors.append(f"unknown injector kinds {sorted(set(injectors) - {'file', 'env', 'extra_vars'})}")
    for key in injectors.get("file", {}):
        if not re.match(r"^template(\.[a-zA-Z_]+[a-zA-Z0-9_]*)?$", key):
            errors.append(f"file injector {key!r} is not template or template.NAME")
    for key, value in injectors.get("env", {}).items():
        if not re.match(r"^[a-zA-Z_]+[a-zA-Z0-9_]*$", key) or not re.match("^[\x00-\x7F]*$", value):
            errors.append(f"env injector {key!r} has a bad name or value")
        if key.startswith("ANSIBLE_") or key in ENV_BLOCKLIST:
            errors.append(f"env injector {key!r} is not allowed in credentials")
    names = [k for k in injectors.get("file", {}) if k.startswith("template")]
    if "template" in names and len(names) > 1:
        errors.append("must use multi-file syntax when injecting multiple files")

    class _Files:
        pass

    files = _Files()
    for name in names:
        if "." in name:
            setattr(files, name.split(".", 1)[1], "EXAMPLE_FILENAME")
    tower = _Files()
    tower.filename = "EXAMPLE_FILENAME" if "template" in names else files
    namespace = {field["id"]: "EXAMPLE" for field in inputs.get("fields", [])}
    namespace["tower"] = tower
    for kind in ("file", "env", "extra_vars"):
        for key, tmpl in injectors.get(kind, {}).items():
            try:
                sandbox.ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined).from_string(tmpl).render(namespace)
            except jinja2.exceptions.TemplateError as exc:
                errors.append(f"{kind} injector {key!r}: {exc}")
    return errors


def inject_credential(inputs, injectors, credential_inputs, private_data_dir):
    """[credential] CredentialType.inject_credential for a custom type: the job's injected environment.

    Only the inputs that are set and non-empty are in the template namespace (an unset one renders
    as ''); every file template is rendered and written, even to an empty file, to a mkstemp name
    in <private_data_dir>/env with mode 0600, its path under tower.filename(.<name>); then each env
    template is rendered. In an execution environment the paths are the container's
    (to_container_path: the private data directory is /runner there); run without one, as here,
    they are the host's. Returns (env, files) with files mapping each file label to its path.
    """
    namespace = {"tower": type("TowerNamespace", (), {})()}
    for field in inputs.get("fields", []):
        value = credential_inputs.get(field["id"])
        if isinstance(value, bool):
            namespace[field["id"]] = value
        elif value:
            namespace[field["id"]] = value
        elif field.get("type") == "boolean":
            namespace[field["id"]] = False
    env_ = sandbox.ImmutableSandboxedEnvironment()
    files = {}
    for label, tmpl in injectors.get("file", {}).items():
        handle, path = tempfile.mkstemp(dir=os.path.join(private_data_dir, "env"))
        with os.fdopen(handle, "w") as f:
            f.write(env_.from_string(tmpl).render(**namespace))
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
        files[label] = path
        if "." not in label:
            namespace["tower"].filename = path
        else:
            if not hasattr(namespace["tower"], "filename"):
                namespace["tower"].filename = type("TowerNamespace", (), {})()
            setattr(namespace["tower"].filename, label.split(".", 1)[1], path)
    env = {key: env_.from_string(tmpl).render(**namespace) for key, tmpl in injectors.get("env", {}).items()
           if not (key.startswith("ANSIBLE_") or key in ENV_BLOCKLIST)}
    return env, files
