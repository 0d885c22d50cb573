"""Names the whole package shares, defined once.

``CHINA`` is the country the China caps bound; ``GROUP_PREFIX`` and ``EACH`` are
the two special forms of a share rule's subject (a group tag, every country),
``RULE_SEPARATOR`` joins several subjects in one rule;
``NAME_PATTERN`` is what a case, scenario or run name may look like.
"""

from __future__ import annotations

CHINA = "CHN"
GROUP_PREFIX = "group:"
EACH = "each"
RULE_SEPARATOR = "|"  # several countries or groups in one share rule: "USA|group:partner"
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"
