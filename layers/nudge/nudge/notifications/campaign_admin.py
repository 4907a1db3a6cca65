"""Admin management of campaigns: create a draft, read one with its counters, list, send, cancel; audited.

Every change is written conditional on the version it read, in one transaction with its audit record;
a change that lost a race to another admin's is a 409. `send` saves the campaign's new status first
and only then writes the fan-out's segment items (each only if absent) and queues one message per
segment: a `send` interrupted between the two is completed by sending again (a `sending` campaign's
pending segments are queued again; the workers resume from their checkpoints and the ledger keeps a
recipient from being sent twice).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from pydantic import Field

from nudge.errors import Conflict, NotFound, RequestInvalid
from nudge.identifiers import Identifier
from nudge.models import NudgeModel
from nudge.notifications.campaigns import Campaign, CampaignFields, CampaignStatus, CampaignView
from nudge.notifications.notification_table import NotificationTable
from nudge.users.actor import Actor

if TYPE_CHECKING:
    from nudge.audit.audit_table import AuditTable
    from nudge.notifications.campaign_queue import CampaignQueue


class CampaignPath(NudgeModel):
    campaign_id: Identifier


class CampaignListQuery(NudgeModel):
    limit: int = Field(default=50, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=2048, description="next_cursor of the previous page")


class CampaignList(NudgeModel):
    campaigns: list[Campaign] = Field(description="In campaign_id order")
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page")


class CampaignAdmin(NamedTuple):
    table: NotificationTable
    audit: AuditTable
    # The domains the click redirect allows (RedirectAllowedDomains), read when a campaign is created: its
    # `data.url` must be one of them, since its emails link through the redirect.
    link_domains: Callable[[], frozenset[str]]


class FanOut(NamedTuple):
    table: NotificationTable
    queue: CampaignQueue
    segments: int


def create_campaign(admin: CampaignAdmin, actor: Actor, fields: CampaignFields, now: datetime) -> CampaignView:
    from nudge.notifications.campaign_checks import campaign_problems  # only creation loads the template models

    actor.ensure_admin()
    segment = admin.table.get_segment(fields.segment_id)
    template = admin.table.get_template(fields.template_id)
    if segment is None or template is None:
        missing = "segment_id" if segment is None else "template_id"
        raise RequestInvalid([(missing, f"there is no such {missing.removesuffix('_id')}")])
    problems = campaign_problems(fields, template, now, admin.link_domains)
    if problems:
        raise RequestInvalid(problems)
    campaign = Campaign(**fields.model_dump(), status="draft", created_at=now, updated_at=now, version=1)
    if not admin.table.save_campaign(campaign, [_audit(admin, actor, "create", None, campaign, now)]):
        raise Conflict(f"there is already a campaign '{fields.campaign_id}'", field="campaign_id")
    return view(admin.table, campaign)


def get_campaign(table: NotificationTable, actor: Actor, campaign_id: str) -> CampaignView:
    actor.ensure_admin()
    return view(table, _existing(table, campaign_id))


def list_campaigns(table: NotificationTable, actor: Actor, query: CampaignListQuery) -> CampaignList:
    actor.ensure_admin()
    page = table.campaign_page(query.limit, query.cursor)
    return CampaignList(campaigns=page.campaigns, next_cursor=page.next_cursor)


def send_campaign(admin: CampaignAdmin, fan_out: FanOut, actor: Actor, campaign_id: str, now: datetime) -> CampaignView:
    """Start the campaign now, or schedule it for its send_at; a `sending` one has its pending segments queued
    again (see the module docstring)."""
    actor.ensure_admin()
    current = _existing(admin.table, campaign_id)
    if current.status == "sending":
        start_fan_out(fan_out, current)
        return view(admin.table, current)
    if current.status != "draft":
        raise Conflict(f"the campaign is {current.status}; only a draft can be sent", field="campaign_id")
    scheduled = current.send_at is not None and current.send_at > now
    status: CampaignStatus = "scheduled" if scheduled else "sending"
    changes: dict[str, object] = {
        "status": status,
        "total_segments": fan_out.segments,
        "started_at": None if scheduled else now,
    }
    campaign = _changed(admin, actor, current, changes, "send", now)
    if not scheduled:
        start_fan_out(fan_out, campaign)
    return view(admin.table, campaign)


def cancel_campaign(admin: CampaignAdmin, actor: Actor, campaign_id: str, now: datetime) -> CampaignView:
    actor.ensure_admin()
    current = _existing(admin.table, campaign_id)
    if current.status == "cancelled":
        raise Conflict("the campaign is already cancelled", field="campaign_id")
    campaign = _changed(admin, actor, current, {"status": "cancelled", "finished_at": now}, "cancel", now)
    return view(admin.table, campaign)


def start_fan_out(fan_out: FanOut, campaign: Campaign) -> None:
    from nudge.notifications.campaign_queue import CampaignMessage

    pending = fan_out.table.create_fan_out(campaign.campaign_id, campaign.total_segments)
    fan_out.queue.send(
        [
            CampaignMessage(campaign_id=campaign.campaign_id, segment=segment, total_segments=campaign.total_segments)
            for segment in pending
        ]
    )


def view(table: NotificationTable, campaign: Campaign) -> CampaignView:
    progress = table.campaign_progress(campaign.campaign_id)
    return CampaignView(**campaign.model_dump(), counts=progress.counts, segments_done=progress.segments_done)


def _existing(table: NotificationTable, campaign_id: str) -> Campaign:
    campaign = table.get_campaign(campaign_id)
    if campaign is None:
        raise NotFound(f"no campaign '{campaign_id}'", field="campaign_id")
    return campaign


def _changed(
    admin: CampaignAdmin, actor: Actor, current: Campaign, changes: dict[str, object], action: str, now: datetime
) -> Campaign:
    campaign = current.model_copy(update=changes | {"updated_at": now, "version": current.version + 1})
    if not admin.table.save_campaign(campaign, [_audit(admin, actor, action, current, campaign, now)]):
        raise Conflict("the campaign changed meanwhile; read it again and retry", field="campaign_id")
    return campaign


def _audit(
    admin: CampaignAdmin, actor: Actor, action: str, before: Campaign | None, after: Campaign, now: datetime
) -> dict[str, Any]:
    from nudge.audit.records import audit_record

    old = before.model_dump(mode="json") if before else None
    record = audit_record(
        actor, f"campaign.{action}", f"campaign:{after.campaign_id}", old, after.model_dump(mode="json"), now
    )
    return admin.audit.put_request(record)


def campaign_admin() -> CampaignAdmin:
    from nudge.audit.audit_table import audit_table
    from nudge.notifications.notification_table import notification_table
    from nudge.subscribers.click_links import allowed_domains

    return CampaignAdmin(notification_table(), audit_table(), allowed_domains)


def fan_out() -> FanOut:
    from nudge.config import whole_number
    from nudge.notifications.campaign_queue import campaign_queue
    from nudge.notifications.notification_table import notification_table

    return FanOut(notification_table(), campaign_queue(), whole_number("CAMPAIGN_SEGMENTS", 32, minimum=1))
