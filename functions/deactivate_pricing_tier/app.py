"""DELETE /v1/admin/pricing-tiers/{tier_id} (admin): deactivate a tier (kept for history); audited."""

from datetime import UTC, datetime

from nudge.anchoring.pricing_table import pricing_table
from nudge.anchoring.tier_admin import TierPath, deactivate_tier
from nudge.anchoring.tiers import PricingTier
from nudge.api import ApiCall, Endpoint, endpoint
from nudge.audit.audit_table import audit_table

DELETE_PRICING_TIER = Endpoint(
    method="DELETE",
    path="/v1/admin/pricing-tiers/{tier_id}",
    summary="Admin: deactivate a pricing tier; it stays stored for history; audited",
    access="admin",
    path_parameters=TierPath,
    response=PricingTier,
    errors=(404,),
    tag="admin",
)


@endpoint(DELETE_PRICING_TIER)
def lambda_handler(call: ApiCall, path: TierPath) -> PricingTier:
    return deactivate_tier(pricing_table(), audit_table(), call.actor, path.tier_id, datetime.now(UTC))
