"""How many SMS segments a body costs, in which encoding, and what that is likely to cost.

A body that fits the GSM 03.38 alphabet is sent in GSM-7: 160 septets in one
segment, 153 per segment once it is split (the rest of each segment holds the
concatenation header). The extension table (``^ { } \\ [ ~ ] | €`` and form
feed) takes an escape septet, so those characters count two. Any other
character switches the whole message to UCS-2: 70 UTF-16 code units in one
segment, 67 per segment when split, and a character outside the Basic
Multilingual Plane (most emoji) takes two code units.

Splitting never cuts an escape pair or a surrogate pair in half, so a segment
may carry one unit less than its maximum; :func:`count_segments` counts that
precisely.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from pa_core.errors import ValidationFailed
from pa_sms.errors import MessageTooLong

__all__ = [
    "GSM7_BASIC",
    "GSM7_EXTENSION",
    "GSM7_MULTI_SEGMENT",
    "GSM7_SINGLE_SEGMENT",
    "MAX_MESSAGE_CHARS",
    "UCS2_MULTI_SEGMENT",
    "UCS2_SINGLE_SEGMENT",
    "Encoding",
    "SegmentInfo",
    "check_length",
    "count_segments",
    "estimate_cost",
]

Encoding = Literal["GSM-7", "UCS-2"]

GSM7_SINGLE_SEGMENT = 160
"""Septets in a GSM-7 message that fits one segment."""
GSM7_MULTI_SEGMENT = 153
"""Septets per segment of a concatenated GSM-7 message."""
UCS2_SINGLE_SEGMENT = 70
"""UTF-16 code units in a UCS-2 message that fits one segment."""
UCS2_MULTI_SEGMENT = 67
"""UTF-16 code units per segment of a concatenated UCS-2 message."""
MAX_MESSAGE_CHARS = 1600
"""Longest body accepted (Twilio's cap), measured in the units of its encoding."""

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
"""Characters of the GSM 03.38 default alphabet (one septet each; the escape itself excluded)."""
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
"""Characters of the GSM 03.38 extension table (an escape plus one septet: two each)."""

_BMP_LIMIT = 0xFFFF


@dataclass(frozen=True, slots=True)
class SegmentInfo:
    """The encoding and size of one message body.

    ``characters`` is the length in the encoding's units: septets for GSM-7
    (extension characters count two) and UTF-16 code units for UCS-2 (a
    character outside the BMP counts two). ``per_segment`` is the capacity of
    each segment as sent: the single-segment size when one segment suffices,
    the concatenated size otherwise.
    """

    encoding: Encoding
    segments: int
    characters: int
    per_segment: int


def _units(body: str, encoding: Encoding) -> list[int]:
    if encoding == "GSM-7":
        return [2 if char in GSM7_EXTENSION else 1 for char in body]
    return [2 if ord(char) > _BMP_LIMIT else 1 for char in body]


def _pack(units: list[int], capacity: int) -> int:
    """Segments needed to carry ``units`` without splitting a two-unit character."""
    segments, used = 1, 0
    for width in units:
        if used + width > capacity:
            segments += 1
            used = 0
        used += width
    return segments


def count_segments(body: str) -> SegmentInfo:
    """Detect the encoding of ``body`` and count the segments it will be billed as.

    An empty body counts as one (empty) GSM-7 segment; :func:`check_length`
    refuses it before sending.
    """
    encoding: Encoding = (
        "GSM-7" if all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in body) else "UCS-2"
    )
    units = _units(body, encoding)
    total = sum(units)
    single, multi = (
        (GSM7_SINGLE_SEGMENT, GSM7_MULTI_SEGMENT)
        if encoding == "GSM-7"
        else (UCS2_SINGLE_SEGMENT, UCS2_MULTI_SEGMENT)
    )
    if total <= single:
        return SegmentInfo(encoding=encoding, segments=1, characters=total, per_segment=single)
    return SegmentInfo(
        encoding=encoding, segments=_pack(units, multi), characters=total, per_segment=multi
    )


def check_length(body: str) -> SegmentInfo:
    """Refuse an empty or over-long body; return its :class:`SegmentInfo` otherwise.

    Raises:
        ValidationFailed: the body is empty.
        MessageTooLong: the body is over :data:`MAX_MESSAGE_CHARS` units.
    """
    if not body:
        raise ValidationFailed.for_field("body", "must not be empty")
    info = count_segments(body)
    if info.characters > MAX_MESSAGE_CHARS:
        raise MessageTooLong(limit=MAX_MESSAGE_CHARS, length=info.characters)
    return info


def estimate_cost(segments: int, per_segment_price: Decimal) -> Decimal:
    """The expected price of a message until the provider reports the real one."""
    if segments < 0:
        raise ValueError("segments must not be negative")
    return per_segment_price * segments
