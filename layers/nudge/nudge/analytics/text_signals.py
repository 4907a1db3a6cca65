"""Sentiment and keywords of a response's free text, computed once when the response arrives.

Sentiment is VADER's compound score (vaderSentiment: a lexicon and rules, no model download),
labelled with VADER's documented thresholds (>= 0.05 positive, <= -0.05 negative). Keywords are the
response's distinct words, lowercased, without the stop words of the stop-words package's English
list, its most used first. Both libraries are imported on first use: a response without text, or
without analytics-sharing consent, never loads them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

Label = Literal["positive", "neutral", "negative"]
POSITIVE, NEGATIVE = 0.05, -0.05
# Bounds the aggregate items one response touches (one per keyword, in the response's transaction).
MAX_KEYWORDS_PER_RESPONSE = 20
WORD = re.compile(r"[a-z][a-z'-]{1,28}[a-z]")


@cache
def _analyzer() -> SentimentIntensityAnalyzer:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


@cache
def _stop_words() -> frozenset[str]:
    from stop_words import get_stop_words

    return frozenset(get_stop_words("en"))


def sentiment(texts: Sequence[str]) -> float:
    """VADER's compound score (-1..1) of the texts read as one."""
    return float(_analyzer().polarity_scores("\n".join(texts))["compound"])


def label(score: float) -> Label:
    if score >= POSITIVE:
        return "positive"
    return "negative" if score <= NEGATIVE else "neutral"


def keywords(texts: Sequence[str]) -> list[str]:
    """The distinct non-stop words of the texts, most used first (ties: first used), at most 20."""
    stop = _stop_words()
    words = [word for text in texts for word in WORD.findall(text.lower()) if word not in stop]
    return [word for word, _ in Counter(words).most_common(MAX_KEYWORDS_PER_RESPONSE)]
