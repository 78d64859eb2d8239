"""Carrier compliance keywords: STOP-type opts a handset out, START-type back in, HELP answers.

A message is a keyword when its whole text, trimmed and case-folded (and
without trailing punctuation), is one of these words; "stop the reminders" is
an ordinary message.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "DEFAULT_HELP_TEXT",
    "HELP_KEYWORDS",
    "OPT_IN_KEYWORDS",
    "OPT_OUT_KEYWORDS",
    "Keyword",
    "classify",
]

OPT_OUT_KEYWORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
)
"""Words that opt the handset out of the number it wrote to."""
OPT_IN_KEYWORDS = frozenset({"START", "YES", "UNSTOP"})
"""Words that opt the handset back in."""
HELP_KEYWORDS = frozenset({"HELP", "INFO"})
"""Words that are always answered with the help text, even when opted out."""

DEFAULT_HELP_TEXT = (
    "Your personal assistant. Text anything to talk to it. "
    "Reply STOP to stop messages, START to resume. Msg&data rates may apply."
)
"""The help text sent in answer to HELP or INFO unless the agent gives its own."""

_TRAILING = " \t\r\n.!?"


class Keyword(StrEnum):
    """What a compliance keyword asks for."""

    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"


def classify(body: str) -> Keyword | None:
    """The keyword ``body`` is, or ``None`` for an ordinary message."""
    word = body.strip().rstrip(_TRAILING).upper()
    if word in OPT_OUT_KEYWORDS:
        return Keyword.OPT_OUT
    if word in OPT_IN_KEYWORDS:
        return Keyword.OPT_IN
    if word in HELP_KEYWORDS:
        return Keyword.HELP
    return None
