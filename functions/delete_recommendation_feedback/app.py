"""DELETE /v1/users/{user_id}/recommendation-feedback/{category}: recommend the category to the user again."""

from datetime import UTC, datetime

from nudge.api import ApiCall, Endpoint, endpoint
from nudge.behavior.behavior_table import behavior_table
from nudge.product_recommendations.feedback import FeedbackPath, RecommendationFeedback, change_feedback

DELETE_FEEDBACK = Endpoint(
    method="DELETE",
    path="/v1/users/{user_id}/recommendation-feedback/{category}",
    summary="Undo not_interested: the category is recommended to the user again",
    access="self",
    path_parameters=FeedbackPath,
    response=RecommendationFeedback,
    tag="product recommendations",
)


@endpoint(DELETE_FEEDBACK)
def lambda_handler(call: ApiCall, path: FeedbackPath) -> RecommendationFeedback:
    return change_feedback(behavior_table(), call.actor, path.user_id, path.category, False, datetime.now(UTC))
