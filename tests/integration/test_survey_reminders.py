"""Survey reminders against moto, end to end with an injected clock: event ingestion writes the reminder, the
reminder job decides it under the campaign rules and claims the delivery, the minute sweep and the workers send
it. Tables and queue of their own (the campaign fan-out tests' stack)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local_runtime.runtime import LocalStack
from nudge.behavior.ingestion import ingest_events
from nudge.behavior.ingestion_tables import IngestionTables
from nudge.catalog.catalog_models import Survey
from nudge.catalog.catalog_table import CatalogTable
from nudge.catalog.response_models import SurveyResponse
from nudge.catalog.response_table import SurveyResponseTable
from nudge.notifications.admin import put_template
from nudge.notifications.campaign_admin import FanOut, cancel_campaign, get_campaign
from nudge.notifications.campaigns import CampaignCounts, CampaignView
from nudge.notifications.delivery_table import DeliveryRecord
from nudge.notifications.outgoing import OutgoingEmail, OutgoingWhatsApp
from nudge.notifications.survey_reminders import ReminderPorts, send_reminders
from nudge.notifications.templates import TemplateFields
from tests.builders import engaged, event
from tests.integration.conftest import Api
from tests.integration.test_campaign_fanout import ADMIN, NOW, Campaigns, Crash, campaigns, click_links_in, plenty
from tests.integration.test_campaigns_api import admin, gamer, new_id

__all__ = ["campaigns"]  # the fan-out tests' fixture: this module's tables, queue, sender and clock

SURVEY_ID = "acme-nps"
CAMPAIGN_ID = f"survey-reminder-{SURVEY_ID}"
STARTED = NOW - timedelta(hours=1)
TEMPLATE_ID = "survey-reminder"
TRACKED = {
    "behavioral_tracking": True,
    "personalized_notifications": {"enabled": True, "channels": {"email": True, "whatsapp": True, "sms": True}},
}
BY_EMAIL = TRACKED | {"personalized_notifications": {"enabled": True, "channels": {"email": True, "sms": True}}}
REMINDER_TEMPLATE: dict[str, Any] = {
    "name": "Survey reminder",
    "category": "product",
    "email": {
        "subject": "Finish {{survey_title}}, {{first_name}}",
        "html": '<a href="{{url}}">{{survey_title}}</a> {{reason}} <a href="{{unsubscribe_url}}">x</a>',
        "text": "{{survey_title}}: {{url}}",
    },
    "sms": {"text": "{{survey_title}}: {{url}}"},
    "whatsapp": {"template_name": "survey_reminder", "language": "en_US", "parameters": ["{{survey_title}}"]},
}


@dataclass
class Reminders:
    campaigns: Campaigns
    ports: ReminderPorts
    ingestion: IngestionTables

    def survey(self, status: str = "published") -> None:
        survey = Survey.model_validate(
            {
                "survey_id": SURVEY_ID,
                "brand_id": "acme",
                "title": "Acme NPS",
                "category": "TECH_SAAS",
                "url": "https://acme.nudge.example/s/nps",
                "questions": [{"question_id": "nps", "type": "nps", "text": "Recommend us?"}],
                "status": status,
                "created_at": NOW,
                "updated_at": NOW,
            }
        )
        assert self.ports.catalog.save_survey(survey, announced=True)

    def template(self) -> None:
        fields = TemplateFields.model_validate(REMINDER_TEMPLATE)
        admin = self.campaigns.admin
        put_template(admin.table, admin.audit, ADMIN, TEMPLATE_ID, fields, self.campaigns.clock())

    def track(self, user: str, kind: str, at: datetime = STARTED, event_id: str | None = None) -> list[str]:
        tracked = engaged(event_id or f"{kind}-{user}-{at:%Y%m%dT%H%M%S}", kind, at=at, survey_id=SURVEY_ID)
        return ingest_events(self.ingestion, user, [event(tracked)], at).not_tracked_event_ids

    def run(self, at: datetime) -> dict[str, int]:
        self.campaigns.clock.now = at
        return send_reminders(self.ports, plenty)

    def deliver(self, at: datetime) -> list[tuple[str, str]]:
        self.campaigns.clock.now = at
        self.campaigns.deliver()
        return self.campaigns.sender.recipients()

    def view(self) -> CampaignView:
        return get_campaign(self.campaigns.admin.table, ADMIN, CAMPAIGN_ID)

    def ledger(self, user: str) -> list[DeliveryRecord]:
        return self.campaigns.ledger(user)


@pytest.fixture
def reminders(stack: LocalStack, campaigns: Campaigns, monkeypatch: pytest.MonkeyPatch) -> Reminders:
    template = campaigns.template
    dynamodb = stack.emulator.client("dynamodb")
    # Ingestion names the delivery table from its function's environment, as in a deployment.
    monkeypatch.setenv("DELIVERY_TABLE_NAME", template.ref("DeliveryTable"))
    catalog = CatalogTable(template.ref("CatalogTable"), dynamodb)
    ports = ReminderPorts(
        admin=campaigns.admin,
        fan_out=FanOut(campaigns.admin.table, campaigns.ports.queue, 0),
        deliveries=campaigns.ports.deliveries,
        profiles=campaigns.ports.profiles,
        catalog=catalog,
        responses=SurveyResponseTable(template.ref("SurveyResponseTable"), dynamodb),
        suppressions=campaigns.ports.suppressions,
        client=dynamodb,
        template_id=TEMPLATE_ID,
        after=timedelta(hours=48),
        clock=campaigns.clock,
    )
    ingestion = IngestionTables(campaigns.ports.behavior, campaigns.ports.profiles, catalog, dynamodb)
    found = Reminders(campaigns, ports, ingestion)
    found.survey()
    found.template()
    return found


DUE = STARTED + timedelta(hours=48)


def test_a_started_survey_is_reminded_once_on_whatsapp_when_opted_in_else_by_email(reminders: Reminders) -> None:
    people = reminders.campaigns
    people.person("wa", consent=TRACKED)
    people.person("mail", consent=BY_EMAIL)
    sms_only = {"email": {"enabled": False}, "whatsapp": {"enabled": False}, "sms": {"enabled": True}}
    people.person("sms-only", consent=TRACKED, notification_preferences=sms_only)
    for user in ("wa", "mail", "sms-only"):
        assert reminders.track(user, "survey_start") == []

    assert reminders.run(DUE - timedelta(minutes=1)) == {}
    assert reminders.run(DUE) == {"queued": 2, "skipped_channel_disabled": 1}
    assert reminders.deliver(DUE) == [("mail", "email"), ("wa", "whatsapp")]

    view = reminders.view()
    assert (view.type, view.status, view.priority, view.channels) == (
        "reminder",
        "sending",
        "normal",
        ["whatsapp", "email", "sms"],
    )
    assert (view.total_segments, view.data.survey_title, view.data.url) == (
        0,
        "Acme NPS",
        "https://acme.nudge.example/s/nps",
    )
    # SMS passed for sms-only, but the campaign is not urgent: passed over (downgraded), skipped as the first
    # channel's reason.
    assert view.counts == CampaignCounts(
        targeted=3, eligible=2, queued=2, sent=2, downgraded=1, skipped_channel_disabled=1
    )
    [email] = [message for message in people.sender.sent if isinstance(message, OutgoingEmail)]
    assert (email.to, email.subject) == ("mail@example.com", "Finish Acme NPS, Ana")
    # The survey's page, through the click redirect (the test's key: test_campaign_fanout._click_link).
    [link] = click_links_in(email.html)
    assert (link.user_id, link.campaign_id, link.target) == (
        "mail",
        email.campaign_id,
        "https://acme.nudge.example/s/nps",
    )
    assert "You see this because you started the survey &#x27;Acme NPS&#x27;" in (email.html or "")
    [whatsapp] = [message for message in people.sender.sent if isinstance(message, OutgoingWhatsApp)]
    assert (whatsapp.to, whatsapp.parameters) == ("+14155550123", ["Acme NPS"])

    # Once, ever: the job again, a second start, the job again, the sweep again.
    assert reminders.run(DUE + timedelta(minutes=15)) == {}
    assert reminders.track("wa", "survey_start", at=DUE + timedelta(hours=1)) == []
    assert reminders.run(DUE + timedelta(hours=49, minutes=1)) == {"already_decided": 1}
    assert reminders.deliver(DUE + timedelta(hours=49, minutes=2)) == [("mail", "email"), ("wa", "whatsapp")]
    assert reminders.view().counts.sent == 2
    [closed] = people.ports.deliveries.export_user("wa").survey_reminders
    assert (closed.survey_id, closed.started_at, closed.outcome, closed.decided_at) == (
        SURVEY_ID,
        STARTED,
        "queued",
        DUE,
    )


def test_a_second_start_moves_nothing_and_a_run_twice_sends_once(reminders: Reminders) -> None:
    reminders.campaigns.person("twice", consent=TRACKED)
    reminders.track("twice", "survey_start")
    reminders.track("twice", "survey_start", at=STARTED + timedelta(hours=2))

    assert reminders.run(DUE) == {"queued": 1}
    assert reminders.run(DUE) == {}
    assert reminders.deliver(DUE) == [("twice", "whatsapp")]
    assert reminders.deliver(DUE + timedelta(minutes=1)) == [("twice", "whatsapp")]
    [delivery] = reminders.ledger("twice")
    assert (delivery.campaign_id, delivery.status) == (CAMPAIGN_ID, "sent")


def test_a_completed_survey_gets_no_reminder(reminders: Reminders) -> None:
    people = reminders.campaigns
    people.person("finished", consent=TRACKED)
    people.person("answered", consent=TRACKED)
    reminders.track("finished", "survey_start")
    reminders.track("finished", "survey_complete", at=STARTED + timedelta(minutes=10))
    reminders.track("answered", "survey_start")
    # A response whose survey_complete was not tracked: the job reads the response itself.
    response = SurveyResponse(
        survey_id=SURVEY_ID,
        user_id="answered",
        answers=[],
        channel="app",
        responded_at=STARTED + timedelta(minutes=5),
        analytics_sharing=False,
    )
    assert reminders.ports.responses.add(response)

    assert reminders.run(DUE) == {"completed": 1}
    assert reminders.deliver(DUE) == []
    assert reminders.ledger("finished") == []
    assert reminders.ledger("answered") == []
    assert reminders.campaigns.admin.table.get_campaign(CAMPAIGN_ID) is None  # never needed, never created


def test_a_user_without_tracking_consent_or_who_withdrew_it_gets_no_reminder(reminders: Reminders) -> None:
    people = reminders.campaigns
    people.person("untracked", consent=TRACKED | {"behavioral_tracking": False})
    assert reminders.track("untracked", "survey_start") != []  # not tracked: no reminder is written

    assert reminders.run(DUE) == {}
    assert reminders.deliver(DUE) == []


def test_quiet_hours_delay_the_reminder_to_their_end(reminders: Reminders) -> None:
    quiet = {
        "email": {"enabled": True},
        "whatsapp": {"enabled": True},
        "quiet_hours": {"start": "10:00", "end": "14:00"},
    }
    reminders.campaigns.person("sleeping", consent=TRACKED, notification_preferences=quiet)
    reminders.track("sleeping", "survey_start")

    assert reminders.run(DUE) == {"scheduled": 1}
    [scheduled] = reminders.ledger("sleeping")
    end = DUE.replace(hour=14, minute=0)
    assert (scheduled.status, scheduled.at, scheduled.channel) == ("scheduled", end, "whatsapp")
    assert reminders.deliver(end - timedelta(minutes=1)) == []
    assert reminders.deliver(end) == [("sleeping", "whatsapp")]


def test_until_the_template_exists_reminders_wait(reminders: Reminders) -> None:
    reminders.campaigns.person("early", consent=TRACKED)
    reminders.track("early", "survey_start")
    reminders.ports = reminders.ports._replace(template_id="not-yet")

    assert reminders.run(DUE) == {"no_template": 1}
    reminders.ports = reminders.ports._replace(template_id=TEMPLATE_ID)
    assert reminders.run(DUE + timedelta(hours=1)) == {"queued": 1}


def test_a_job_that_dies_between_closing_a_reminder_and_claiming_it_never_sends_it(reminders: Reminders) -> None:
    reminders.campaigns.person("unlucky", consent=TRACKED)
    reminders.track("unlucky", "survey_start")

    def die(record: DeliveryRecord) -> DeliveryRecord | None:
        raise Crash

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reminders.ports.deliveries, "claim", die)
        with pytest.raises(Crash):
            reminders.run(DUE)
    # At most once: closed (and counted) before the claim, so the next run finds nothing to do.
    assert reminders.run(DUE + timedelta(minutes=15)) == {}
    assert reminders.deliver(DUE + timedelta(minutes=16)) == []
    assert reminders.view().counts == CampaignCounts(targeted=1, eligible=1, queued=1)


def test_a_cancelled_reminder_campaign_reminds_nobody_more(reminders: Reminders) -> None:
    people = reminders.campaigns
    people.person("first", consent=TRACKED)
    people.person("later", consent=TRACKED)
    reminders.track("first", "survey_start")
    reminders.track("later", "survey_start", at=STARTED + timedelta(hours=3))
    assert reminders.run(DUE) == {"queued": 1}
    assert reminders.view().segment_id == "survey-reminders"

    cancel_campaign(people.admin, ADMIN, CAMPAIGN_ID, DUE)
    assert reminders.run(DUE + timedelta(hours=3)) == {"cancelled": 1}
    assert reminders.deliver(DUE + timedelta(hours=3)) == []
    assert [record.status for record in reminders.ledger("first")] == ["cancelled"]


def test_through_the_api_and_the_schedules_a_started_survey_is_reminded_by_email(
    api: Api, stack: LocalStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The deployed path with its roles checked: POST /v1/events, the reminder function, the minute sweep."""
    template_id, survey_id = new_id("reminder-tpl"), new_id("survey")
    monkeypatch.setitem(stack.function("send_survey_reminders").environment, "SURVEY_REMINDER_TEMPLATE_ID", template_id)
    assert admin(api, "PUT", f"/v1/admin/templates/{template_id}", REMINDER_TEMPLATE | {"whatsapp": None}).status == 200
    survey = {
        "title": "Acme NPS",
        "category": "TECH_SAAS",
        "url": "https://acme.nudge.example/s/nps",
        "status": "published",
        "questions": [{"question_id": "nps", "type": "nps", "text": "Recommend us?"}],
    }
    assert api.call("PUT", f"/v1/brands/acme/surveys/{survey_id}", survey, user="b", brand="acme").status == 200
    starter, finisher = new_id("starter"), new_id("finisher")
    for user in (starter, finisher):
        gamer(api, user)
        consent = {
            "behavioral_tracking": True,
            "personalized_notifications": {"enabled": True, "channels": {"email": True}},
        }
        assert api.call("PUT", f"/v1/users/{user}/consent", consent, user=user).status == 200
        start = {
            "event_id": f"start-{user}",
            "type": "survey_start",
            "survey_id": survey_id,
            "occurred_at": (datetime.now(UTC) - timedelta(hours=49)).isoformat(),
        }
        assert api.call("POST", "/v1/events", {"events": [start]}, user=user).status == 200
    answer = {"answers": [{"question_id": "nps", "value": 9}], "channel": "app"}
    assert api.call("POST", f"/v1/surveys/{survey_id}/responses", answer, user=finisher).status == 201

    assert stack.run_schedule("send_survey_reminders").get("queued", 0) >= 1
    stack.run_schedule("sweep_due_notifications")
    stack.bridge.drain()

    [reminder] = api.call("GET", f"/v1/users/{starter}/notifications", user=starter).body["notifications"]
    assert (reminder["campaign_id"], reminder["channel"], reminder["status"]) == (
        f"survey-reminder-{survey_id}",
        "email",
        "sent",
    )
    assert api.call("GET", f"/v1/users/{finisher}/notifications", user=finisher).body["notifications"] == []
    campaign = admin(api, "GET", f"/v1/admin/campaigns/survey-reminder-{survey_id}").body
    assert (campaign["status"], campaign["channels"], campaign["counts"]["sent"]) == ("sending", ["email", "sms"], 1)
    assert stack.run_schedule("send_survey_reminders").get("queued", 0) == 0


