"""Delivery feedback: SES v2 events (through EventBridge) and WhatsApp statuses (through End User Messaging
Social's SNS topic, whatsapp_feedback.py) move a campaign delivery's markers and its campaign's counters, and
SES's feed the suppression list.

The event's mail tags name the notification (`notification_id`, `campaign_id`, as `ses_email.tag_value` wrote
them); DeliveryTable.find gives its delivery. Each event type sets its marker on the delivery once
(`delivered_at`, `opened_at`, ...), in the same transaction as the campaign counter it adds one to: a
duplicated event, or a second one of a type already marked, writes nothing, whatever the order (an open
before its delivery counts both once). A survey invite's delivery that counted in its survey's funnel when
sent (`funnel_survey_id`, nudge/notifications/campaign_fanout.py) has its first open added to the funnel's
`notification_opened` in that same transaction, so a duplicated open is counted nowhere twice.
The suppression list hears only what set a marker: a Permanent bounce and a complaint suppress the address, a
Transient (or Undetermined) bounce adds a soft bounce, a delivery ends the run of soft bounces. `Send` events
and tags of mail that is not a campaign delivery (erasure confirmations) are recorded nowhere.

DeliveriesByNotification is a global index, so eventually consistent: an event that comes right after its
delivery was written may not find it yet. Such an event is failed (DeliveryNotIndexedYet) while its mail is
younger than INDEX_LAG_WINDOW, so Lambda's asynchronous retries deliver it again; an older one names no
delivery at all (erased since, or never Nudge's) and is dropped, logged and counted.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from pydantic import Field, ValidationError

from nudge.errors import InvalidInput
from nudge.models import NudgeModel
from nudge.notifications.channels.ses_email import identifier_of

if TYPE_CHECKING:
    from nudge.analytics.analytics_table import SurveyAnalyticsTable
    from nudge.notifications.delivery_table import DeliveryTable, FeedbackKind
    from nudge.notifications.notification_table import NotificationTable
    from nudge.subscribers.suppression import SuppressionList

Outcome = Literal["recorded", "duplicate", "unknown_delivery", "ignored"]
# Lambda retries a failed asynchronous invocation (EventBridge's and SNS's) 1 and then 2 more minutes later: an
# event failed in the first minute after its mail is tried again inside the window, and the last attempt, 3
# minutes after the first, always falls outside it, so an id no index will ever show is dropped, not sent to
# the function's dead-letter queue. A global index catches up in well under a second.
INDEX_LAG_WINDOW = timedelta(minutes=2)
_KINDS: dict[str, FeedbackKind] = {
    "Delivery": "delivered",
    "Open": "opened",
    "Click": "clicked",
    "Bounce": "bounced",
    "Complaint": "complained",
}


class DeliveryNotIndexedYet(Exception):
    """The event's notification is not (yet) in DeliveriesByNotification and its mail is recent: retry."""


class _Mail(NudgeModel, extra="ignore"):
    timestamp: datetime
    message_id: str = Field(alias="messageId")
    destination: list[str] = Field(default_factory=list)
    tags: dict[str, list[str]] = Field(default_factory=dict)


class _Detail(NudgeModel, extra="ignore"):
    event_type: str = Field(alias="eventType")
    mail: _Mail
    bounce: dict[str, Any] | None = None
    complaint: dict[str, Any] | None = None
    delivery: dict[str, Any] | None = None
    open: dict[str, Any] | None = None
    click: dict[str, Any] | None = None


class Feedback(NamedTuple):
    kind: FeedbackKind | None  # None: an event type that changes nothing (Send, Reject, ...)
    notification_id: str | None
    campaign_id: str | None
    message_id: str
    at: datetime
    sent_at: datetime  # the mail's (or message's) own time, which bounds the retries for index lag
    addresses: list[str]
    permanent: bool  # a Permanent bounce


class FeedbackPorts(NamedTuple):
    deliveries: DeliveryTable
    notifications: NotificationTable
    suppression: SuppressionList
    funnel: SurveyAnalyticsTable


def _tag(tags: dict[str, list[str]], name: str) -> str | None:
    values = tags.get(name) or []
    return identifier_of(values[0]) if values else None


def parse_feedback(event: dict[str, Any]) -> Feedback:
    """The SES event EventBridge delivered (`detail` as SES v2 publishes it); InvalidInput naming the field."""
    try:
        detail = _Detail.model_validate(event.get("detail"))
    except ValidationError as error:
        problem = error.errors()[0]
        field = ".".join(str(part) for part in ("detail", *problem["loc"]))
        raise InvalidInput(problem["msg"], field=field) from error
    own = getattr(detail, detail.event_type.lower(), None) or {}
    at = datetime.fromisoformat(own["timestamp"]) if "timestamp" in own else detail.mail.timestamp
    recipients = (own.get("bouncedRecipients") or own.get("complainedRecipients") or []) if own else []
    addresses = [str(recipient["emailAddress"]) for recipient in recipients] or detail.mail.destination
    return Feedback(
        kind=_KINDS.get(detail.event_type),
        notification_id=_tag(detail.mail.tags, "notification_id"),
        campaign_id=_tag(detail.mail.tags, "campaign_id"),
        message_id=detail.mail.message_id,
        at=at,
        sent_at=detail.mail.timestamp,
        addresses=addresses,
        permanent=own.get("bounceType") == "Permanent",
    )


