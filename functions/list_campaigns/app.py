"""GET /v1/admin/campaigns (admin): every campaign, a page at a time."""

from nudge.api import ApiCall, Endpoint, endpoint
from nudge.notifications.campaign_admin import CampaignList, CampaignListQuery, list_campaigns
from nudge.notifications.notification_table import notification_table

LIST_CAMPAIGNS = Endpoint(
    method="GET",
    path="/v1/admin/campaigns",
    summary="Admin: the campaigns in campaign_id order, paged",
    access="admin",
    query=CampaignListQuery,
    response=CampaignList,
    tag="notifications",
)


@endpoint(LIST_CAMPAIGNS)
def lambda_handler(call: ApiCall, query: CampaignListQuery) -> CampaignList:
    return list_campaigns(notification_table(), call.actor, query)
