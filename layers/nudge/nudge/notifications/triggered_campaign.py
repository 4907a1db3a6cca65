"""A campaign started without an admin: what the automatic triggers (`product.launched`, `survey.published`, the
weekly summary) share.

A trigger derives the campaign's id from what started it (the product, the survey, the ISO week), so a
redelivered event or a repeated schedule run finds the campaign and starts nothing twice; only a draft left by
an interrupted run is sent. It writes its segment (only when missing or different: an unchanged one writes
nothing), creates the campaign and sends it, both through the campaign admin code, so it is validated and
audited as an admin's would be, the trigger's actor being `trigger:<what started it>`. Until the stack's
template for the trigger exists, nothing is written (`no_template`): an operator turns a trigger on by
creating its template.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any, NamedTuple

from pydantic import ValidationError

from nudge.errors import Conflict, InvalidInput
from nudge.models import NudgeModel
from nudge.notifications.campaign_admin import CampaignAdmin, FanOut, create_campaign, send_campaign
from nudge.notifications.campaigns import CampaignFields
from nudge.notifications.segments import SegmentFields
from nudge.notifications.templates import TemplateCategory
from nudge.users.actor import Actor

MAX_CAMPAIGN_ID = 128
MAX_NAME = 100


class TriggerPorts(NamedTuple):
    admin: CampaignAdmin
    fan_out: FanOut
    template_id: str
    app_url: str | None = None  # AppUrl: the base of the app's pages a trigger links to (none: no link)


class TriggeredCampaign(NamedTuple):
    """What a trigger starts: its segment (id and rules) and the campaign."""

    segment_id: str
    segment: SegmentFields
    fields: CampaignFields


def parse_detail[Detail: NudgeModel](model: type[Detail], event: dict[str, Any], key: str | None = "detail") -> Detail:
    """The event's `key` (the whole event when None) as the trigger reads it; InvalidInput naming the field
    (`detail.<name>`)."""
    try:
        return model.model_validate(event.get(key) if key else event)
    except ValidationError as error:
        first = error.errors()[0]
        raise InvalidInput(first["msg"], field=".".join([*([key] if key else []), *map(str, first["loc"])])) from error


def rejected(error: InvalidInput) -> dict[str, str]:
    """The answer to an event the trigger cannot read (EventBridge retrying it would not change it)."""
    return {"outcome": "rejected", "field": str(error.field), "problem": str(error)}


def derived_campaign_id(prefix: str, key: str) -> str:
    """`<prefix><key>`; a key too long for that gives its SHA-256 instead (still one id per key)."""
    if len(prefix) + len(key) <= MAX_CAMPAIGN_ID:
        return f"{prefix}{key}"
    return f"{prefix}{hashlib.sha256(key.encode()).hexdigest()}"


def start_triggered_campaign(
    ports: TriggerPorts,
    actor: Actor,
    started: TriggeredCampaign,
    now: datetime,
    category: TemplateCategory | None = None,
) -> str:
    """The outcome: `started`, `already_started` (the campaign exists and is past its draft), `no_template`
    (nothing written) while the trigger's template does not exist, or `wrong_category` (nothing written) when
    `category` is given and the template is of another one."""
    from nudge.notifications.admin import put_segment

    template = ports.admin.table.get_template(ports.template_id)
    if template is None:
        return "no_template"
    if category is not None and template.category != category:
        return "wrong_category"
    put_segment(ports.admin.table, ports.admin.audit, actor, started.segment_id, started.segment, now)
    campaign_id = started.fields.campaign_id
    existing = ports.admin.table.get_campaign(campaign_id)
    if existing is None:
        try:
            create_campaign(ports.admin, actor, started.fields, now)
        except Conflict:
            return "already_started"  # another delivery of the event created it meanwhile
    elif existing.status != "draft":
        return "already_started"
    try:
        send_campaign(ports.admin, ports.fan_out, actor, campaign_id, now)
    except Conflict:
        return "already_started"  # another delivery of the event sent it meanwhile
    return "started"


def app_link(ports: TriggerPorts, path: str) -> str | None:
    """The app's page at `path` (`/surveys/s1`), or None when the stack has no AppUrl."""
    return f"{ports.app_url.rstrip('/')}{path}" if ports.app_url else None


def trigger_ports(template_setting: str, with_app_url: bool = False) -> TriggerPorts:
    """The ports of a trigger whose template id is the setting `template_setting` (and, `with_app_url`, whose
    links start with APP_URL)."""
    from nudge import config
    from nudge.notifications.campaign_admin import campaign_admin, fan_out

    app_url = config.optional_text("APP_URL") if with_app_url else None
    return TriggerPorts(campaign_admin(), fan_out(), config.text(template_setting), app_url)
