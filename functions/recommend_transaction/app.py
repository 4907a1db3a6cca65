"""POST /v1/transaction-recommendations: the caller's default option for a date-change request."""

from datetime import UTC, datetime

from nudge.api import ApiCall, Endpoint, endpoint
from nudge.behavior.behavior_table import behavior_table
from nudge.config import archetype_cache_ttl
from nudge.defaults.recommendation_log import RecommendationRecord
from nudge.defaults.recommendation_table import recommendation_table
from nudge.defaults.recommendations import RecommendationRequest, recommend_for_actor

POST_RECOMMENDATION = Endpoint(
    method="POST",
    path="/v1/transaction-recommendations",
    summary="Recommend the default option (buyout, crash, swap) with ranked, priced alternatives; logged",
    body=RecommendationRequest,
    response=RecommendationRecord,
    tag="personalized defaults",
)


@endpoint(POST_RECOMMENDATION)
def lambda_handler(call: ApiCall, body: RecommendationRequest) -> RecommendationRecord:
    return recommend_for_actor(
        behavior_table(), recommendation_table(), call.actor, body, datetime.now(UTC), archetype_cache_ttl()
    )
