"""GET /v1/users/{user_id}/product-recommendations: products for the user, each with why."""

from datetime import UTC, datetime

from nudge.api import ApiCall, Endpoint, endpoint
from nudge.product_recommendations.ranking import ProductRecommendations
from nudge.product_recommendations.recommendation_tables import recommendation_tables
from nudge.product_recommendations.recommendations import RecommendationsQuery, recommendations_for_actor
from nudge.users.user_path import UserPath

GET_RECOMMENDATIONS = Endpoint(
    method="GET",
    path="/v1/users/{user_id}/product-recommendations",
    summary="Recommend products to a user (own user, or any user for an admin), each with its reasons",
    access="self",
    path_parameters=UserPath,
    query=RecommendationsQuery,
    response=ProductRecommendations,
    tag="product recommendations",
)


@endpoint(GET_RECOMMENDATIONS)
def lambda_handler(call: ApiCall, path: UserPath, query: RecommendationsQuery) -> ProductRecommendations:
    return recommendations_for_actor(recommendation_tables(), call.actor, path.user_id, query.limit, datetime.now(UTC))