def record_feedback(ports: FeedbackPorts, feedback: Feedback, now: datetime) -> Outcome:
    """Set the delivery's marker and add to the campaign's counter, once; then tell the suppression list.
    DeliveryNotIndexedYet when the notification is not found and the mail is younger than INDEX_LAG_WINDOW."""
    if feedback.kind is None or feedback.notification_id is None or feedback.campaign_id is None:
        return "ignored"
    marks = DeliveryMarks(ports.deliveries, ports.notifications, ports.funnel)
    outcome = marks.mark_once(feedback.kind, feedback.campaign_id, feedback.notification_id, feedback.at)
    if outcome == "not_indexed":
        return _not_found(feedback, now)
    if outcome == "recorded":
        _suppress(ports.suppression, feedback)
    return outcome


def _not_found(feedback: Feedback, now: datetime) -> Outcome:
    age = now - feedback.sent_at
    if age < INDEX_LAG_WINDOW:
        raise DeliveryNotIndexedYet(f"notification {feedback.notification_id} not found {age} after its mail")
    from aws_lambda_powertools.metrics import MetricUnit

    from nudge.observability import logger, metrics

    logger().warning(
        "feedback of an unknown delivery dropped",
        extra={
            "notification_id": feedback.notification_id,
            "campaign_id": feedback.campaign_id,
            "kind": feedback.kind,
            "age_seconds": int(age.total_seconds()),
        },
    )
    metrics().add_metric(name="DeliveryFeedbackUnknown", unit=MetricUnit.Count, value=1)
    return "unknown_delivery"


class DeliveryMarks:
    """A delivery's markers with their campaign counters; as subscribers.clicks.CampaignClickCounter, the
    clicks through Nudge's signed redirect (the same `clicked_at` marker as SES's Click event: one notification
    is never counted twice). Without `funnel` (the click path), opens are not asked for."""

    def __init__(
        self, deliveries: DeliveryTable, notifications: NotificationTable, funnel: SurveyAnalyticsTable | None = None
    ) -> None:
        self._deliveries = deliveries
        self._notifications = notifications
        self._funnel = funnel

    def mark_once(
        self, kind: FeedbackKind, campaign_id: str, notification_id: str, at: datetime
    ) -> Outcome | Literal["not_indexed"]:
        """`not_indexed` when the index has no such notification (yet); `unknown_delivery` when it names
        another campaign's."""
        key = self._deliveries.find(notification_id)
        if key is None:
            return "not_indexed"
        if key.campaign_id != campaign_id:
            return "unknown_delivery"
        from nudge.notifications.campaigns import CampaignCounts

        counters = [self._notifications.counts_request(campaign_id, CampaignCounts(**{kind: 1}))]
        survey_id = self._deliveries.funnel_survey(key) if kind == "opened" and self._funnel else None
        if survey_id is not None and self._funnel is not None:
            counters.append(self._funnel.funnel_request(survey_id, "notification_opened"))
        return "recorded" if self._deliveries.mark(key, kind, at, counters) else "duplicate"

    def record_click(self, campaign_id: str, notification_id: str, at: datetime) -> None:
        self.mark_once("clicked", campaign_id, notification_id, at)


def record_ses_event(ports: FeedbackPorts, event: dict[str, Any], now: datetime) -> dict[str, str]:
    """The rule target's answer: the outcome, or `rejected` with the problem for an event that is not an SES
    event (EventBridge retrying it would not make it one)."""
    try:
        feedback = parse_feedback(event)
    except InvalidInput as error:
        return {"outcome": "rejected", "field": str(error.field), "problem": str(error)}
    return {"outcome": record_feedback(ports, feedback, now)}


def record_provider_event(ports: FeedbackPorts, event: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The function's answer to what invoked it: an SES event (the rule's), or SNS records of WhatsApp statuses
    (End User Messaging Social's topic), each status answered in order."""
    if "Records" not in event:
        return record_ses_event(ports, event, now)
    from nudge.notifications.whatsapp_feedback import parse_statuses

    outcomes: list[dict[str, str]] = []
    for record in event["Records"]:
        try:
            statuses = parse_statuses(str((record.get("Sns") or {}).get("Message", "")))
        except InvalidInput as error:
            outcomes.append({"outcome": "rejected", "field": str(error.field), "problem": str(error)})
            continue
        outcomes.extend({"outcome": record_feedback(ports, feedback, now)} for feedback in statuses)
    return {"outcomes": outcomes}


def _suppress(suppression: SuppressionList, feedback: Feedback) -> None:
    for address in feedback.addresses:
        if feedback.kind == "complained":
            suppression.record_complaint(address, feedback.at)
        elif feedback.kind == "bounced" and feedback.permanent:
            suppression.record_hard_bounce(address, feedback.at)
        elif feedback.kind == "bounced":
            suppression.record_soft_bounce(address, feedback.at)
        elif feedback.kind == "delivered":
            suppression.record_delivery(address)


def delivery_marks() -> DeliveryMarks:
    from nudge.notifications.delivery_table import delivery_table
    from nudge.notifications.notification_table import notification_table

    return DeliveryMarks(delivery_table(), notification_table())


def feedback_ports() -> FeedbackPorts:
    from nudge.analytics.analytics_table import survey_analytics_table
    from nudge.notifications.delivery_table import delivery_table
    from nudge.notifications.notification_table import notification_table
    from nudge.subscribers.suppression import suppression_list

    return FeedbackPorts(delivery_table(), notification_table(), suppression_list(), survey_analytics_table())
