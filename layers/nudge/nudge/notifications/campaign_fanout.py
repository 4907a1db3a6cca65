"""A campaign's fan-out (the SQS worker) and the minute sweep of what is due.

The worker scans its segment of the profile table a page at a time from the segment's checkpoint. Per
page: the profiles the segment's profile rules match, then one BatchGetItem for their consent and
engagement aggregates (score and click hours), then per recipient the delivery rules
(`delivery_rules.decide`; the user's deliveries of the week are read, one Query, only for a recipient
with a channel). A delivery due within the minute is claimed in the ledger (`status=sending`, written
only if absent) and then handed to the channel's sender; a later one is claimed as `scheduled`, for
the sweep. The page's counts then move with the checkpoint, conditional on it, so a duplicate delivery
of the message stops at its first page.

Crash rule: at most once. A crash between the ledger write and the provider's answer leaves the
delivery `sending`: a redelivered message resumes at the checkpoint, finds the ledger item and sends
nothing, and counts it `failed` (its outcome is unknown). A (campaign, user, channel) is never handed
to a provider twice.

Fallback: when the sender fails (a permanent failure, or a transient one its own retries did not
overcome), the delivery is marked failed and the next channel of the campaign that passes the rules is
tried once, with a ledger item of its own (`fallback_used` when it is sent).

The sweep (every minute) starts scheduled campaigns whose send_at has come, and sends the deliveries
whose minute has come from the DueDeliveries index, re-checking the user's consent, preferences and
address first (a user who withdrew consent since is not sent to: the delivery is cancelled). Two
sweeps may overlap: taking a delivery and starting a campaign are conditional writes, so each is done
by one of them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple

from nudge.identifiers import new_id
from nudge.notifications.campaigns import SKIP_COUNTERS, Campaign, CampaignCounts
from nudge.notifications.delivery_rules import (
    CampaignTerms,
    Delivery,
    Recipient,
    Skipped,
    channel_problem,
    decide,
    reason,
)
from nudge.notifications.delivery_table import DeliveryRecord, DeliveryTable, due_shards
from nudge.notifications.notification_table import FanOutSegment, NotificationTable
from nudge.notifications.outgoing import (
    Channel,
    ChannelSender,
    OutgoingEmail,
    OutgoingMessage,
    OutgoingSms,
    OutgoingWhatsApp,
    PermanentSendFailure,
    TransientSendFailure,
)
from nudge.notifications.segments import matches
from nudge.observability import logger

if TYPE_CHECKING:
    from nudge.behavior.behavior_table import BehaviorTable
    from nudge.notifications.campaign_admin import FanOut
    from nudge.notifications.campaign_queue import CampaignMessage, CampaignQueue
    from nudge.notifications.segments import SegmentRules
    from nudge.notifications.templates import NotificationTemplate
    from nudge.profiles.consent import ConsentRecord
    from nudge.profiles.profile import ProfileFields, ProfileRecord
    from nudge.profiles.profile_table import ProfileTable

PAGE_SIZE = 400  # profile-table items per scan page (about a quarter are profiles)
DUE_WITHIN = timedelta(minutes=1)  # sooner than this is sent at once, not scheduled
TIME_MARGIN_MS = 60_000
# The sweep runs every minute with a 60-second timeout: it stops with this much left, the next one goes on.
SWEEP_MARGIN_MS = 10_000
SWEEP_PAGE = 100


class CampaignPorts(NamedTuple):
    notifications: NotificationTable
    profiles: ProfileTable
    behavior: BehaviorTable
    deliveries: DeliveryTable
    queue: CampaignQueue
    senders: Callable[[Channel], ChannelSender]
    clock: Callable[[], datetime]
    unsubscribe_url: str


class Scan(NamedTuple):
    """What a segment's scan applies to each profile."""

    campaign: Campaign
    template: NotificationTemplate
    rules: SegmentRules


class Send(NamedTuple):
    """What a delivery needs to be rendered and handed to a channel."""

    campaign: Campaign
    template: NotificationTemplate
    profile: ProfileFields
    consent: ConsentRecord


def terms(campaign: Campaign, template: NotificationTemplate) -> CampaignTerms:
    return CampaignTerms(
        channels=campaign.channels,
        priority=campaign.priority,
        marketing=template.category == "marketing",
        optimize_send_time=campaign.optimize_send_time,
    )


