"""Ranking a user's product recommendations from per-category candidate lists (pure, no AWS).

Scoring is the design's calculateRelevanceScore: category match from the interest vector 40%, recency
exp(-days since launch / 30) 20%, popularity (views over the most viewed candidate read) 20%, the
user's engagement score / 100 10%, explicit interest 10%. A user with fewer than 5 product views is
a cold start: trending products (most viewed, then newest) in their explicit interests first, then
overall. Either way the list is diversified as the design's diversifyRecommendations (the first 5,
then one product per category not shown yet), and every item says why (getRecommendationReason).
"""

import math
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Literal, NamedTuple

from pydantic import Field

from nudge.models import NudgeModel
from nudge.product_recommendations.candidates import Candidate

COLD_START_VIEWS = 5
DIVERSIFY_AFTER = 5
RECENCY_DAYS = 30.0
NEW_FOR = timedelta(days=14)
WEIGHTS = {"category": 0.4, "recency": 0.2, "popularity": 0.2, "engagement": 0.1, "explicit": 0.1}

Strategy = Literal["cold_start", "personalized"]


class UserState(NamedTuple):
    """What ranking knows of the user, read in one BatchGetItem."""

    interests: frozenset[str]  # explicit interests.categories of the profile
    preferred: dict[str, float]  # the interest vector, top category 1
    engagement_score: float  # 0..100
    product_views: int
    excluded_product_ids: frozenset[str]  # bookmarked or responded to
    not_interested: frozenset[str]  # categories the user removed


class RecommendedProduct(NudgeModel):
    product_id: str
    name: str
    category: str
    score: float = Field(description="calculateRelevanceScore, 0..1")
    reasons: list[str] = Field(description="Why the product is shown")
    is_new: bool = Field(description="Launched in the last 14 days")


class ProductRecommendations(NudgeModel):
    user_id: str
    strategy: Strategy = Field(description="cold_start: fewer than 5 product views; personalized otherwise")
    items: list[RecommendedProduct]


def relevance_score(candidate: Candidate, user: UserState, most_views: int, now: datetime) -> float:
    days_old = max((now - candidate.launched_at).total_seconds(), 0.0) / 86400
    score = (
        WEIGHTS["category"] * user.preferred.get(candidate.category, 0.0)
        + WEIGHTS["recency"] * math.exp(-days_old / RECENCY_DAYS)
        + WEIGHTS["popularity"] * (candidate.views / most_views if most_views else 0.0)
        + WEIGHTS["engagement"] * min(max(user.engagement_score, 0.0), 100.0) / 100
        + WEIGHTS["explicit"] * (candidate.category in user.interests)
    )
    return round(score, 4)


def is_new(candidate: Candidate, now: datetime) -> bool:
    return now - candidate.launched_at <= NEW_FOR


def reasons(candidate: Candidate, user: UserState, now: datetime) -> list[str]:
    """getRecommendationReason, one string per reason; a product none of them fits is shown as popular."""
    found = []
    if candidate.category in user.interests:
        found.append(f"Based on your interest in {candidate.category}")
    if candidate.category in user.preferred:
        found.append("You've engaged with similar products before")
    if is_new(candidate, now):
        found.append(f"New product in {candidate.category}")
    return found or [f"Popular in {candidate.category}"]


def diversify[T](ranked: Iterable[T], category: Callable[[T], str]) -> list[T]:
    """diversifyRecommendations: the first 5 as ranked, then only products of a category not shown yet."""
    shown: set[str] = set()
    diverse: list[T] = []
    for item in ranked:
        if len(diverse) < DIVERSIFY_AFTER or category(item) not in shown:
            diverse.append(item)
            shown.add(category(item))
    return diverse


def eligible(candidates: Iterable[Candidate], user: UserState) -> list[Candidate]:
    """Each product once, without the ones the user bookmarked or responded to, or whose category they removed."""
    unique = {c.product_id: c for c in candidates}
    return [
        c
        for c in unique.values()
        if c.product_id not in user.excluded_product_ids and c.category not in user.not_interested
    ]


def _trending_key(user: UserState) -> Callable[[Candidate], tuple[bool, int, float, str]]:
    return lambda c: (c.category not in user.interests, -c.views, -c.launched_at.timestamp(), c.product_id)


def recommend(
    user_id: str, user: UserState, candidates: Sequence[Candidate], limit: int, now: datetime
) -> ProductRecommendations:
    pool = eligible(candidates, user)
    most_views = max((c.views for c in pool), default=0)
    scored = [(c, relevance_score(c, user, most_views, now)) for c in pool]
    strategy: Strategy = "cold_start" if user.product_views < COLD_START_VIEWS else "personalized"
    if strategy == "cold_start":
        trending = _trending_key(user)
        scored.sort(key=lambda pair: trending(pair[0]))
    else:
        scored.sort(key=lambda pair: (-pair[1], pair[0].product_id))
    chosen = diversify(scored, lambda pair: pair[0].category)[:limit]
    items = [
        RecommendedProduct(
            product_id=c.product_id,
            name=c.name,
            category=c.category,
            score=score,
            reasons=reasons(c, user, now),
            is_new=is_new(c, now),
        )
        for c, score in chosen
    ]
    return ProductRecommendations(user_id=user_id, strategy=strategy, items=items)
