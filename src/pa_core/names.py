"""Names people see: look-alike email addresses and display names that lie about themselves.

Two rules keep one person from passing as another:

* **Email addresses** are NFKC-normalised before they are validated and
  compared (``foo@example.com`` typed in fullwidth letters *is*
  ``foo@example.com``), and an address whose local part, or one of whose
  domain labels, mixes writing systems is refused (``paypal`` whose first
  ``a`` is the Cyrillic U+0430): :func:`mixes_scripts`.
  :func:`pa_core.accounts.normalize_email` applies both.
* **Display names** (:func:`normalize_display_name`, the one place that cleans
  them, used by registration and profile updates) are NFKC-normalised, and
  bidirectional controls and zero-width characters (:data:`INVISIBLE`) are
  *removed*: they are invisible, so removing them shows exactly what was
  typed, without the reordering (U+202E turning the rest of a name around)
  or the hidden difference between two names that look the same. Removed
  rather than refused because they arrive innocently with pasted text.
"""

from __future__ import annotations

import unicodedata
from typing import Final

from pa_core.errors import ValidationFailed

__all__ = [
    "INVISIBLE",
    "MAX_DISPLAY_NAME",
    "mixes_scripts",
    "normalize_display_name",
    "scripts_of",
]

MAX_DISPLAY_NAME: Final = 100
"""Longest display name accepted (after normalisation)."""

BIDI_CONTROLS: Final = frozenset(
    "\u202a\u202b\u202c\u202d\u202e"  # LRE RLE PDF LRO RLO
    "\u2066\u2067\u2068\u2069"  # LRI RLI FSI PDI
    "\u200e\u200f\u061c"  # LRM RLM ALM
)
"""Characters that reorder the text around them without being seen."""

ZERO_WIDTH: Final = frozenset("\u200b\u200c\u200d\u2060\ufeff")
"""Zero-width space, non-joiner, joiner, word joiner, and the byte-order mark."""

INVISIBLE: Final = BIDI_CONTROLS | ZERO_WIDTH
"""What :func:`normalize_display_name` removes."""

_CJK_MIXES: Final = (
    frozenset({"LATIN", "HAN", "HIRAGANA", "KATAKANA"}),  # Japanese
    frozenset({"LATIN", "HAN", "BOPOMOFO"}),  # Chinese
    frozenset({"LATIN", "HAN", "HANGUL"}),  # Korean
)
"""Scripts that are written together (UTS #39, "highly restrictive")."""

_SCRIPT_ALIASES: Final = {"CJK": "HAN", "IDEOGRAPHIC": "HAN"}
_COMMON_LETTERS: Final = frozenset({"MODIFIER", "KATAKANA-HIRAGANA"})


def _script(ch: str) -> str | None:
    """The writing system of a letter (the first word of its Unicode name), ``None`` if shared."""
    if not unicodedata.category(ch).startswith("L"):
        return None  # digits, punctuation, symbols and combining marks belong to every script
    word = unicodedata.name(ch, "UNKNOWN").split(" ", 1)[0]
    if word in _COMMON_LETTERS:
        return None
    return _SCRIPT_ALIASES.get(word, word)


def scripts_of(text: str) -> frozenset[str]:
    """The writing systems of the letters in ``text`` (``{"LATIN", "CYRILLIC"}``, ...)."""
    return frozenset(script for script in map(_script, text) if script is not None)


def mixes_scripts(text: str) -> bool:
    """Whether ``text`` mixes writing systems, other than those written together (CJK)."""
    scripts = scripts_of(text)
    return len(scripts) > 1 and not any(scripts <= allowed for allowed in _CJK_MIXES)


def normalize_display_name(value: str | None) -> str | None:
    """A display name: NFKC, invisible characters removed, trimmed, one line, 100 at most.

    ``None`` or a blank name clears it.

    Raises:
        ValidationFailed: on ``display_name``: several lines, a NUL, or too long.
    """
    if value is None:
        return None
    visible = "".join(ch for ch in value if ch not in INVISIBLE)
    value = unicodedata.normalize("NFKC", visible).strip()
    if any(ch in value for ch in "\x00\r\n\u2028\u2029"):
        raise ValidationFailed.for_field("display_name", "must be one line of text")
    if len(value) > MAX_DISPLAY_NAME:
        raise ValidationFailed.for_field(
            "display_name", f"must be at most {MAX_DISPLAY_NAME} characters"
        )
    return value or None