def process_message(ports: CampaignPorts, message: CampaignMessage, time_left_ms: Callable[[], int]) -> str:
    """Handle one queue message; returns what happened (for logs and tests)."""
    campaign = ports.notifications.get_campaign(message.campaign_id)
    if campaign is None or campaign.status != "sending":
        return f"campaign is {campaign.status if campaign else 'gone'}"
    segment = ports.notifications.get_fan_out_segment(campaign.campaign_id, message.segment)
    if segment is None or segment.status == "done":
        # Its worker may have died after completing it but before closing the campaign.
        return "campaign sent" if _finish(ports, campaign) else "already done"
    template = ports.notifications.get_template(campaign.template_id)
    rules = ports.notifications.get_segment(campaign.segment_id)
    if template is None or rules is None:
        raise RuntimeError(f"campaign {campaign.campaign_id} lost its template or segment")
    return _scan_segment(ports, Scan(campaign, template, rules.rules), segment, message, time_left_ms)


def _scan_segment(
    ports: CampaignPorts,
    scan: Scan,
    segment: FanOutSegment,
    message: CampaignMessage,
    time_left_ms: Callable[[], int],
) -> str:
    campaign = scan.campaign
    while True:
        page = ports.profiles.profile_segment_page(
            segment.segment, campaign.total_segments, segment.checkpoint, PAGE_SIZE
        )
        counts = _process_page(ports, scan, page.profiles)
        if page.next_cursor is None:
            if not ports.notifications.complete_segment(segment, counts):
                return "superseded by another delivery"
            return "campaign sent" if _finish(ports, campaign) else "segment done"
        if not ports.notifications.checkpoint(segment, page.next_cursor, counts):
            return "superseded by another delivery"
        segment = segment._replace(checkpoint=page.next_cursor)
        current = ports.notifications.get_campaign(campaign.campaign_id)
        if current is None or current.status != "sending":
            return "cancelled"
        if time_left_ms() < TIME_MARGIN_MS:
            ports.queue.send([message])
            return "continued in a new message"


def _finish(ports: CampaignPorts, campaign: Campaign) -> bool:
    """Mark the campaign sent once every segment is done; True for the caller that did."""
    progress = ports.notifications.campaign_progress(campaign.campaign_id)
    if progress.segments_done < campaign.total_segments:
        return False
    now = ports.clock()
    sent = campaign.model_copy(
        update={"status": "sent", "finished_at": now, "updated_at": now, "version": campaign.version + 1}
    )
    return ports.notifications.save_campaign(sent, [])


def _process_page(ports: CampaignPorts, scan: Scan, profiles: list[tuple[str, ProfileRecord]]) -> CampaignCounts:
    from nudge.engagement.engagement_score import engagement_score

    campaign, template, rules = scan
    by_fields = rules.model_copy(update={"min_engagement_score": None})
    candidates = [(user_id, record.fields) for user_id, record in profiles if matches(by_fields, record.fields, 0.0)]
    reads = ports.profiles.consents_with(
        [user_id for user_id, _ in candidates], lambda user_id: [ports.behavior.engagement_read(user_id)]
    )
    now = ports.clock()
    counts = CampaignCounts()
    for (user_id, fields), (consent, others) in zip(candidates, reads, strict=True):
        engagement = ports.behavior.decode_engagement(others[0])
        if not matches(rules, fields, engagement_score(engagement, now)):
            continue
        recipient = Recipient(user_id=user_id, profile=fields, consent=consent, click_hours=engagement.click_hours)
        send = Send(campaign, template, fields, consent)
        counts = counts.plus(_recipient(ports, send, recipient, reason(rules, fields), now))
    return counts


def _recipient(ports: CampaignPorts, send: Send, recipient: Recipient, why: str, now: datetime) -> CampaignCounts:
    """Decide for one targeted recipient, claim the delivery, and send it when it is due now."""
    campaign_time = max(send.campaign.send_at or now, now)
    decision = decide(terms(send.campaign, send.template), recipient, campaign_time)
    if isinstance(decision, Delivery):
        # Only a recipient with a channel costs the Query of their week's deliveries.
        recent = ports.deliveries.recent(recipient.user_id, decision.send_at, send.campaign.campaign_id)
        decision = decide(
            terms(send.campaign, send.template), recipient.model_copy(update={"recent": recent}), campaign_time
        )
    if isinstance(decision, Skipped):
        skipped = {SKIP_COUNTERS[decision.reason]: 1}
        return CampaignCounts(
            targeted=1, eligible=int(decision.reason == "frequency_cap"), downgraded=int(decision.downgraded), **skipped
        )
    due_now = decision.send_at <= now + DUE_WITHIN
    record = DeliveryRecord(
        user_id=recipient.user_id,
        campaign_id=send.campaign.campaign_id,
        channel=decision.channel,
        status="sending" if due_now else "scheduled",
        at=decision.send_at,
        reason=why,
        notification_id=new_id(),
        campaign_name=send.campaign.name,
        updated_at=now,
    )
    base = CampaignCounts(targeted=1, eligible=1, downgraded=int(decision.downgraded))
    existing = ports.deliveries.claim(record)
    if existing is not None:
        return base.plus(_already(existing))
    if not due_now:
        return base.plus(CampaignCounts(scheduled=1))
    return base.plus(CampaignCounts(queued=1)).plus(deliver(ports, send, record, decision.fallbacks))


