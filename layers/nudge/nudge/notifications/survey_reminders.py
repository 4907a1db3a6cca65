"""Survey reminders: one message to a user who started a survey and has not completed it after
SurveyReminderHours, under every rule of a campaign.

Event ingestion writes the reminder in the transaction that tracks a `survey_start` (so only with the
user's behavioral-tracking consent), pending from the first start, and closes it as `completed` in the
one that tracks a `survey_complete` (delivery_table.py: the item and its SurveyRemindersDue index).

The job (`send_reminders`, on a schedule) reads, shard by shard, the pending reminders of surveys started
SurveyReminderHours ago or earlier, and for each reads the user's profile, consent and survey response in
one BatchGetItem. It closes without a message what no longer needs one (`completed`: a response exists;
`no_tracking_consent`: behavioral tracking was withdrawn since the start; `survey_closed`; `no_profile`;
`expired`: more than EXPIRE_AFTER past its time, as after a long wait for the template), then applies the
delivery rules (consent, channel consent, preferences, address, suppression, opted out, frequency caps,
quiet hours: delivery_rules.py) against the survey's reminder campaign `survey-reminder-<survey_id>`
(type `reminder`, priority normal, the channels of whatsapp, email, sms the template has content for, the
survey's title and url as data). The campaign is created and started on first use through the campaign
admin code, audited as `trigger:survey.reminder`; it is started with no fan-out segment, so it never scans
the profiles and sending it again queues nothing; cancelling it stops its reminders (`cancelled`).

Once per reminder, ever: the reminder is closed with its outcome and the campaign's counts in one
transaction, conditional on its still being pending (a second run, or one on a stale index entry, does
nothing), and only then is the delivery claimed in the ledger as the fan-out claims it (`scheduled` for
its minute, the minute sweep sends it with every re-check). A crash between the two leaves the reminder
closed without a delivery: at most once, as the sweep's crash rule. Until the template exists the job
reads nothing else and reminders stay pending; a reminder whose campaign the template cannot make (a
token without a value, SMS only) stays pending too, logged, until it expires.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from pydantic import ValidationError

from nudge.errors import Conflict, RequestInvalid
from nudge.item_codec import batch_get_items
from nudge.notifications.campaign_fanout import DUE_WITHIN, Send, plan, scheduled_delivery, skipped_counts
from nudge.notifications.campaigns import Campaign, CampaignCounts, CampaignData, CampaignFields
from nudge.notifications.delivery_rules import Delivery, Recipient, channel_problem
from nudge.notifications.delivery_table import due_shards
from nudge.observability import logger
from nudge.users.actor import Actor

if TYPE_CHECKING:
    from nudge.catalog.catalog_models import Survey
    from nudge.catalog.catalog_table import CatalogTable
    from nudge.catalog.response_table import SurveyResponseTable
    from nudge.notifications.campaign_admin import CampaignAdmin, FanOut
    from nudge.notifications.channel_names import Channel
    from nudge.notifications.delivery_table import DeliveryTable, SurveyReminder
    from nudge.notifications.templates import NotificationTemplate
    from nudge.profiles.consent import ConsentRecord
    from nudge.profiles.profile import ProfileRecord
    from nudge.profiles.profile_table import ProfileTable
    from nudge.subscribers.suppression import SuppressionList

TRIGGER = Actor(user_id="trigger:survey.reminder", is_admin=True)
CAMPAIGN_PREFIX = "survey-reminder-"
MAX_CAMPAIGN_ID = 128
MAX_NAME = 100
SEGMENT_ID = "survey-reminders"
CHANNEL_ORDER: tuple[Channel, ...] = ("whatsapp", "email", "sms")
EXPIRE_AFTER = timedelta(days=7)
PAGE = 100
TIME_MARGIN_MS = 30_000


class ReminderPorts(NamedTuple):
    admin: CampaignAdmin
    fan_out: FanOut  # with no segments: a reminder campaign never scans the profiles
    deliveries: DeliveryTable
    profiles: ProfileTable
    catalog: CatalogTable
    responses: SurveyResponseTable
    suppressions: SuppressionList
    client: Any  # DynamoDB, for the one BatchGetItem across tables
    template_id: str
    after: timedelta  # SurveyReminderHours
    clock: Callable[[], datetime]


class Facts(NamedTuple):
    """What decides whether a due reminder still needs a message."""

    completed: bool  # the user's response to the survey exists
    tracking: bool  # behavioral-tracking consent, now
    survey_open: bool  # the survey exists and is published
    has_profile: bool


def started_by(now: datetime, after: timedelta) -> datetime:
    """The latest start whose reminder is due at `now`: one started exactly `after` ago is."""
    return now - after


def drop_reason(reminder: SurveyReminder, facts: Facts, now: datetime, after: timedelta) -> str | None:
    """Why the reminder is closed without a message, or None when the campaign's rules decide."""
    if reminder.outcome is not None:
        return "already_decided"  # closed, then written again by a later start: it keeps its outcome
    if facts.completed:
        return "completed"
    if not facts.tracking:
        return "no_tracking_consent"
    if not facts.survey_open:
        return "survey_closed"
    if not facts.has_profile:
        return "no_profile"
    # A due reminder always has its start: only a start puts it in the due index.
    if reminder.started_at is None or now - reminder.started_at > after + EXPIRE_AFTER:
        return "expired"
    return None


