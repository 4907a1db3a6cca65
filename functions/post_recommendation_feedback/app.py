"""POST /v1/users/{user_id}/recommendation-feedback: the user removes a category from their recommendations."""

from datetime import UTC, datetime

from nudge.api import ApiCall, Endpoint, endpoint
from nudge.behavior.behavior_table import behavior_table
from nudge.product_recommendations.feedback import FeedbackRequest, RecommendationFeedback, change_feedback
from nudge.users.user_path import UserPath

POST_FEEDBACK = Endpoint(
    method="POST",
    path="/v1/users/{user_id}/recommendation-feedback",
    summary="Stop recommending a category to the user (not_interested); DELETE .../{category} undoes it",
    access="self",
    path_parameters=UserPath,
    body=FeedbackRequest,
    response=RecommendationFeedback,
    tag="product recommendations",
)


@endpoint(POST_FEEDBACK)
def lambda_handler(call: ApiCall, path: UserPath, body: FeedbackRequest) -> RecommendationFeedback:
    return change_feedback(behavior_table(), call.actor, path.user_id, body.category, True, datetime.now(UTC))
