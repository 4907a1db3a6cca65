"""POST /v1/admin/campaigns/{campaign_id}/cancel (admin): stop what of a campaign has not been sent."""

from datetime import UTC, datetime

from nudge.api import ApiCall, Endpoint, endpoint
from nudge.notifications.campaign_admin import CampaignPath, campaign_admin, cancel_campaign
from nudge.notifications.campaigns import CampaignView

CANCEL_CAMPAIGN = Endpoint(
    method="POST",
    path="/v1/admin/campaigns/{campaign_id}/cancel",
    summary="Admin: cancel a campaign; what was not yet handed to a provider is not sent; audited",
    access="admin",
    path_parameters=CampaignPath,
    response=CampaignView,
    errors=(404, 409),
    tag="notifications",
)


@endpoint(CANCEL_CAMPAIGN)
def lambda_handler(call: ApiCall, path: CampaignPath) -> CampaignView:
    return cancel_campaign(campaign_admin(), call.actor, path.campaign_id, datetime.now(UTC))
