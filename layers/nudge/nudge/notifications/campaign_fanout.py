"""A campaign's fan-out (the SQS worker), the minute sweep, and the sending of what is due.

Queueing is apart from sending, so a campaign is queued at DynamoDB's pace and sent at the providers'.
The worker scans its segment of the profile table a page at a time from the segment's checkpoint. Per
page: the profiles the segment's profile rules match, then one BatchGetItem for their consent and
engagement aggregates (score and click hours), then per recipient the delivery rules
(`delivery_rules.decide`; the user's deliveries of the week are read, one Query, only for a recipient
with a channel) and the delivery claimed in the ledger (written only if absent) as `scheduled` for its
minute (now, or later for quiet hours and best hours), which puts it in the DueDeliveries index. The
page's counts then move with the checkpoint, conditional on it, so a duplicate delivery of the message
stops at its first page.

The sweep (every minute) starts the scheduled campaigns whose send_at has come and queues one message
per index shard that has a delivery due. A worker given a shard takes each due delivery (a conditional
update from scheduled to sending, out of the index), re-checks the user's consent, preferences and
address (a user who withdrew consent since is not sent to: the delivery is cancelled), hands it to the
channel's sender (which keeps to the channel's send rate) and writes the outcome with the campaign's
count in one transaction. Workers on the same shard never take the same delivery.

Crash rule: at most once. A crash between taking a delivery and writing its outcome leaves it
`sending`, out of the index: it is never taken again, so a (campaign, user, channel) is never handed
to a provider twice; it counts as queued and neither sent nor failed.

Digests: when the rules choose email for a campaign that is not urgent and the recipient's email
frequency is daily or weekly, the delivery is claimed as an item of their next digest instead (no
Query of their week: the caps count the digest, not its items), and the digest is a delivery of its
own in the due index; when the sweep takes it, `digest_sending.send_digest` sends it
(nudge.notifications.digest_sending).

Fallback: when the sender fails (a permanent failure, or a transient one its own retries did not
overcome), the delivery is marked failed and the next channel of the campaign that passes the rules is
tried once, with a ledger item of its own (`fallback_used` when it is sent).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple

from nudge.identifiers import new_id
from nudge.notifications.campaign_queue import DueShardMessage
from nudge.notifications.campaigns import SKIP_COUNTERS, Campaign, CampaignCounts
from nudge.notifications.channel_names import Channel
from nudge.notifications.delivery_rules import (
    CampaignTerms,
    Delivery,
    Recipient,
    Skipped,
    channel_problem,
    decide,
    reason,
)
from nudge.notifications.delivery_table import DeliveryRecord, DeliveryStatus, DeliveryTable, digest_period, due_shards
from nudge.notifications.delivery_vocabulary import SkipReason
from nudge.notifications.notification_table import FanOutSegment, NotificationTable
from nudge.notifications.outgoing import (
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
    from nudge.analytics.analytics_table import SurveyAnalyticsTable
    from nudge.behavior.behavior_table import BehaviorTable
    from nudge.notifications.campaign_admin import FanOut
    from nudge.notifications.campaign_queue import CampaignMessage, CampaignQueue
    from nudge.notifications.digests import Frequency
    from nudge.notifications.segments import SegmentRules
    from nudge.notifications.templates import NotificationTemplate, TemplateCategory
    from nudge.profiles.consent import ConsentRecord
    from nudge.profiles.profile import ProfileFields, ProfileRecord
    from nudge.profiles.profile_table import ProfileTable
    from nudge.subscribers.suppression import SuppressionList

PAGE_SIZE = 400  # profile-table items per scan page (about a quarter are profiles)
DUE_WITHIN = timedelta(minutes=1)  # sooner than this is sent at once, not scheduled
TIME_MARGIN_MS = 60_000
SWEEP_PAGE = 100


class CampaignPorts(NamedTuple):
    notifications: NotificationTable
    profiles: ProfileTable
    behavior: BehaviorTable
    deliveries: DeliveryTable
    queue: CampaignQueue
    senders: Callable[[Channel], ChannelSender]
    clock: Callable[[], datetime]
    # The user's signed one-click unsubscribe link for a template category (nudge.subscribers.unsubscribe).
    unsubscribe_link: Callable[[str, TemplateCategory, datetime], str]
    # An email's link through the signed click redirect (nudge.subscribers.click_links.click_url): the user,
    # the notification, the campaign, the target.
    click_link: Callable[[str, str, str | None, str, datetime], str]
    suppressions: SuppressionList
    funnel: SurveyAnalyticsTable  # a survey invite's sends count in its survey's funnel


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


def process_message(
    ports: CampaignPorts, message: CampaignMessage | DueShardMessage, time_left_ms: Callable[[], int]
) -> str:
    """Handle one queue message; returns what happened (for logs and tests)."""
    if isinstance(message, DueShardMessage):
        return send_due_shard(ports, message, time_left_ms)
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
    targeted: list[tuple[Recipient, str]] = []
    for (user_id, fields), (consent, others) in zip(candidates, reads, strict=True):
        engagement = ports.behavior.decode_engagement(others[0])
        if matches(rules, fields, engagement_score(engagement, now)):
            recipient = Recipient(user_id=user_id, profile=fields, consent=consent, click_hours=engagement.click_hours)
            targeted.append((recipient, reason(rules, fields)))
    suppressed = _suppressed_emails(ports, scan, [recipient for recipient, _ in targeted])
    counts = CampaignCounts()
    for recipient, why in targeted:
        if recipient.profile.email in suppressed:
            recipient = recipient._replace(email_suppressed=True)
        send = Send(campaign, template, recipient.profile, recipient.consent)
        counts = counts.plus(_recipient(ports, send, recipient, why, now))
    return counts


def _suppressed_emails(ports: CampaignPorts, scan: Scan, recipients: list[Recipient]) -> set[str]:
    """The page's suppressed addresses, in one batch read of only those email could otherwise carry."""
    if "email" not in scan.campaign.channels:
        return set()
    marketing = scan.template.category == "marketing"
    addresses = [
        recipient.profile.email
        for recipient in recipients
        if recipient.profile.email and channel_problem("email", recipient, marketing) is None
    ]
    return ports.suppressions.suppressed(addresses) if addresses else set()