def _already(existing: DeliveryRecord) -> CampaignCounts:
    """How a delivery an earlier attempt claimed counts: `sending` is a crash's unknown outcome, counted failed."""
    if existing.status == "scheduled":
        return CampaignCounts(scheduled=1)
    if existing.status == "sent":
        return CampaignCounts(queued=1, sent=1)
    return CampaignCounts(queued=1, failed=int(existing.status != "cancelled"))


def deliver(ports: CampaignPorts, send: Send, record: DeliveryRecord, fallbacks: list[Channel]) -> CampaignCounts:
    """Hand a claimed delivery to its channel; on failure, the first fallback once (with its own claim)."""
    if _sent(ports, send, record):
        return CampaignCounts(sent=1)
    for channel in fallbacks[:1]:
        now = ports.clock()
        fallback = record.model_copy(
            update={
                "channel": channel,
                "fallback": True,
                "notification_id": new_id(),
                "status": "sending",
                "updated_at": now,
            }
        )
        if ports.deliveries.claim(fallback) is None and _sent(ports, send, fallback):
            return CampaignCounts(sent=1, fallback_used=1)
    return CampaignCounts(failed=1)


def _sent(ports: CampaignPorts, send: Send, record: DeliveryRecord) -> bool:
    try:
        message = outgoing(send, record, ports.unsubscribe_url)
        message_id = ports.senders(record.channel).send(message)
    except (PermanentSendFailure, TransientSendFailure, ValueError) as error:
        # ValueError: a token value the template cannot take (MissingTokenValue, TokenValueTooLong).
        logger().warning("delivery failed", extra={"campaign_id": record.campaign_id, "channel": record.channel})
        ports.deliveries.finish(
            record.model_copy(update={"status": "failed", "failure": str(error)[:500]}), ports.clock()
        )
        return False
    ports.deliveries.finish(
        record.model_copy(update={"status": "sent", "provider_message_id": message_id}), ports.clock()
    )
    return True


