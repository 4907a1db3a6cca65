"""The user's feedback on their product recommendations: categories they are not interested in (a module of
its own, so the feedback routes load neither the ranking nor the readers of user state)."""

from datetime import datetime
from typing import Literal

from pydantic import Field

from nudge.behavior.behavior_table import BehaviorTable
from nudge.identifiers import UserId
from nudge.models import NudgeModel
from nudge.profiles.categories import Category
from nudge.users.actor import Actor


class FeedbackRequest(NudgeModel):
    category: Category
    action: Literal["not_interested"] = Field(description="not_interested: stop recommending this category")


class FeedbackPath(NudgeModel):
    user_id: UserId
    category: Category


class RecommendationFeedback(NudgeModel):
    user_id: str
    not_interested: list[str] = Field(description="Categories removed from the user's product recommendations")


def change_feedback(
    table: BehaviorTable, actor: Actor, user_id: str, category: str, not_interested: bool, now: datetime
) -> RecommendationFeedback:
    """`not_interested` removes the category from the user's recommendations; False brings it back."""
    actor.ensure_can_access(user_id)
    removed = table.change_not_interested(user_id, category, not_interested, now)
    return RecommendationFeedback(user_id=user_id, not_interested=sorted(removed))