def reminder_campaign_id(survey_id: str) -> str:
    """`survey-reminder-<survey_id>`, or the id's SHA-256 in its place when that would be too long."""
    import hashlib

    if len(CAMPAIGN_PREFIX) + len(survey_id) <= MAX_CAMPAIGN_ID:
        return f"{CAMPAIGN_PREFIX}{survey_id}"
    return f"{CAMPAIGN_PREFIX}{hashlib.sha256(survey_id.encode()).hexdigest()}"


def reminder_campaign_fields(survey: Survey, template: NotificationTemplate) -> CampaignFields:
    """Raises ValidationError when the template has no channel content or the survey's data does not fit."""
    return CampaignFields(
        campaign_id=reminder_campaign_id(survey.survey_id),
        name=f"Reminder: {survey.title}"[:MAX_NAME],
        type="reminder",
        segment_id=SEGMENT_ID,
        template_id=template.template_id,
        channels=[channel for channel in CHANNEL_ORDER if getattr(template, channel) is not None],
        priority="normal",
        data=CampaignData(survey_title=survey.title, url=survey.url),
    )


def reminder_reason(survey: Survey) -> str:
    return f"You see this because you started the survey '{survey.title}' and have not finished it"


def send_reminders(ports: ReminderPorts, time_left_ms: Callable[[], int]) -> dict[str, int]:
    """Decide every due reminder, shard by shard, until none is left or time runs short (the next run goes on).
    Returns how many reminders came to each outcome."""
    template = ports.admin.table.get_template(ports.template_id)
    if template is None:
        return {"no_template": 1}
    now = ports.clock()
    run = _Run(ports, template, now)
    outcomes: Counter[str] = Counter()
    for shard in due_shards():
        start_key: dict[str, Any] | None = None
        while time_left_ms() > TIME_MARGIN_MS:
            page, start_key = ports.deliveries.due_reminders(shard, started_by(now, ports.after), PAGE, start_key)
            outcomes.update(run.remind(reminder) for reminder in page)
            if start_key is None:
                break
    return dict(outcomes)


