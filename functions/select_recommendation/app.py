"""POST /v1/recommendations/{recommendation_id}/selection: the option the user finally chose."""

from datetime import UTC, datetime

from nudge.api import ApiCall, Endpoint, endpoint
from nudge.defaults.recommendation_selection import (
    RecommendationPath,
    SelectionRequest,
    SelectionResponse,
    select_for_actor,
)
from nudge.defaults.recommendation_table import recommendation_table

POST_SELECTION = Endpoint(
    method="POST",
    path="/v1/recommendations/{recommendation_id}/selection",
    summary="Record the option the user chose, once (the user it was made for, or an admin)",
    path_parameters=RecommendationPath,
    body=SelectionRequest,
    response=SelectionResponse,
    errors=(403, 404, 409),
    tag="personalized defaults",
)


@endpoint(POST_SELECTION)
def lambda_handler(call: ApiCall, path: RecommendationPath, body: SelectionRequest) -> SelectionResponse:
    return select_for_actor(recommendation_table(), call.actor, path.recommendation_id, body, datetime.now(UTC))
