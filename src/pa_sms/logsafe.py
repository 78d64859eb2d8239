"""Phone numbers as ``pa_sms`` writes them to logs and error details: masked to the last 4 digits.

Every log call of ``pa_sms`` that names a number passes it through
:func:`mask_phone` (the one masking rule, :func:`pa_core.phones.mask_phone`:
``+1******4567``), and text that comes from elsewhere and may quote numbers
(a provider's error message) through :func:`mask_numbers_in`.
"""

from __future__ import annotations

import re

from pa_core.phones import mask_phone

__all__ = ["mask_numbers_in", "mask_phone"]

_E164_IN_TEXT = re.compile(r"(?:(?<![\w+])|(?<=\w)(?=\+))\+?[1-9][0-9]{6,14}(?![0-9])")
"""A run of 7 to 15 digits, maybe after ``+``, that is not the tail of a word (a sid's hex)."""


def mask_numbers_in(text: str) -> str:
    """``text`` with every run of 7 to 15 digits (a phone number) masked like :func:`mask_phone`."""
    return _E164_IN_TEXT.sub(lambda m: mask_phone("+" + m.group().lstrip("+")), text)
