"""PUT /v1/admin/pricing-tiers/{tier_id} (admin): replace a tier and its features; audited."""

from datetime import UTC, datetime

from nudge.anchoring.pricing_table import pricing_table
from nudge.anchoring.tier_admin import TierPath, update_tier
from nudge.anchoring.tiers import PricingTier
from nudge.api import ApiCall, Endpoint, endpoint
from nudge.audit.audit_table import audit_table

PUT_PRICING_TIER = Endpoint(
    method="PUT",
    path="/v1/admin/pricing-tiers/{tier_id}",
    summary="Admin: replace a pricing tier and its features (deactivate features with active=false); audited",
    access="admin",
    path_parameters=TierPath,
    body=PricingTier,
    response=PricingTier,
    errors=(404,),
    tag="admin",
)


@endpoint(PUT_PRICING_TIER)
def lambda_handler(call: ApiCall, path: TierPath, body: PricingTier) -> PricingTier:
    return update_tier(pricing_table(), audit_table(), call.actor, path.tier_id, body, datetime.now(UTC))
