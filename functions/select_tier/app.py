"""POST /v1/tier-selections: the tier the user chose for a booking (idempotent per booking)."""

from datetime import UTC, datetime

from nudge.anchoring.anchoring_table import anchoring_table
from nudge.anchoring.pricing_table import pricing_table
from nudge.anchoring.tier_selection_model import TierSelection
from nudge.anchoring.tier_selections import TierSelectionRequest, select_tier
from nudge.api import ApiCall, Endpoint, endpoint

POST_TIER_SELECTION = Endpoint(
    method="POST",
    path="/v1/tier-selections",
    summary="Record the tier chosen for a booking, with its price, total and savings; status pending",
    body=TierSelectionRequest,
    response=TierSelection,
    errors=(409,),
    tag="price anchoring",
)


@endpoint(POST_TIER_SELECTION)
def lambda_handler(call: ApiCall, body: TierSelectionRequest) -> TierSelection:
    return select_tier(pricing_table(), anchoring_table(), call.actor, body, datetime.now(UTC))
