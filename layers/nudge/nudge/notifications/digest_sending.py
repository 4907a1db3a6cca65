"""Queueing an email for the user's digest, and sending a digest when the minute sweep takes it.

Queueing (the fan-out worker, for a recipient whose email waits for a digest: `digests.digest_frequency`):
the campaign's delivery is claimed in the ledger as a `digest_pending` item (put if absent, as every
delivery; out of the due index and of the frequency caps), then the user's digest for the item's period
is put if absent, `scheduled` at its moment (the due index). When that period's digest is already taken
(sending or done), the next period's is ensured, and so on: an item queued while its digest is being
sent goes into the next one, which is always scheduled. Item first, digest second: a digest that is
taken after an item found it scheduled queries its items after the item was written (consistent
reads), so it lists it.

Sending (`send_digest`, after the sweep's conditional take of the digest): the user's profile and consent
(one BatchGetItem), the address's suppression (one consistent GetItem), the pending items queued for
this digest or earlier (one consistent Query, at most DIGEST_MAX_ITEMS; with more, the next period's
digest is ensured for the rest). Each item is re-checked as a single delivery would be: a cancelled
campaign, withdrawn consent (marketing_emails for a marketing template too), email turned off, no
address or a suppressed one cancel it (suppressed counts `skipped_suppressed`). Each remaining item is
then held for this digest (conditional on still pending: an item is never in two digests). The email
lists each held item (its template's subject for the user, the product or survey, the link), carries
the user's one-click unsubscribe link (scope `marketing` when every item is marketing, else `product`,
which stops them all), and its outcome is written in one transaction: the digest, each item (sent or
failed, with `digest_id`, the digest's `at` and message id) and each campaign's `sent` (or `failed`).
A digest with nothing left to send is cancelled (not counted by the caps). Crash rule as for any
delivery: at most once (held items stay `sending`).

A user who switched back to `instant` still gets the digest already scheduled, at its moment (their new
emails go on their own); one who withdrew consent gets nothing and the items are cancelled.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from nudge.identifiers import new_id
from nudge.notifications.campaign_fanout import CampaignPorts, Send, email_link, ledger_item
from nudge.notifications.campaigns import CampaignCounts
from nudge.notifications.delivery_rules import Recipient, channel_problem
from nudge.notifications.delivery_table import DeliveryRecord, digest_campaign_id, digest_period
from nudge.notifications.digests import (
    DIGEST_MAX_ITEMS,
    DigestEntry,
    DigestSlot,
    Frequency,
    digest_email,
    following,
    next_slot,
    parse_period,
    send_time,
)
from nudge.notifications.outgoing import OutgoingEmail, PermanentSendFailure, TransientSendFailure
from nudge.observability import logger

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from nudge.notifications.campaigns import Campaign
    from nudge.notifications.delivery_rules import Delivery
    from nudge.notifications.templates import NotificationTemplate, TemplateCategory
    from nudge.profiles.consent import ConsentRecord
    from nudge.profiles.profile import ProfileFields, QuietHours

type CampaignLookup = Callable[[str], tuple["Campaign | None", "NotificationTemplate | None"]]


class Held(NamedTuple):
    item: DeliveryRecord
    campaign: Campaign
    template: NotificationTemplate


def _zone(profile: ProfileFields) -> tuple[ZoneInfo, QuietHours | None]:
    from zoneinfo import ZoneInfo

    return ZoneInfo(profile.time_zone), profile.notification_preferences.quiet_hours


def queue_for_digest(
    ports: CampaignPorts, send: Send, recipient: Recipient, decision: Delivery, why: str, frequency: Frequency
) -> CampaignCounts:
    """Claim the campaign's email to the recipient as an item of their next digest and ensure that digest is
    scheduled; counted `scheduled` (`sent` when the digest goes)."""
    now = ports.clock()
    zone, quiet = _zone(recipient.profile)
    local_time = send_time(recipient.click_hours, decision.send_at, zone, quiet)
    first = next_slot(frequency, decision.send_at, local_time, zone, quiet)
    item = ledger_item(send, recipient.user_id, "email", "digest_pending", first.at, why, now)
    existing = ports.deliveries.claim(item)
    if existing is None or existing.status == "digest_pending":
        # Also for a redelivered message: the first attempt may have died before ensuring the digest.
        ensure_digest(ports, recipient.user_id, first, zone, quiet)
    counted = (
        CampaignCounts() if existing is not None and existing.status == "cancelled" else CampaignCounts(scheduled=1)
    )
    return CampaignCounts(targeted=1, eligible=1, downgraded=int(decision.downgraded)).plus(counted)


def ensure_digest(
    ports: CampaignPorts, user_id: str, slot: DigestSlot, zone: ZoneInfo, quiet: QuietHours | None
) -> None:
    """Put the user's digest of `slot` if absent; when it exists and is taken already, the next period's."""
    while True:
        digest = DeliveryRecord(
            user_id=user_id,
            campaign_id=digest_campaign_id(slot.period),
            channel="email",
            status="scheduled",
            at=slot.at,
            reason=f"You chose a {slot.frequency} digest of your email notifications",
            notification_id=new_id(),
            campaign_name=f"Your {slot.frequency} digest",
            updated_at=ports.clock(),
        )
        existing = ports.deliveries.claim(digest)
        if existing is None or existing.status == "scheduled":
            return
        slot = following(slot, zone, quiet)


def send_digest(ports: CampaignPorts, lookup: CampaignLookup, digest: DeliveryRecord, now: datetime) -> int:
    """Send a digest the sweep took (module docstring); 1 when an email went out."""
    profile, consent_item = ports.profiles.get_profile_with(digest.user_id, ports.profiles.consent_read(digest.user_id))
    period = parse_period(digest_period(digest) or "")
    if profile is None or period is None:
        ports.deliveries.finish(digest.model_copy(update={"status": "cancelled", "failure": "no profile"}), now)
        return 0
    fields = profile.fields
    consent = ports.profiles.decode_consent(consent_item)
    found = ports.deliveries.pending_digest_items(digest.user_id, digest.at, DIGEST_MAX_ITEMS + 1)
    if len(found) > DIGEST_MAX_ITEMS:
        zone, quiet = _zone(fields)
        local_time = digest.at.astimezone(zone).time().replace(tzinfo=None)
        ensure_digest(
            ports, digest.user_id, following(DigestSlot(*period, local_time, digest.at), zone, quiet), zone, quiet
        )
    held = _hold(ports, lookup, digest, _recipient(ports, digest.user_id, fields, consent), found[:DIGEST_MAX_ITEMS])
    if not held:
        cancelled = digest.model_copy(update={"status": "cancelled", "failure": "nothing left to send"})
        ports.deliveries.finish(cancelled, now)
        return 0
    return _deliver(ports, digest, period[0], fields, held)


def _recipient(ports: CampaignPorts, user_id: str, fields: ProfileFields, consent: ConsentRecord) -> Recipient:
    suppressed = fields.email is not None and ports.suppressions.is_suppressed(fields.email)
    return Recipient(user_id=user_id, profile=fields, consent=consent, email_suppressed=suppressed)


def _hold(
    ports: CampaignPorts,
    lookup: CampaignLookup,
    digest: DeliveryRecord,
    recipient: Recipient,
    items: list[DeliveryRecord],
) -> list[Held]:
    """Cancel the items that may no longer be emailed, hold the others for this digest."""
    held: list[Held] = []
    now = ports.clock()
    for item in items:
        campaign, template = lookup(item.campaign_id)
        if campaign is None or template is None or campaign.status == "cancelled":
            failure = "the campaign was cancelled before the digest"
            ports.deliveries.cancel_digest_item(
                item.model_copy(update={"status": "cancelled", "failure": failure}), now, None
            )
            continue
        problem = channel_problem("email", recipient, template.category == "marketing")
        if problem is not None:
            count = CampaignCounts(skipped_suppressed=1) if problem == "suppressed" else None
            also = ports.notifications.counts_request(item.campaign_id, count) if count else None
            failure = "the user's consent, preferences or address changed before the digest"
            ports.deliveries.cancel_digest_item(
                item.model_copy(update={"status": "cancelled", "failure": failure}), now, also
            )
            continue
        if ports.deliveries.hold_for_digest(item, digest.notification_id, now):
            held.append(Held(item, campaign, template))
    return held


def _cancel(ports: CampaignPorts, item: DeliveryRecord, failure: str, also: dict[str, Any] | None) -> None:
    cancelled = item.model_copy(update={"status": "cancelled", "failure": failure})
    ports.deliveries.cancel_digest_item(cancelled, ports.clock(), also)


def _deliver(
    ports: CampaignPorts, digest: DeliveryRecord, frequency: Frequency, fields: ProfileFields, held: list[Held]
) -> int:
    from nudge.notifications.templates import NAME_FALLBACK
    from nudge.subscribers.unsubscribe_links import list_unsubscribe_headers

    scope: TemplateCategory = (
        "marketing" if all(entry.template.category == "marketing" for entry in held) else "product"
    )
    unsubscribe = ports.unsubscribe_link(digest.user_id, scope, ports.clock())
    entries = [_entry(entry, fields, unsubscribe, _link(ports, entry)) for entry in held]
    first_name = fields.name.split()[0] if fields.name and fields.name.split() else NAME_FALLBACK
    email = digest_email(frequency, first_name, entries, unsubscribe)
    message = OutgoingEmail(
        notification_id=digest.notification_id,
        user_id=digest.user_id,
        to=fields.email,
        subject=email.subject,
        html=email.html,
        text=email.text,
        headers=list_unsubscribe_headers(unsubscribe),
    )
    try:
        message_id: str | None = ports.senders("email").send(message)
    except (PermanentSendFailure, TransientSendFailure) as error:
        failure: str | None = str(error)[:500]
        message_id = None
    else:
        failure = None
    status = "sent" if failure is None else "failed"
    outcome = {"status": status, "provider_message_id": message_id, "failure": failure}
    items = [
        entry.item.model_copy(update=outcome | {"at": digest.at, "digest_id": digest.notification_id}) for entry in held
    ]
    counts = CampaignCounts(sent=1) if failure is None else CampaignCounts(failed=1)
    counters = [ports.notifications.counts_request(entry.item.campaign_id, counts) for entry in held]
    ports.deliveries.finish_digest(digest.model_copy(update=outcome), items, ports.clock(), counters)
    return int(failure is None)


def _link(ports: CampaignPorts, held: Held) -> str | None:
    """An item's link through the click redirect, as its own email's would be; an item whose target the redirect
    refuses is listed without one, so that it does not hold back the others."""
    try:
        return email_link(ports, held.item, held.campaign.data.url)
    except PermanentSendFailure:
        logger().warning("digest item's link refused", extra={"campaign_id": held.item.campaign_id})
        return None


def _entry(held: Held, fields: ProfileFields, unsubscribe: str, url: str | None) -> DigestEntry:
    """An item as the digest lists it: its template's email subject for the user, its product or survey, its link
    (`url`, through the click redirect)."""
    from nudge.notifications.templates import render, token_values

    data = held.campaign.data
    values = token_values(
        fields.name,
        product_name=data.product_name,
        survey_title=data.survey_title,
        url=url,
        reason=held.item.reason,
        unsubscribe_url=unsubscribe,
    )
    email_only = held.template.model_copy(update={"sms": None, "whatsapp": None})
    try:
        rendered = render(email_only, values).email
    except ValueError:
        rendered = None  # a value the template cannot take: the campaign's own name stands in
    title = rendered.subject if rendered else held.campaign.name
    return DigestEntry(title=title, url=url, detail=data.product_name or data.survey_title)
