"""POST /v1/admin/campaigns (admin): create a campaign as a draft; validated against its segment and template."""

from datetime import UTC, datetime

from nudge.api import ApiCall, Endpoint, endpoint
from nudge.notifications.campaign_admin import campaign_admin, create_campaign
from nudge.notifications.campaigns import CampaignFields, CampaignView

CREATE_CAMPAIGN = Endpoint(
    method="POST",
    path="/v1/admin/campaigns",
    summary="Admin: create a campaign (a draft); unknown segment or template, bad channels or tokens are 422",
    access="admin",
    body=CampaignFields,
    response=CampaignView,
    status=201,
    errors=(409,),
    tag="notifications",
)


@endpoint(CREATE_CAMPAIGN)
def lambda_handler(call: ApiCall, body: CampaignFields) -> CampaignView:
    return create_campaign(campaign_admin(), call.actor, body, datetime.now(UTC))