class _Run:
    """One run of the job: the surveys and their campaigns are read once."""

    def __init__(self, ports: ReminderPorts, template: NotificationTemplate, now: datetime) -> None:
        self._ports = ports
        self._template = template
        self._now = now
        self._surveys: dict[str, Survey | None] = {}
        self._campaigns: dict[str, tuple[Campaign, NotificationTemplate] | None] = {}

    def remind(self, reminder: SurveyReminder) -> str:
        ports, now = self._ports, self._now
        survey = self._survey(reminder.survey_id)
        profile, consent, completed = self._user(reminder)
        facts = Facts(
            completed=completed,
            tracking=consent.settings.behavioral_tracking,
            survey_open=survey is not None and survey.status == "published",
            has_profile=profile is not None,
        )
        dropped = drop_reason(reminder, facts, now, ports.after)
        if dropped is not None or survey is None or profile is None:
            outcome = dropped or "no_profile"  # drop_reason names a missing survey or profile
            return outcome if ports.deliveries.close_reminder(reminder, outcome, now) else "taken"
        found = self._campaign(survey)
        if found is None:
            return "campaign_invalid"
        campaign, template = found
        if campaign.status == "cancelled":
            return "cancelled" if ports.deliveries.close_reminder(reminder, "cancelled", now) else "taken"
        return self._decide(reminder, Send(campaign, template, profile.fields, consent), reminder_reason(survey))

    def _decide(self, reminder: SurveyReminder, send: Send, why: str) -> str:
        ports, now = self._ports, self._now
        recipient = self._recipient(reminder.user_id, send)
        decision = plan(ports.deliveries, send, recipient, now)
        campaign_id = send.campaign.campaign_id
        if not isinstance(decision, Delivery):
            counts, outcome = skipped_counts(decision), f"skipped_{decision.reason}"
        else:
            due_now = decision.send_at <= now + DUE_WITHIN
            outcome = "queued" if due_now else "scheduled"
            counts = CampaignCounts(
                targeted=1,
                eligible=1,
                queued=int(due_now),
                scheduled=int(not due_now),
                downgraded=int(decision.downgraded),
            )
        also = ports.admin.table.counts_request(campaign_id, counts)
        if not ports.deliveries.close_reminder(reminder, outcome, now, also):
            return "taken"
        if isinstance(decision, Delivery):
            ports.deliveries.claim(scheduled_delivery(send, reminder.user_id, decision, why, now))
        return outcome

    def _recipient(self, user_id: str, send: Send) -> Recipient:
        """The recipient with their address's suppression (one GetItem) when email could carry the reminder."""
        recipient = Recipient(user_id=user_id, profile=send.profile, consent=send.consent)
        email = send.profile.email
        marketing = send.template.category == "marketing"
        if "email" in send.campaign.channels and email and channel_problem("email", recipient, marketing) is None:
            suppressed = self._ports.suppressions.is_suppressed(email)
            recipient = recipient._replace(email_suppressed=suppressed)
        return recipient

    def _user(self, reminder: SurveyReminder) -> tuple[ProfileRecord | None, ConsentRecord, bool]:
        """The profile, the consent and whether the user responded to the survey, in one BatchGetItem."""
        profiles = self._ports.profiles
        reads = [
            profiles.profile_read(reminder.user_id),
            profiles.consent_read(reminder.user_id),
            self._ports.responses.response_read(reminder.survey_id, reminder.user_id),
        ]
        profile, consent, response = batch_get_items(self._ports.client, reads, consistent=True)
        return profiles.decode_profile(profile), profiles.decode_consent(consent), response is not None

    def _survey(self, survey_id: str) -> Survey | None:
        if survey_id not in self._surveys:
            stored, _ = self._ports.catalog.survey_with_product(survey_id, None)
            self._surveys[survey_id] = stored.survey if stored else None
        return self._surveys[survey_id]

    def _campaign(self, survey: Survey) -> tuple[Campaign, NotificationTemplate] | None:
        """The survey's reminder campaign, created and started on first use, with its template (the one it was
        created with, as the sweep sends it); None (logged) when the template cannot make it."""
        if survey.survey_id not in self._campaigns:
            campaign = self._open_campaign(survey)
            template: NotificationTemplate | None = self._template
            if campaign is not None and campaign.template_id != self._template.template_id:
                template = self._ports.admin.table.get_template(campaign.template_id)
            self._campaigns[survey.survey_id] = (campaign, template) if campaign and template else None
        return self._campaigns[survey.survey_id]

    def _open_campaign(self, survey: Survey) -> Campaign | None:
        from nudge.notifications.campaign_admin import create_campaign, send_campaign

        admin, now = self._ports.admin, self._now
        campaign_id = reminder_campaign_id(survey.survey_id)
        try:
            if admin.table.get_campaign(campaign_id) is None:
                self._segment()
                create_campaign(admin, TRIGGER, reminder_campaign_fields(survey, self._template), now)
        except (ValidationError, RequestInvalid) as error:
            logger().warning(
                "survey reminder campaign refused", extra={"survey_id": survey.survey_id, "problem": str(error)}
            )
            return None
        except Conflict:
            pass  # another run created it meanwhile
        campaign = admin.table.get_campaign(campaign_id)
        if campaign is not None and campaign.status == "draft":
            with suppress(Conflict):  # another run started it meanwhile
                send_campaign(admin, self._ports.fan_out, TRIGGER, campaign.campaign_id, now)
            campaign = admin.table.get_campaign(campaign_id)
        return campaign

    def _segment(self) -> None:
        """The segment every reminder campaign names (a campaign needs one): no rule, as the job, not a scan,
        picks the recipients. Written only when missing or different."""
        from nudge.notifications.admin import put_segment
        from nudge.notifications.segments import SegmentFields

        fields = SegmentFields(name="Survey reminders (the reminder job picks the recipients)")
        put_segment(self._ports.admin.table, self._ports.admin.audit, TRIGGER, SEGMENT_ID, fields, self._now)


def reminder_ports() -> ReminderPorts:
    from datetime import UTC

    from nudge import clients, config
    from nudge.catalog.catalog_table import catalog_table
    from nudge.catalog.response_table import survey_response_table
    from nudge.notifications.campaign_admin import FanOut, campaign_admin
    from nudge.notifications.campaign_queue import campaign_queue
    from nudge.notifications.delivery_table import delivery_table
    from nudge.profiles.profile_table import profile_table
    from nudge.subscribers.suppression import suppression_list

    admin = campaign_admin()
    return ReminderPorts(
        admin=admin,
        fan_out=FanOut(admin.table, campaign_queue(), segments=0),
        deliveries=delivery_table(),
        profiles=profile_table(),
        catalog=catalog_table(),
        responses=survey_response_table(),
        suppressions=suppression_list(),
        client=clients.dynamodb(),
        template_id=config.text("SURVEY_REMINDER_TEMPLATE_ID"),
        after=timedelta(hours=config.whole_number("SURVEY_REMINDER_HOURS", 48, minimum=1)),
        clock=lambda: datetime.now(UTC),
    )