def _recipient(ports: CampaignPorts, send: Send, recipient: Recipient, why: str, now: datetime) -> CampaignCounts:
    """Decide for one targeted recipient and claim the delivery in the ledger, due at its minute."""
    campaign_time = max(send.campaign.send_at or now, now)
    first = decide(terms(send.campaign, send.template), recipient, campaign_time)
    if isinstance(first, Delivery) and (frequency := _digest(send, recipient, first)):
        from nudge.notifications.digest_sending import queue_for_digest

        return queue_for_digest(ports, send, recipient, first, why, frequency)
    decision = plan(ports.deliveries, send, recipient, campaign_time, first)
    if isinstance(decision, Skipped):
        return skipped_counts(decision)
    record = scheduled_delivery(send, recipient.user_id, decision, why, now)
    existing = ports.deliveries.claim(record)
    due_now = (existing or record).at <= now + DUE_WITHIN
    counted = CampaignCounts(queued=int(due_now), scheduled=int(not due_now))
    if existing is not None and existing.status == "cancelled":
        counted = CampaignCounts()
    return CampaignCounts(targeted=1, eligible=1, downgraded=int(decision.downgraded)).plus(counted)


def scheduled_delivery(send: Send, user_id: str, decision: Delivery, why: str, now: datetime) -> DeliveryRecord:
    """The ledger item of a decided delivery: `scheduled` for its moment, which puts it in the due index."""
    return ledger_item(send, user_id, decision.channel, "scheduled", decision.send_at, why, now)


def ledger_item(
    send: Send, user_id: str, channel: Channel, status: DeliveryStatus, at: datetime, why: str, now: datetime
) -> DeliveryRecord:
    """The campaign's ledger item for one recipient and channel, with a new notification id."""
    return DeliveryRecord(
        user_id=user_id,
        campaign_id=send.campaign.campaign_id,
        channel=channel,
        status=status,
        at=at,
        reason=why,
        notification_id=new_id(),
        campaign_name=send.campaign.name,
        updated_at=now,
    )


def _digest(send: Send, recipient: Recipient, decision: Delivery) -> Frequency | None:
    from nudge.notifications.digests import digest_frequency

    return digest_frequency(terms(send.campaign, send.template), recipient.profile, decision.channel)


def plan(
    deliveries: DeliveryTable,
    send: Send,
    recipient: Recipient,
    campaign_time: datetime,
    first: Delivery | Skipped | None = None,
) -> Delivery | Skipped:
    """The delivery rules for one recipient, with their week's deliveries for the caps (`first`: the rules'
    answer without them, when the caller has it already)."""
    campaign_terms = terms(send.campaign, send.template)
    decision = first if first is not None else decide(campaign_terms, recipient, campaign_time)
    if isinstance(decision, Delivery):
        # Only a recipient with a channel costs the Query of their week's deliveries.
        recent = deliveries.recent(recipient.user_id, decision.send_at, send.campaign.campaign_id)
        decision = decide(campaign_terms, recipient._replace(recent=recent), campaign_time)
    return decision


def skipped_counts(decision: Skipped) -> CampaignCounts:
    skipped = {SKIP_COUNTERS[decision.reason]: 1}
    return CampaignCounts(
        targeted=1, eligible=int(decision.reason == "frequency_cap"), downgraded=int(decision.downgraded), **skipped
    )


