"""The recommendation route's domain: a user's product recommendations (their feedback: feedback.py)."""

from datetime import datetime

from pydantic import Field

from nudge.models import NudgeModel
from nudge.product_recommendations.ranking import ProductRecommendations, recommend
from nudge.product_recommendations.recommendation_tables import RecommendationTables
from nudge.profiles.categories import CATEGORIES
from nudge.users.actor import Actor

MAX_LIMIT = 50


class RecommendationsQuery(NudgeModel):
    limit: int = Field(default=10, ge=1, le=MAX_LIMIT, description="How many products at most")


def recommendations_for_actor(
    tables: RecommendationTables, actor: Actor, user_id: str, limit: int, now: datetime
) -> ProductRecommendations:
    actor.ensure_can_access(user_id)
    user = tables.user_state(user_id, now)
    wanted = [category for category in CATEGORIES if category not in user.not_interested]
    return recommend(user_id, user, tables.candidates(wanted), limit, now)
