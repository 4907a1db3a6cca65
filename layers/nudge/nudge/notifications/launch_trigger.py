"""The `product.launched` trigger: a campaign started without an admin for a product a brand launched.

Nudge's bus delivers `product.launched` (nudge/catalog/products.py) to the trigger, which starts
(nudge/notifications/triggered_campaign.py) the campaign `product-launch-<product_id>` (type
`product_launch`, email, the `ProductLaunchTemplateId` template, the product's name and URL as data)
to the segment of users whose interests include the product's category (`product-launch-<category>`),
the trigger's actor being `trigger:product.launched`. A redelivered event starts nothing twice; until
the template exists, launches start nothing (`no_template`, logged as the function's answer).
"""

from datetime import datetime
from typing import Annotated, Any

from pydantic import ConfigDict, Field

from nudge.errors import InvalidInput
from nudge.identifiers import Identifier
from nudge.models import NudgeModel
from nudge.notifications.campaigns import CampaignData, CampaignFields
from nudge.notifications.segments import SegmentFields, SegmentRules
from nudge.notifications.triggered_campaign import (
    MAX_NAME,
    TriggeredCampaign,
    TriggerPorts,
    derived_campaign_id,
    parse_detail,
    rejected,
    start_triggered_campaign,
    trigger_ports,
)
from nudge.profiles.categories import Category
from nudge.users.actor import Actor

TRIGGER = Actor(user_id="trigger:product.launched", is_admin=True)
CAMPAIGN_PREFIX = "product-launch-"


class ProductLaunched(NudgeModel):
    """The event's detail; other keys (`event_id`, `launched_at`) are not needed here."""

    model_config = ConfigDict(extra="ignore", defer_build=True)

    product_id: Identifier
    name: Annotated[str, Field(min_length=1, max_length=500)]
    category: Category
    brand_id: str
    url: Annotated[str, Field(pattern=r"^https://\S+$", max_length=500)] | None = None


def parse_launch(event: dict[str, Any]) -> ProductLaunched:
    return parse_detail(ProductLaunched, event)


def launch_campaign_id(product_id: str) -> str:
    """`product-launch-<product_id>` (a product id too long for that gives its SHA-256)."""
    return derived_campaign_id(CAMPAIGN_PREFIX, product_id)


def launch_campaign_fields(launch: ProductLaunched, segment_id: str, template_id: str) -> CampaignFields:
    return CampaignFields(
        campaign_id=launch_campaign_id(launch.product_id),
        name=f"Launch: {launch.name}"[:MAX_NAME],
        type="product_launch",
        segment_id=segment_id,
        template_id=template_id,
        channels=["email"],
        data=CampaignData(product_name=launch.name, url=launch.url),
    )


def start_launch_campaign(ports: TriggerPorts, launch: ProductLaunched, now: datetime) -> str:
    """The outcome: `started`, `already_started` for a redelivered event, or `no_template` (nothing written)
    while the stack's launch template does not exist."""
    segment_id = f"product-launch-{launch.category.lower()}"
    segment = SegmentFields(name=f"Interested in {launch.category}", rules=SegmentRules(categories=[launch.category]))
    fields = launch_campaign_fields(launch, segment_id, ports.template_id)
    return start_triggered_campaign(ports, TRIGGER, TriggeredCampaign(segment_id, segment, fields), now)


def handle_launch(ports: TriggerPorts, event: dict[str, Any], now: datetime) -> dict[str, str]:
    """The rule target's answer; an event that is not a product launch is `rejected` with the problem."""
    try:
        launch = parse_launch(event)
    except InvalidInput as error:
        return rejected(error)
    return {"outcome": start_launch_campaign(ports, launch, now), "campaign_id": launch_campaign_id(launch.product_id)}


def launch_ports() -> TriggerPorts:
    return trigger_ports("PRODUCT_LAUNCH_TEMPLATE_ID")
