"""POST /v1/admin/pricing-tiers (admin): a new pricing tier; audited."""

from datetime import UTC, datetime

from nudge.anchoring.pricing_table import pricing_table
from nudge.anchoring.tier_admin import create_tier
from nudge.anchoring.tiers import PricingTier
from nudge.api import ApiCall, Endpoint, endpoint
from nudge.audit.audit_table import audit_table

POST_PRICING_TIER = Endpoint(
    method="POST",
    path="/v1/admin/pricing-tiers",
    summary="Admin: create a pricing tier with its features; audited",
    access="admin",
    body=PricingTier,
    response=PricingTier,
    errors=(409,),
    tag="admin",
)


@endpoint(POST_PRICING_TIER)
def lambda_handler(call: ApiCall, body: PricingTier) -> PricingTier:
    return create_tier(pricing_table(), audit_table(), call.actor, body, datetime.now(UTC))
