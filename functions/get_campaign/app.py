"""GET /v1/admin/campaigns/{campaign_id} (admin): a campaign with its status and counters."""

from nudge.api import ApiCall, Endpoint, endpoint
from nudge.notifications.campaign_admin import CampaignPath, get_campaign
from nudge.notifications.campaigns import CampaignView
from nudge.notifications.notification_table import notification_table

GET_CAMPAIGN = Endpoint(
    method="GET",
    path="/v1/admin/campaigns/{campaign_id}",
    summary="Admin: a campaign, its status and counters; 404 when there is none",
    access="admin",
    path_parameters=CampaignPath,
    response=CampaignView,
    errors=(404,),
    tag="notifications",
)


@endpoint(GET_CAMPAIGN)
def lambda_handler(call: ApiCall, path: CampaignPath) -> CampaignView:
    return get_campaign(notification_table(), call.actor, path.campaign_id)
