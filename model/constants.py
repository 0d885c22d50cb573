"""Names the whole package shares, defined once.

``CHINA`` is the country the China caps bound; ``GROUP_PREFIX`` and ``EACH`` are
the two special forms of a share rule's subject (a group tag, every country),
``RULE_SEPARATOR`` joins several subjects in one rule;
``NAME_PATTERN`` is what a case, scenario or run name may look like, ``name_problem``
says why a name cannot name a folder.
"""

from __future__ import annotations

import re

CHINA = "CHN"
GROUP_PREFIX = "group:"
EACH = "each"
RULE_SEPARATOR = "|"  # several countries or groups in one share rule: "USA|group:partner"
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"
# Names become folder names: a case, scenario or sweep name is at most MAX_NAME
# characters, a run folder name (--name, or a default such as "<case>-curve-together")
# at most MAX_RUN_NAME, far below the file system's 255 with the hidden temporary
# folders' prefixes and suffixes added.
MAX_NAME = 100
MAX_RUN_NAME = 128


def name_problem(name: str, limit: int = MAX_NAME) -> str | None:
    """Why ``name`` cannot name a case or run folder, or None if it can."""
    if len(name) > limit:
        return f"is {len(name)} characters long; at most {limit} are allowed"
    # fullmatch: re.match(NAME_PATTERN) would accept a trailing newline ('$' matches before it)
    if not re.fullmatch(NAME_PATTERN, name):
        return "may use letters, digits, '_', '.', '-' only, starting with a letter or digit"
    return None
