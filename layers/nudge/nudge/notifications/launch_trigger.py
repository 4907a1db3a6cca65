"""The `product.launched` trigger: a campaign started without an admin for a product a brand launched.

Nudge's bus delivers `product.launched` (nudge/catalog/products.py) to the trigger, which writes the
segment of users whose interests include the product's category (`product-launch-<category>`,
written only when it is missing or differs: an unchanged one writes nothing), creates the campaign
`product-launch-<product_id>` (type `product_launch`, email, the `ProductLaunchTemplateId`
template, the product's name and URL as data) and sends it, both through the campaign admin code,
so it is validated and audited as an admin's would be, the trigger's actor being
`trigger:product.launched`. The campaign id is derived from the product: a redelivered event finds
the campaign and starts nothing twice; only a draft left by an interrupted run is sent. Until the
template exists, launches start nothing (`no_template`, logged as the function's answer): an operator
turns the trigger on by creating the template.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, NamedTuple

from pydantic import ConfigDict, Field, ValidationError

from nudge.errors import Conflict, InvalidInput
from nudge.identifiers import Identifier
from nudge.models import NudgeModel
from nudge.notifications.campaign_admin import CampaignAdmin, FanOut, create_campaign, send_campaign
from nudge.notifications.campaigns import CampaignData, CampaignFields
from nudge.notifications.segments import SegmentFields, SegmentRules
from nudge.profiles.categories import Category
from nudge.users.actor import Actor

TRIGGER = Actor(user_id="trigger:product.launched", is_admin=True)
MAX_NAME = 100
CAMPAIGN_PREFIX = "product-launch-"
MAX_CAMPAIGN_ID = 128


class ProductLaunched(NudgeModel):
    """The event's detail; other keys (`event_id`, `launched_at`) are not needed here."""

    model_config = ConfigDict(extra="ignore", defer_build=True)

    product_id: Identifier
    name: Annotated[str, Field(min_length=1, max_length=500)]
    category: Category
    brand_id: str
    url: Annotated[str, Field(pattern=r"^https://\S+$", max_length=500)] | None = None


class LaunchPorts(NamedTuple):
    admin: CampaignAdmin
    fan_out: FanOut
    template_id: str


def parse_launch(event: dict[str, Any]) -> ProductLaunched:
    try:
        return ProductLaunched.model_validate(event.get("detail"))
    except ValidationError as error:
        first = error.errors()[0]
        raise InvalidInput(first["msg"], field=".".join(["detail", *map(str, first["loc"])])) from error


def launch_campaign_id(product_id: str) -> str:
    """`product-launch-<product_id>`; a product id too long for that gives its SHA-256 instead (still one id
    per product)."""
    import hashlib

    if len(CAMPAIGN_PREFIX) + len(product_id) <= MAX_CAMPAIGN_ID:
        return f"{CAMPAIGN_PREFIX}{product_id}"
    return f"{CAMPAIGN_PREFIX}{hashlib.sha256(product_id.encode()).hexdigest()}"


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


def start_launch_campaign(ports: LaunchPorts, launch: ProductLaunched, now: datetime) -> str:
    """The outcome: `started`, `already_started` for a redelivered event, or `no_template` (nothing written)
    while the stack's launch template does not exist."""
    from nudge.notifications.admin import put_segment

    if ports.admin.table.get_template(ports.template_id) is None:
        return "no_template"
    segment_id = f"product-launch-{launch.category.lower()}"
    segment = SegmentFields(name=f"Interested in {launch.category}", rules=SegmentRules(categories=[launch.category]))
    put_segment(ports.admin.table, ports.admin.audit, TRIGGER, segment_id, segment, now)
    fields = launch_campaign_fields(launch, segment_id, ports.template_id)
    existing = ports.admin.table.get_campaign(fields.campaign_id)
    if existing is None:
        try:
            create_campaign(ports.admin, TRIGGER, fields, now)
        except Conflict:
            return "already_started"  # another delivery of the event created it meanwhile
    elif existing.status != "draft":
        return "already_started"
    try:
        send_campaign(ports.admin, ports.fan_out, TRIGGER, fields.campaign_id, now)
    except Conflict:
        return "already_started"  # another delivery of the event sent it meanwhile
    return "started"


def handle_launch(ports: LaunchPorts, event: dict[str, Any], now: datetime) -> dict[str, str]:
    """The rule target's answer; an event that is not a product launch is `rejected` with the problem
    (EventBridge retrying it would not make it one)."""
    try:
        launch = parse_launch(event)
    except InvalidInput as error:
        return {"outcome": "rejected", "field": str(error.field), "problem": str(error)}
    return {"outcome": start_launch_campaign(ports, launch, now), "campaign_id": launch_campaign_id(launch.product_id)}


def launch_ports() -> LaunchPorts:
    from nudge import config
    from nudge.notifications.campaign_admin import campaign_admin, fan_out

    return LaunchPorts(campaign_admin(), fan_out(), config.text("PRODUCT_LAUNCH_TEMPLATE_ID"))
