"""Names as people say them: "a physio consult", "Dr Smith", matched to services and practitioners.

A plain, explainable score (no model): every word said found in the name scores highest, then the share of
words found, then how alike the strings are. Good enough for a few dozen names per clinic.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from difflib import SequenceMatcher
from typing import TypeVar

T = TypeVar("T")

# Words that say nothing about which service or person is meant.
_FILLER = frozenset(
    {"a", "an", "the", "for", "with", "appointment", "appt", "session", "dr", "doctor", "mr", "mrs", "ms", "miss"}
)
# Below this, a name is not what was meant.
MIN_SCORE = 0.55


def _words(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z0-9]+", text.casefold()) if w not in _FILLER]


def _word_found(word: str, names: Sequence[str]) -> float:
    """1 for a word in the name, a little less for a prefix ("physio" of "physiotherapy") or a near spelling."""
    best = 0.0
    for name in names:
        if word == name:
            return 1.0
        if len(word) >= 3 and name.startswith(word):
            best = max(best, 0.9)
        best = max(best, SequenceMatcher(None, word, name).ratio() if min(len(word), len(name)) >= 4 else 0.0)
    return best if best >= 0.8 else 0.0


def score(query: str, name: str) -> float:
    said, named = _words(query), _words(name)
    if not said or not named:
        return 0.0
    found = sum(_word_found(w, named) for w in said) / len(said)
    alike = SequenceMatcher(None, " ".join(said), " ".join(named)).ratio()
    return max(found, alike) if found < 1 else 1.0 + alike / 10


def best_matches(query: str, items: Iterable[T], names: Callable[[T], Iterable[str]]) -> list[tuple[float, T]]:
    """Items whose best name scores at least ``MIN_SCORE``, best first."""
    scored = [(max((score(query, n) for n in names(item) if n), default=0.0), item) for item in items]
    return sorted(((s, i) for s, i in scored if s >= MIN_SCORE), key=lambda pair: -pair[0])


def top_matches(query: str, items: Iterable[T], names: Callable[[T], Iterable[str]]) -> list[T]:
    """Only the items that match as well as the best one (within a hair): what the caller most likely meant."""
    ranked = best_matches(query, items, names)
    if not ranked:
        return []
    top = ranked[0][0]
    return [item for s, item in ranked if s >= top - 0.02]