def outgoing(send: Send, record: DeliveryRecord, unsubscribe_url: str) -> OutgoingMessage:
    """The template rendered for the user, as the channel's message."""
    from nudge.notifications.templates import render, token_values

    data = send.campaign.data
    unsubscribe = f"{unsubscribe_url}?campaign_id={send.campaign.campaign_id}"
    values = token_values(
        send.profile.name,
        product_name=data.product_name,
        survey_title=data.survey_title,
        url=data.url,
        reason=record.reason,
        unsubscribe_url=unsubscribe,
    )
    rendered = render(send.template, values)
    common = {"notification_id": record.notification_id, "user_id": record.user_id, "campaign_id": record.campaign_id}
    if record.channel == "email" and rendered.email:
        headers = {"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
        email = rendered.email
        return OutgoingEmail(
            **common, to=send.profile.email, subject=email.subject, html=email.html, text=email.text, headers=headers
        )
    phone = send.profile.phone or ""
    if record.channel == "sms" and rendered.sms:
        return OutgoingSms(**common, to=phone, text=rendered.sms.text, transactional=send.campaign.priority == "urgent")
    if record.channel == "whatsapp" and rendered.whatsapp:
        whatsapp = rendered.whatsapp
        return OutgoingWhatsApp(
            **common,
            to=phone,
            template_name=whatsapp.template_name,
            language=whatsapp.language,
            parameters=whatsapp.parameters,
        )
    raise PermanentSendFailure(f"the template has no {record.channel} content")


def sweep(ports: CampaignPorts, fan_out: FanOut, time_left_ms: Callable[[], int]) -> dict[str, int]:
    """Start the campaigns whose time has come, then send the deliveries whose minute has come."""
    now = ports.clock()
    started = sum(
        _start_due(ports, fan_out, campaign_id, now) for campaign_id in ports.notifications.due_campaigns(now)
    )
    sent = 0
    context = _SweepContext(ports)
    for shard in due_shards():
        while time_left_ms() > SWEEP_MARGIN_MS and (due := ports.deliveries.due(shard, now, SWEEP_PAGE)):
            for record in due:
                sent += context.send_due(record, now)
    return {"campaigns_started": started, "deliveries_sent": sent}


def _start_due(ports: CampaignPorts, fan_out: FanOut, campaign_id: str, now: datetime) -> int:
    """Start a due campaign (1 when this sweep did). Its due item goes only once the fan-out is queued: a sweep
    that died in between leaves a `sending` campaign with its due item, whose fan-out the next one queues again
    (segment items are created only where missing, and a duplicate message stops at its first checkpoint)."""
    from nudge.notifications.campaign_admin import start_fan_out

    campaign = ports.notifications.get_campaign(campaign_id)
    if campaign is None:
        return 0
    started = 0
    if campaign.status == "scheduled":
        changed = campaign.model_copy(
            update={"status": "sending", "started_at": now, "updated_at": now, "version": campaign.version + 1}
        )
        if not ports.notifications.save_campaign(changed, []):
            return 0  # cancelled or started meanwhile: the next sweep reads it again
        campaign, started = changed, 1
    if campaign.status == "sending":
        start_fan_out(fan_out, campaign)
    ports.notifications.clear_due_campaign(campaign)
    return started


class _SweepContext:
    """Campaigns and templates read once per sweep."""

    def __init__(self, ports: CampaignPorts) -> None:
        self._ports = ports
        self._campaigns: dict[str, tuple[Campaign | None, NotificationTemplate | None]] = {}

    def _campaign(self, campaign_id: str) -> tuple[Campaign | None, NotificationTemplate | None]:
        if campaign_id not in self._campaigns:
            campaign = self._ports.notifications.get_campaign(campaign_id)
            template = self._ports.notifications.get_template(campaign.template_id) if campaign else None
            self._campaigns[campaign_id] = (campaign, template)
        return self._campaigns[campaign_id]

    def send_due(self, record: DeliveryRecord, now: datetime) -> int:
        ports = self._ports
        if not ports.deliveries.take_due(record, now):
            return 0
        campaign, template = self._campaign(record.campaign_id)
        profile, consent_item = ports.profiles.get_profile_with(
            record.user_id, ports.profiles.consent_read(record.user_id)
        )
        consent = ports.profiles.decode_consent(consent_item)
        if campaign is None or template is None or campaign.status == "cancelled" or profile is None:
            ports.deliveries.finish(record.model_copy(update={"status": "cancelled"}), now)
            return 0
        recipient = Recipient(user_id=record.user_id, profile=profile.fields, consent=consent)
        campaign_terms = terms(campaign, template)
        if channel_problem(record.channel, recipient, campaign_terms.marketing) is not None:
            failure = "the user's consent, preferences or address changed before the send time"
            ports.deliveries.finish(record.model_copy(update={"status": "cancelled", "failure": failure}), now)
            return 0
        fallbacks = _fallbacks(campaign_terms, recipient, record.channel)
        counts = deliver(ports, Send(campaign, template, profile.fields, consent), record, fallbacks)
        ports.notifications.add_counts(campaign.campaign_id, counts)
        return counts.sent


def _fallbacks(campaign_terms: CampaignTerms, recipient: Recipient, channel: Channel) -> list[Channel]:
    later = campaign_terms.channels[campaign_terms.channels.index(channel) + 1 :]
    return [
        other
        for other in later
        if channel_problem(other, recipient, campaign_terms.marketing) is None
        and (other != "sms" or campaign_terms.priority == "urgent")
    ]


def campaign_ports(senders: Callable[[Channel], ChannelSender]) -> CampaignPorts:
    from datetime import UTC

    from nudge import config
    from nudge.behavior.behavior_table import behavior_table
    from nudge.notifications.campaign_queue import campaign_queue
    from nudge.notifications.delivery_table import delivery_table
    from nudge.notifications.notification_table import notification_table
    from nudge.profiles.profile_table import profile_table

    return CampaignPorts(
        notifications=notification_table(),
        profiles=profile_table(),
        behavior=behavior_table(),
        deliveries=delivery_table(),
        queue=campaign_queue(),
        senders=senders,
        clock=lambda: datetime.now(UTC),
        unsubscribe_url=config.text("UNSUBSCRIBE_URL"),
    )
