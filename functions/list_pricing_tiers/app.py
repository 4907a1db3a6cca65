"""GET /v1/admin/pricing-tiers (admin): every configured tier, active or not."""

from nudge.anchoring.pricing_table import pricing_table
from nudge.anchoring.tier_admin import TierList, list_tiers
from nudge.api import ApiCall, Endpoint, endpoint

GET_PRICING_TIERS = Endpoint(
    method="GET",
    path="/v1/admin/pricing-tiers",
    summary="Admin: every configured pricing tier with its features, active or not",
    access="admin",
    response=TierList,
    tag="admin",
)


@endpoint(GET_PRICING_TIERS)
def lambda_handler(call: ApiCall) -> TierList:
    return list_tiers(pricing_table(), call.actor)
