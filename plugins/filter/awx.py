# -*- coding: utf-8 -*-
# Copyright: fargate.microservice contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters of the awx role (logic in module_utils/_awx_survey.py).

- ``awx_survey_spec``: a job template's survey list -> AWX's survey spec, from the roles' argument specs.
- ``awx_workflow_nodes``: our short workflow node list -> awx.awx's ``workflow_nodes``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.fargate.microservice.plugins.module_utils._awx_survey import SurveyError, survey_spec, workflow_nodes


def awx_survey_spec(items, template, argument_specs, description="", overrides=None):
    """The survey spec of job template ``template`` asking for ``items``; ``{}`` when it asks nothing."""
    try:
        return survey_spec(template, items, argument_specs, description, overrides)
    except SurveyError as exc:
        raise AnsibleFilterError(str(exc)) from exc


def awx_workflow_nodes(nodes, templates, organization):
    """awx.awx.workflow_job_template's ``workflow_nodes`` for the nodes whose template exists."""
    try:
        return workflow_nodes(nodes, templates, organization)
    except SurveyError as exc:
        raise AnsibleFilterError(str(exc)) from exc


class FilterModule(object):
    def filters(self):
        return {"awx_survey_spec": awx_survey_spec, "awx_workflow_nodes": awx_workflow_nodes}
