"""GET /v1/analytics/recommendations (admin): follow rates overall, by archetype and by urgency."""

from nudge.api import ApiCall, Endpoint, endpoint
from nudge.defaults.recommendation_analytics import AnalyticsQuery, RecommendationAnalytics, analytics_for_admin
from nudge.defaults.recommendation_table import recommendation_table

GET_ANALYTICS = Endpoint(
    method="GET",
    path="/v1/analytics/recommendations",
    summary="Admin: recommendation follow rates for a date range, overall, by archetype, by urgency",
    access="admin",
    query=AnalyticsQuery,
    response=RecommendationAnalytics,
    tag="admin",
)


@endpoint(GET_ANALYTICS)
def lambda_handler(call: ApiCall, query: AnalyticsQuery) -> RecommendationAnalytics:
    return analytics_for_admin(recommendation_table(), call.actor, query)