def test_a_survey_keeps_the_template_its_campaign_was_created_with(reminders: Reminders) -> None:
    people = reminders.campaigns
    people.person("first", consent=BY_EMAIL)
    people.person("second", consent=BY_EMAIL)
    reminders.track("first", "survey_start")
    reminders.track("second", "survey_start", at=STARTED + timedelta(hours=3))
    assert reminders.run(DUE) == {"queued": 1}
    # A marketing template would need marketing_emails consent, which neither user gave: the campaign's own
    # template, a product one, decides and sends.
    other = REMINDER_TEMPLATE | {
        "name": "Other",
        "category": "marketing",
        "email": REMINDER_TEMPLATE["email"] | {"subject": "Other"},
    }
    put_template(people.admin.table, people.admin.audit, ADMIN, "other", TemplateFields.model_validate(other), DUE)
    reminders.ports = reminders.ports._replace(template_id="other")

    assert reminders.run(DUE + timedelta(hours=3)) == {"queued": 1}
    reminders.deliver(DUE + timedelta(hours=3))
    subjects = sorted(message.subject for message in people.sender.sent if isinstance(message, OutgoingEmail))
    assert subjects == ["Finish Acme NPS, Ana", "Finish Acme NPS, Ana"]
    assert reminders.view().template_id == TEMPLATE_ID
