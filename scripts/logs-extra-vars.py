# SPDX-License-Identifier: GPL-3.0-or-later
"""Print `make logs`'s variables as one JSON document for ansible-playbook --extra-vars.

Usage: logs-extra-vars.py NAME...  (the make variables given on make's command line; make exports
them to the recipe's environment). JSON keeps a filter pattern with spaces or quotes intact, which
key=value extra vars would split.
"""

import json
import os
import sys

NAMES = {"LINES": "logs_lines", "SINCE": "logs_since", "FILTER": "logs_filter", "TASK": "logs_task", "FOLLOW": "logs_follow"}

extra = {}
for name in sys.argv[1:]:
    value = os.environ.get(name, "")
    if name in ("LINES", "FOLLOW") and value.strip().isdigit():
        extra[NAMES[name]] = int(value)
    else:
        extra[NAMES[name]] = value
print(json.dumps(extra))
