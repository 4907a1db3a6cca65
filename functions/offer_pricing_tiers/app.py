"""POST /v1/pricing-tiers: every active tier priced against the anchor, with the recommended tier."""

from datetime import UTC, datetime

from nudge.anchoring.anchoring_table import anchoring_table
from nudge.anchoring.pricing_table import pricing_table
from nudge.anchoring.tier_offers import TierOffer, TierOfferRequest, offer_tiers
from nudge.api import ApiCall, Endpoint, endpoint
from nudge.behavior.behavior_table import behavior_table
from nudge.config import archetype_cache_ttl

POST_PRICING_TIERS = Endpoint(
    method="POST",
    path="/v1/pricing-tiers",
    summary="Price every active tier against an anchor, recommend one, record the impression",
    body=TierOfferRequest,
    response=TierOffer,
    errors=(409,),
    tag="price anchoring",
)


@endpoint(POST_PRICING_TIERS)
def lambda_handler(call: ApiCall, body: TierOfferRequest) -> TierOffer:
    return offer_tiers(
        behavior_table(),
        pricing_table(),
        anchoring_table(),
        call.actor,
        body,
        datetime.now(UTC),
        archetype_cache_ttl(),
    )