def deliver(ports: CampaignPorts, send: Send, record: DeliveryRecord, fallbacks: list[Channel]) -> int:
    """Hand a taken delivery to its channel; on failure, the first fallback once (with its own claim). Each
    outcome is written with its count in one transaction. Returns 1 when a message went out."""
    fallback = fallbacks[0] if fallbacks else None
    if _attempt(ports, send, record, last=fallback is None):
        return 1
    if fallback is None:
        return 0
    second = record.model_copy(
        update={
            "channel": fallback,
            "fallback": True,
            "notification_id": new_id(),
            "status": "sending",
            "updated_at": ports.clock(),
        }
    )
    if ports.deliveries.claim(second) is not None:
        return 0  # an earlier attempt tried it already
    return int(_attempt(ports, send, second, last=True))


def _attempt(ports: CampaignPorts, send: Send, record: DeliveryRecord, last: bool) -> bool:
    campaign_id = record.campaign_id
    try:
        unsubscribe = ports.unsubscribe_link(record.user_id, send.template.category, ports.clock())
        url = email_link(ports, record, send.campaign.data.url) if record.channel == "email" else send.campaign.data.url
        message = outgoing(send, record, unsubscribe, url)
        message_id = ports.senders(record.channel).send(message)
    except (PermanentSendFailure, TransientSendFailure, ValueError) as error:
        # ValueError: a token value the template cannot take (MissingTokenValue, TokenValueTooLong).
        logger().warning("delivery failed", extra={"campaign_id": campaign_id, "channel": record.channel})
        failed = record.model_copy(update={"status": "failed", "failure": str(error)[:500]})
        failure = [ports.notifications.counts_request(campaign_id, CampaignCounts(failed=1))] if last else None
        ports.deliveries.finish(failed, ports.clock(), failure)
        return False
    sent = record.model_copy(update={"status": "sent", "provider_message_id": message_id})
    success = [
        ports.notifications.counts_request(campaign_id, CampaignCounts(sent=1, fallback_used=int(record.fallback)))
    ]
    survey_id = funnel_survey(send)
    if survey_id is not None:
        success.append(ports.funnel.funnel_request(survey_id, "notification_sent"))
    ports.deliveries.finish(sent, ports.clock(), success, funnel_survey_id=survey_id)
    return True


def funnel_survey(send: Send) -> str | None:
    """The survey whose funnel counts this send: a survey invite's, when the recipient shares analytics (brands
    see only those users in their analytics)."""
    if send.campaign.type != "survey_invite" or not send.consent.settings.analytics_sharing:
        return None
    return send.campaign.data.survey_id


def email_link(ports: CampaignPorts, record: DeliveryRecord, target: str | None) -> str | None:
    """A campaign's link as an email carries it: through the signed click redirect, which counts the click. A
    target the redirect refuses (off RedirectAllowedDomains) fails the send rather than going out unredirected."""
    from nudge.errors import Forbidden

    if target is None:
        return None
    try:
        return ports.click_link(record.user_id, record.notification_id, record.campaign_id, target, ports.clock())
    except Forbidden as refused:
        raise PermanentSendFailure(refused.message) from refused


def outgoing(send: Send, record: DeliveryRecord, unsubscribe_url: str, url: str | None) -> OutgoingMessage:
    """The template rendered for the user, as the channel's message; `unsubscribe_url` is the user's own link,
    `url` the campaign's link as the channel carries it (an email's through the click redirect)."""
    from nudge.notifications.templates import render, token_values
    from nudge.subscribers.unsubscribe_links import list_unsubscribe_headers

    data = send.campaign.data
    unsubscribe = unsubscribe_url
    values = token_values(
        send.profile.name,
        product_name=data.product_name,
        survey_title=data.survey_title,
        url=url,
        reason=record.reason,
        unsubscribe_url=unsubscribe,
    )
    # Only the channel sent: an email's click link is longer than an SMS's budget for a link.
    others = {channel: None for channel in ("email", "sms", "whatsapp") if channel != record.channel}
    rendered = render(send.template.model_copy(update=others), values)
    common = {"notification_id": record.notification_id, "user_id": record.user_id, "campaign_id": record.campaign_id}
    if record.channel == "email" and rendered.email:
        headers = list_unsubscribe_headers(unsubscribe)
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


def sweep(fan_out: FanOut, deliveries: DeliveryTable, now: datetime) -> dict[str, int]:
    """Start the campaigns whose time has come, then queue a message for each shard of the due index that has
    a delivery due, for the campaign workers to send (`send_due_shard`)."""
    started = sum(_start_due(fan_out, campaign_id, now) for campaign_id in fan_out.table.due_campaigns(now))
    shards = [DueShardMessage(due_shard=shard) for shard in due_shards() if deliveries.due(shard, now, 1)]
    fan_out.queue.send(shards)
    return {"campaigns_started": started, "shards_queued": len(shards)}


