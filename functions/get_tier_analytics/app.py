"""GET /v1/analytics/tiers (admin): per-tier impressions, selections, conversion and savings."""

from nudge.anchoring.anchoring_table import anchoring_table
from nudge.anchoring.tier_analytics import TierAnalytics, tier_analytics_for_admin
from nudge.api import ApiCall, Endpoint, endpoint
from nudge.defaults.recommendation_analytics import AnalyticsQuery

GET_TIER_ANALYTICS = Endpoint(
    method="GET",
    path="/v1/analytics/tiers",
    summary="Admin: per tier, impressions, selections, conversion rate, average savings, time to selection",
    access="admin",
    query=AnalyticsQuery,
    response=TierAnalytics,
    tag="admin",
)


@endpoint(GET_TIER_ANALYTICS)
def lambda_handler(call: ApiCall, query: AnalyticsQuery) -> TierAnalytics:
    return tier_analytics_for_admin(anchoring_table(), call.actor, query)
