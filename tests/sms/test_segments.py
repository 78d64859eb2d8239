"""Segment counting, encoding detection, the length cap and cost estimates."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pa_core.errors import ValidationFailed
from pa_sms.errors import MessageTooLong
from pa_sms.segments import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    MAX_MESSAGE_CHARS,
    SegmentInfo,
    check_length,
    count_segments,
    estimate_cost,
)

EMOJI = "\N{GRINNING FACE}"  # outside the BMP: two UTF-16 code units


def test_plain_ascii_is_gsm7_in_one_segment() -> None:
    assert count_segments("Take your meds at 9") == SegmentInfo("GSM-7", 1, 19, 160)


def test_160_gsm_characters_fit_one_segment() -> None:
    assert count_segments("a" * 160).segments == 1


def test_161_gsm_characters_take_two_segments_of_153() -> None:
    assert count_segments("a" * 161) == SegmentInfo("GSM-7", 2, 161, 153)


def test_306_gsm_characters_take_two_and_307_take_three() -> None:
    assert count_segments("a" * 306).segments == 2
    assert count_segments("a" * 307).segments == 3


def test_gsm_accented_letters_and_greek_stay_gsm7() -> None:
    assert count_segments("Café à Ñandu ΔΣ £5 ¥ § ¿¡").encoding == "GSM-7"


def test_an_accent_outside_gsm_0338_needs_ucs2() -> None:
    assert count_segments("Málaga").encoding == "UCS-2"  # á is not in the alphabet


@pytest.mark.parametrize("char", sorted(GSM7_EXTENSION))
def test_each_extension_character_counts_two(char: str) -> None:
    info = count_segments(char)
    assert (info.encoding, info.characters) == ("GSM-7", 2)


def test_80_extension_characters_fill_one_segment_and_81_need_two() -> None:
    assert count_segments("€" * 80).segments == 1
    assert count_segments("€" * 81) == SegmentInfo("GSM-7", 2, 162, 153)


def test_an_escape_pair_is_not_split_across_segments() -> None:
    # 152 plain septets then an extension character: the pair would straddle the
    # 153-septet boundary, so it moves to the next segment.
    body = "a" * 152 + "€" + "a" * 152
    info = count_segments(body)
    assert info.characters == 306
    assert info.segments == 3


def test_any_character_outside_gsm_switches_to_ucs2() -> None:
    assert count_segments("Hello ✓").encoding == "UCS-2"


def test_70_ucs2_units_fit_one_segment_and_71_need_two_of_67() -> None:
    assert count_segments("é" + "ж" * 69) == SegmentInfo("UCS-2", 1, 70, 70)
    assert count_segments("ж" * 71) == SegmentInfo("UCS-2", 2, 71, 67)
    assert count_segments("ж" * 134).segments == 2
    assert count_segments("ж" * 135).segments == 3


def test_an_emoji_outside_the_bmp_counts_two_code_units() -> None:
    assert count_segments(EMOJI) == SegmentInfo("UCS-2", 1, 2, 70)
    assert count_segments(EMOJI * 35).segments == 1
    assert count_segments(EMOJI * 36).segments == 2


def test_a_surrogate_pair_is_not_split_across_segments() -> None:
    body = "ж" * 66 + EMOJI + "ж" * 66
    info = count_segments(body)
    assert info.characters == 134
    assert info.segments == 3


def test_the_basic_alphabet_has_127_characters_without_the_escape() -> None:
    assert len(GSM7_BASIC) == 127
    assert "\x1b" not in GSM7_BASIC


def test_check_length_returns_the_segment_info() -> None:
    assert check_length("hi").segments == 1


def test_an_empty_body_is_refused() -> None:
    with pytest.raises(ValidationFailed) as caught:
        check_length("")
    assert caught.value.errors[0].field == "body"


def test_1600_characters_are_accepted_and_1601_refused() -> None:
    assert check_length("a" * MAX_MESSAGE_CHARS).segments == 11
    with pytest.raises(MessageTooLong) as caught:
        check_length("a" * (MAX_MESSAGE_CHARS + 1))
    assert caught.value.code == "message_too_long"
    assert caught.value.errors[0].field == "body"
    assert (caught.value.limit, caught.value.length) == (1600, 1601)


def test_the_cap_counts_encoding_units() -> None:
    with pytest.raises(MessageTooLong):
        check_length(EMOJI * 801)


def test_estimate_cost_multiplies_segments_by_the_price() -> None:
    assert estimate_cost(3, Decimal("0.0079")) == Decimal("0.0237")
    assert estimate_cost(0, Decimal("0.0079")) == 0


def test_estimate_cost_refuses_negative_segments() -> None:
    with pytest.raises(ValueError, match="segments"):
        estimate_cost(-1, Decimal("0.0079"))
