"""POST /v1/admin/campaigns/{campaign_id}/send (admin): start a draft now, or schedule it for its send_at."""

from datetime import UTC, datetime

from nudge.api import ApiCall, Endpoint, endpoint
from nudge.notifications.campaign_admin import CampaignPath, campaign_admin, fan_out, send_campaign
from nudge.notifications.campaigns import CampaignView

SEND_CAMPAIGN = Endpoint(
    method="POST",
    path="/v1/admin/campaigns/{campaign_id}/send",
    summary="Admin: send a draft campaign (fanned out to workers) or schedule it for its send_at; audited",
    access="admin",
    path_parameters=CampaignPath,
    response=CampaignView,
    status=202,
    errors=(404, 409),
    tag="notifications",
)


@endpoint(SEND_CAMPAIGN)
def lambda_handler(call: ApiCall, path: CampaignPath) -> CampaignView:
    return send_campaign(campaign_admin(), fan_out(), call.actor, path.campaign_id, datetime.now(UTC))
