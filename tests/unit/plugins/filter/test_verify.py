# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""The verify_answers filter on uri-shaped results (ansible.builtin.uri returns each response header as a
lower-cased, underscored key, so the app's X-Served-By is ``x_served_by``, and the body as ``content``).

The real role against scripted answers over HTTP is tests/integration/verify/test_verify_counts.py.
"""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.fargate.microservice.plugins.filter.verify import FilterModule

F = FilterModule().filters()["verify_answers"]
PAGE = "<p>Hi, 127.0.0.1</p><p>You access this website {} time(s).</p>"


def answers(*script):
    return [dict({"status": 200, "content": PAGE.format(count)}, **({"x_served_by": task} if task else {}))
            for task, count in script]


def test_a_task_that_answered_twice_with_a_higher_count():
    seen = F(answers(("t1", 4), ("t2", 7), ("t1", 5)))
    assert seen["servers"] == ["t1", "t2", "t1"]
    assert seen["counts"] == [4, 7, 5]
    assert seen["answers"] == "t1 counted 4, t2 counted 7, t1 counted 5"
    assert (seen["repeated"], seen["rose"], seen["exact"]) == (True, True, False)


def test_the_rolled_sequence_that_failed_a_ci_run_rises_at_the_task_that_came_back():
    # "6 then 6, 1, 1, 2": the first task never came back, the new one rose from 1 to 2.
    seen = F(answers(("old", 6), ("old", 6), ("new", 1), ("new", 1), ("new", 2)))
    assert seen["rose"] and seen["repeated"]


def test_no_task_answered_twice():
    seen = F(answers(("t1", 3), ("t2", 9)))
    assert (seen["repeated"], seen["rose"]) == (False, False)


def test_a_lower_or_equal_count_at_the_same_task_is_no_rise():
    assert not F(answers(("t1", 5), ("t1", 5), ("t1", 2)))["rose"]


def test_a_count_compares_only_within_its_task():
    # t2's 8 is above t1's 3, but they count in different Redis.
    assert not F(answers(("t1", 3), ("t2", 8), ("t1", 3)))["rose"]


def test_answers_without_the_header_count_as_one_task():
    seen = F(answers((None, 1), (None, 2)))
    assert seen["servers"] == ["unnamed", "unnamed"]
    assert seen["repeated"] and seen["rose"]


def test_exact_rise_across_tasks_of_one_redis():
    assert F(answers(("t1", 10), ("t2", 11), ("t1", 12)))["exact"]
    assert not F(answers(("t1", 10), ("t2", 12), ("t1", 13)))["exact"]
    assert not F(answers(("t1", 10)))["exact"]


def test_a_page_without_a_count_counts_zero():
    seen = F([{"content": "<html>maintenance</html>", "x_served_by": "t1"}, {"x_served_by": "t1"}])
    assert seen["counts"] == [0, 0]
    assert not seen["rose"]


@pytest.mark.parametrize("bad", [None, "t1", [1, 2], {"content": ""}])
def test_refuses_what_is_not_a_list_of_results(bad):
    with pytest.raises(AnsibleFilterError, match="list of the uri module's results"):
        F(bad)
