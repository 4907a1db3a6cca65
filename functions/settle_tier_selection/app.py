"""PATCH /v1/tier-selections/{selection_id}: a pending selection becomes completed or cancelled."""

from datetime import UTC, datetime

from nudge.anchoring.anchoring_table import anchoring_table
from nudge.anchoring.tier_selection_model import TierSelection
from nudge.anchoring.tier_selections import SelectionPath, SelectionUpdate, settle_selection
from nudge.api import ApiCall, Endpoint, endpoint

PATCH_TIER_SELECTION = Endpoint(
    method="PATCH",
    path="/v1/tier-selections/{selection_id}",
    summary="Complete or cancel a pending tier selection (its user, or an admin)",
    path_parameters=SelectionPath,
    body=SelectionUpdate,
    response=TierSelection,
    errors=(403, 404, 409),
    tag="price anchoring",
)


@endpoint(PATCH_TIER_SELECTION)
def lambda_handler(call: ApiCall, path: SelectionPath, body: SelectionUpdate) -> TierSelection:
    return settle_selection(anchoring_table(), call.actor, path.selection_id, body, datetime.now(UTC))
