"""Recording the option a user finally chose for a recommendation: once, by its user or an admin."""

from datetime import datetime
from typing import Annotated

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import Field

from nudge.defaults.options import OptionType
from nudge.defaults.recommendation_log import Selection
from nudge.defaults.recommendation_table import RecommendationTable
from nudge.errors import Conflict, NotFound
from nudge.models import NudgeModel
from nudge.observability import metrics
from nudge.users.actor import Actor


class RecommendationPath(NudgeModel):
    recommendation_id: Annotated[str, Field(pattern=r"^[0-9a-f]{32}$", description="As returned by the API")]


class SelectionRequest(NudgeModel):
    selected_option: OptionType = Field(description="The option the user finally chose")


class SelectionResponse(NudgeModel):
    recommendation_id: str
    primary_recommendation: OptionType
    selected_option: OptionType
    followed_recommendation: bool
    selected_at: datetime


def select_for_actor(
    log: RecommendationTable, actor: Actor, recommendation_id: str, request: SelectionRequest, now: datetime
) -> SelectionResponse:
    """Record the user's final choice, once; only the user it was made for, or an admin."""
    record = log.get(recommendation_id)
    if record is None or not actor.may_access(record.user_id):  # another user's looks absent
        raise NotFound("no such recommendation", field="recommendation_id")
    if record.selection is not None:
        raise Conflict("a selection was already recorded for this recommendation", field="recommendation_id")
    selection = Selection(
        selected_option=request.selected_option,
        followed_recommendation=request.selected_option == record.primary_recommendation,
        selected_at=now,
        selected_by=actor.user_id,
    )
    if not log.record_selection(record, selection):
        raise Conflict("a selection was already recorded for this recommendation", field="recommendation_id")
    metrics().add_metric(name="RecommendationSelections", unit=MetricUnit.Count, value=1)
    # One value per selection, 1 when it followed the recommendation: its average is the follow rate.
    metrics().add_metric(
        name="RecommendationsFollowed", unit=MetricUnit.Count, value=int(selection.followed_recommendation)
    )
    return SelectionResponse(
        recommendation_id=recommendation_id,
        primary_recommendation=record.primary_recommendation,
        selected_option=selection.selected_option,
        followed_recommendation=selection.followed_recommendation,
        selected_at=now,
    )
