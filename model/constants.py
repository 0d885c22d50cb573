"""Names the whole package shares, defined once.

``CHINA`` is the country the China caps bound; ``GROUP_PREFIX`` and ``EACH`` are
the two special forms of a share rule's subject (a group tag, every country);
``NAME_PATTERN`` is what a case, scenario or run name may look like.
"""

from __future__ import annotations

CHINA = "CHN"
GROUP_PREFIX = "group:"
EACH = "each"
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"
