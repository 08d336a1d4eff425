# -*- coding: utf-8 -*-
# Copyright: fargate.microservice contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter of the verify role: what the page's answers show about the visit count.

- ``verify_answers``: the ``ansible.builtin.uri`` results of the requests verify made, in order -> which task
  answered each (the app's ``X-Served-By`` header), the count each showed, whether a task answered twice, whether
  the count rose at such a task (the lab's sidecar design: each task counts in its own Redis), and whether the
  count rose by exactly one per request across all of them (service_discovery: one Redis for every task).

No side effects; unit-tested in tests/unit/plugins/filter/test_verify.py.
"""

from __future__ import annotations

import re

from ansible.errors import AnsibleFilterError

# The app's page (app/web/handlers.go): "You access this website N time(s)".
_COUNT = re.compile(r"You access this website ([0-9]+) time")

# An answer without X-Served-By (an app that does not name itself) counts as one task.
UNNAMED = "unnamed"


def verify_answers(results):
    """``uri`` results (each a dict with ``content`` and, when the app sent it, ``x_served_by``) -> a dict:

    - ``servers``: the task that answered each request; ``counts``: the count each page showed (0 without one);
    - ``answers``: both as one phrase for messages (``t1 counted 4, t2 counted 7``);
    - ``repeated``: some task answered more than once;
    - ``rose``: some task that answered twice showed a higher count the second time;
    - ``exact``: more than one answer, and each count is the one before plus one.
    """
    if not isinstance(results, list) or not all(isinstance(r, dict) for r in results):
        raise AnsibleFilterError("verify_answers expects the list of the uri module's results.")
    servers = [str(r.get("x_served_by", UNNAMED)) for r in results]
    counts = []
    for result in results:
        found = _COUNT.search(str(result.get("content") or ""))
        counts.append(int(found.group(1)) if found else 0)
    pairs = list(zip(servers, counts))
    return {
        "servers": servers,
        "counts": counts,
        "answers": ", ".join("%s counted %d" % pair for pair in pairs),
        "repeated": len(set(servers)) < len(servers),
        "rose": any(s == t and d > c for i, (s, c) in enumerate(pairs) for t, d in pairs[i + 1:]),
        "exact": len(counts) > 1 and all(b == a + 1 for a, b in zip(counts, counts[1:])),
    }


class FilterModule(object):
    def filters(self):
        return {"verify_answers": verify_answers}
