"""Full-text search queries: one parser, compiled for each backend.

The syntax is that of PostgreSQL's ``websearch_to_tsquery`` (what people type
into a search box): words must all appear, ``"a quoted phrase"`` must appear as
written, ``or`` between words offers alternatives, and ``-word`` excludes.
Words are runs of letters and digits, compared case-insensitively, without
stemming (PostgreSQL's ``simple`` configuration, SQLite FTS5's ``unicode61``
tokenizer keeping diacritics), so every backend finds the same messages.

The parsed :class:`SearchQuery` is compiled to a normalised websearch string for
PostgreSQL (:meth:`SearchQuery.to_websearch`), to an FTS5 ``MATCH`` expression
for SQLite (:meth:`SearchQuery.to_fts5`), and evaluated directly by the
in-memory repository (:meth:`SearchQuery.score`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pa_core.errors import ValidationFailed

__all__ = [
    "MAX_QUERY_LENGTH",
    "MAX_QUERY_TERMS",
    "Clause",
    "SearchQuery",
    "tokenize",
]

MAX_QUERY_LENGTH = 200
"""Longest search text accepted, in characters."""
MAX_QUERY_TERMS = 16
"""Most words and phrases in one query."""

_TOKEN = re.compile(r"[^\W_]+")

Phrase = tuple[str, ...]


def tokenize(text: str) -> list[str]:
    """The searchable words of ``text``, lower-cased, in order."""
    return [t.casefold() for t in _TOKEN.findall(text)]


@dataclass(frozen=True, slots=True)
class Clause:
    """Phrases that must all appear and phrases that must not (one alternative of a query)."""

    include: tuple[Phrase, ...]
    exclude: tuple[Phrase, ...] = ()


def _contains(tokens: list[str], phrase: Phrase) -> int:
    """How many times ``phrase`` occurs in ``tokens``."""
    size = len(phrase)
    return sum(1 for i in range(len(tokens) - size + 1) if tuple(tokens[i : i + size]) == phrase)


def _quote(phrase: Phrase) -> str:
    # Tokens hold letters and digits only: nothing to escape inside the quotes.
    return '"' + " ".join(phrase) + '"'


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """A parsed search: any one of its clauses must hold."""

    clauses: tuple[Clause, ...]

    @classmethod
    def parse(cls, text: str) -> SearchQuery:
        """Parse search-box text; ``validation_error`` on ``q`` if there is nothing to look for."""
        if not isinstance(text, str) or len(text) > MAX_QUERY_LENGTH:
            raise ValidationFailed.for_field(
                "q", f"must be text of at most {MAX_QUERY_LENGTH} characters"
            )
        clauses: list[Clause] = []
        include: list[Phrase] = []
        exclude: list[Phrase] = []
        terms = 0

        def close() -> None:
            if include or exclude:
                if not include:
                    raise ValidationFailed.for_field(
                        "q", "each alternative needs a word to look for, not only excluded ones"
                    )
                clauses.append(Clause(tuple(include), tuple(exclude)))
            include.clear()
            exclude.clear()

        for negated, quoted, bare in re.findall(r'(-?)(?:"([^"]*)"?|([^\s"]+))', text):
            if bare and not negated and bare.casefold() == "or":
                close()
                continue
            words = tokenize(quoted or bare)
            if not words:
                continue
            terms += 1
            (exclude if negated else include).append(tuple(words))
        close()
        if not clauses:
            raise ValidationFailed.for_field("q", "must contain a word to look for")
        if terms > MAX_QUERY_TERMS:
            raise ValidationFailed.for_field(
                "q", f"must have at most {MAX_QUERY_TERMS} words or phrases"
            )
        return cls(tuple(clauses))

    def to_websearch(self) -> str:
        """The query as normalised input for PostgreSQL's ``websearch_to_tsquery``."""
        parts = []
        for clause in self.clauses:
            items = [_quote(p) for p in clause.include] + ["-" + _quote(p) for p in clause.exclude]
            parts.append(" ".join(items))
        return " or ".join(parts)

    def to_fts5(self) -> str:
        """The query as an SQLite FTS5 ``MATCH`` expression."""
        parts = []
        for clause in self.clauses:
            expr = "(" + " AND ".join(_quote(p) for p in clause.include) + ")"
            for phrase in clause.exclude:
                expr = f"({expr} NOT {_quote(phrase)})"
            parts.append(expr)
        return " OR ".join(parts)

    def score(self, text: str) -> float:
        """How well ``text`` matches (occurrences of the wanted phrases); ``0`` when it does not."""
        tokens = tokenize(text)
        total = 0
        for clause in self.clauses:
            counts = [_contains(tokens, p) for p in clause.include]
            if all(counts) and not any(_contains(tokens, p) for p in clause.exclude):
                total += sum(counts)
        return float(total)