def send_due_shard(ports: CampaignPorts, message: DueShardMessage, time_left_ms: Callable[[], int]) -> str:
    """Send the shard's due deliveries, a page at a time, until none is due or time runs short (the next
    minute's sweep queues the shard again). Two workers on one shard send nothing twice: taking a delivery
    is conditional."""
    context = _SweepContext(ports)
    sent = 0
    while time_left_ms() > TIME_MARGIN_MS:
        now = ports.clock()
        due = ports.deliveries.due(message.due_shard, now, SWEEP_PAGE)
        if not due:
            break
        sent += sum(context.send_due(record, now) for record in due)
    return f"sent {sent}"


def _start_due(fan_out: FanOut, campaign_id: str, now: datetime) -> int:
    """Start a due campaign (1 when this sweep did). Its due item goes only once the fan-out is queued: a sweep
    that died in between leaves a `sending` campaign with its due item, whose fan-out the next one queues again
    (segment items are created only where missing, and a duplicate message stops at its first checkpoint)."""
    from nudge.notifications.campaign_admin import start_fan_out

    campaign = fan_out.table.get_campaign(campaign_id)
    if campaign is None:
        return 0
    started = 0
    if campaign.status == "scheduled":
        changed = campaign.model_copy(
            update={"status": "sending", "started_at": now, "updated_at": now, "version": campaign.version + 1}
        )
        if not fan_out.table.save_campaign(changed, []):
            return 0  # cancelled or started meanwhile: the next sweep reads it again
        campaign, started = changed, 1
    if campaign.status == "sending":
        start_fan_out(fan_out, campaign)
    fan_out.table.clear_due_campaign(campaign)
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
        if digest_period(record) is not None:
            from nudge.notifications.digest_sending import send_digest

            return send_digest(ports, self._campaign, record, now)
        campaign, template = self._campaign(record.campaign_id)
        profile, consent_item = ports.profiles.get_profile_with(
            record.user_id, ports.profiles.consent_read(record.user_id)
        )
        consent = ports.profiles.decode_consent(consent_item)
        if campaign is None or template is None or campaign.status == "cancelled" or profile is None:
            ports.deliveries.finish(record.model_copy(update={"status": "cancelled"}), now)
            return 0
        campaign_terms = terms(campaign, template)
        recipient = self._recipient(record, profile.fields, consent, campaign_terms)
        problem = channel_problem(record.channel, recipient, campaign_terms.marketing)
        if problem is not None:
            self._cancel(record, problem, now)
            return 0
        fallbacks = _fallbacks(campaign_terms, recipient, record.channel)
        return deliver(ports, Send(campaign, template, profile.fields, consent), record, fallbacks)

    def _recipient(
        self, record: DeliveryRecord, profile: ProfileFields, consent: ConsentRecord, campaign_terms: CampaignTerms
    ) -> Recipient:
        """The recipient as they are now; the address is checked again (one GetItem) when email may carry it."""
        later = campaign_terms.channels[campaign_terms.channels.index(record.channel) :]
        email = profile.email if "email" in later else None
        suppressed = email is not None and self._ports.suppressions.is_suppressed(email)
        return Recipient(user_id=record.user_id, profile=profile, consent=consent, email_suppressed=suppressed)

    def _cancel(self, record: DeliveryRecord, problem: SkipReason, now: datetime) -> None:
        failure = "the user's consent, preferences or address changed before the send time"
        count = None
        if problem == "suppressed":
            # Suppressed since the decision: counted, and never emailed (no fallback, as for a withdrawal).
            failure = "the address was suppressed before the send time"
            count = [self._ports.notifications.counts_request(record.campaign_id, CampaignCounts(skipped_suppressed=1))]
        cancelled = record.model_copy(update={"status": "cancelled", "failure": failure})
        self._ports.deliveries.finish(cancelled, now, count)


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

    from nudge.analytics.analytics_table import survey_analytics_table
    from nudge.behavior.behavior_table import behavior_table
    from nudge.notifications.campaign_queue import campaign_queue
    from nudge.notifications.delivery_table import delivery_table
    from nudge.notifications.notification_table import notification_table
    from nudge.profiles.profile_table import profile_table
    from nudge.subscribers.click_links import click_url
    from nudge.subscribers.suppression import suppression_list
    from nudge.subscribers.unsubscribe_links import unsubscribe_url

    return CampaignPorts(
        notifications=notification_table(),
        profiles=profile_table(),
        behavior=behavior_table(),
        deliveries=delivery_table(),
        queue=campaign_queue(),
        senders=senders,
        clock=lambda: datetime.now(UTC),
        unsubscribe_link=unsubscribe_url,
        click_link=click_url,
        suppressions=suppression_list(),
        funnel=survey_analytics_table(),
    )
