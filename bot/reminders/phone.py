"""Italian mobile numbers for SMS reminders, normalised to E.164 (``+393331234567``).

Accepted: ten digits starting with 3 (``333 123 4567``, ``333-123.4567``), optionally after
``+39`` or ``0039``. Anything else (landlines, foreign numbers, letters) is refused with a
``ValueError`` whose message never repeats the number.
"""

from __future__ import annotations

import re

SEPARATORS = re.compile(r"[\s.\-/]")
ITALIAN_MOBILE = re.compile(r"(?:\+39|0039)?(3\d{9})")


def italian_mobile(raw: str) -> str:
    """The E.164 form of an Italian mobile number; ``ValueError`` if it is not one."""
    compact = SEPARATORS.sub("", raw or "")
    match = ITALIAN_MOBILE.fullmatch(compact)
    if match is None:
        raise ValueError("numero di cellulare italiano non valido (esempio: 333 123 4567)")
    return f"+39{match.group(1)}"


def is_italian_mobile(number: str) -> bool:
    """True if ``number`` is already an E.164 Italian mobile number (e.g. Twilio's ``From``)."""
    return number.startswith("+39") and ITALIAN_MOBILE.fullmatch(number) is not None
