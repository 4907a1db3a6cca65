"""The routes' domain: a user's product recommendations, and their feedback on them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from nudge.behavior.behavior_table import BehaviorTable
from nudge.identifiers import UserId
from nudge.models import NudgeModel
from nudge.product_recommendations.ranking import ProductRecommendations, recommend
from nudge.product_recommendations.recommendation_tables import RecommendationTables
from nudge.profiles.categories import CATEGORIES, Category
from nudge.users.actor import Actor

MAX_LIMIT = 50


class RecommendationsQuery(NudgeModel):
    limit: int = Field(default=10, ge=1, le=MAX_LIMIT, description="How many products at most")


class FeedbackRequest(NudgeModel):
    category: Category
    action: Literal["not_interested"] = Field(description="not_interested: stop recommending this category")


class FeedbackPath(NudgeModel):
    user_id: UserId
    category: Category


class RecommendationFeedback(NudgeModel):
    user_id: str
    not_interested: list[str] = Field(description="Categories removed from the user's product recommendations")


def recommendations_for_actor(
    tables: RecommendationTables, actor: Actor, user_id: str, limit: int, now: datetime
) -> ProductRecommendations:
    actor.ensure_can_access(user_id)
    user = tables.user_state(user_id, now)
    wanted = [category for category in CATEGORIES if category not in user.not_interested]
    return recommend(user_id, user, tables.candidates(wanted), limit, now)


def change_feedback(
    table: BehaviorTable, actor: Actor, user_id: str, category: str, not_interested: bool, now: datetime
) -> RecommendationFeedback:
    """`not_interested` removes the category from the user's recommendations; False brings it back."""
    actor.ensure_can_access(user_id)
    removed = table.change_not_interested(user_id, category, not_interested, now)
    return RecommendationFeedback(user_id=user_id, not_interested=sorted(removed))
