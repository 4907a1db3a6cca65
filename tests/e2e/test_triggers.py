"""E2E: campaigns no admin starts, read back from the local outbox. A brand's product launch or published survey,
on Nudge's bus, reaches the users interested in its category by email; the weekly summary's schedule reaches the
users who consent to marketing email; the reminder job reminds, once, a user who started a survey (an event posted
over HTTP) and did not finish it."""

from __future__ import annotations

import json
import re
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from local_runtime.runtime import LocalStack
from local_runtime.tokens import issue_token
from tests.builders import engaged
from tests.e2e.conftest import Client, raw_request

APP_URL = "https://app.nudge.example"
NOTIFY_BY_EMAIL = {"personalized_notifications": {"enabled": True, "channels": {"email": True}}}
QUESTIONS = [{"question_id": "nps", "type": "nps", "text": "How likely are you to recommend us?"}]

LAUNCH_TEMPLATE = {
    "name": "Product launch",
    "category": "product",
    "email": {
        "subject": "New: {{product_name}}",
        "html": '<p>{{first_name}}, <a href="{{url}}">{{product_name}}</a> is out.</p><small>{{reason}}</small>',
        "text": "{{first_name}}, {{product_name}} is out: {{url}}\n{{reason}}",
    },
}

INVITE_TEMPLATE = {
    "name": "Survey invite",
    "category": "product",
    "email": {
        "subject": "Tell us: {{survey_title}}",
        "html": '<p>{{first_name}}, <a href="{{url}}">{{survey_title}}</a></p><small>{{reason}}</small>',
        "text": "{{first_name}}, {{survey_title}}: {{url}}\n{{reason}}",
    },
}
SUMMARY_TEMPLATE = {
    "name": "Weekly summary",
    "category": "marketing",
    "email": {
        "subject": "Your week, {{first_name}}",
        "html": '<p><a href="{{url}}">Your week</a></p><a href="{{unsubscribe_url}}">Unsubscribe</a>',
        "text": "Your week: {{url}}",
    },
}
REMINDER_TEMPLATE = {
    "name": "Survey reminder",
    "category": "product",
    "email": {
        "subject": "Finish {{survey_title}}, {{first_name}}",
        "html": '<p><a href="{{url}}">{{survey_title}}</a></p><small>{{reason}}</small>',
        "text": "{{survey_title}}: {{url}}\n{{reason}}",
    },
}
SCHEDULE_EVENT = Path(__file__).parents[2] / "events" / "start_weekly_summary_campaign" / "weekly_schedule.json"


def _follower(client: Client, user: str, category: str, consent: dict[str, Any] = NOTIFY_BY_EMAIL) -> None:
    token = client.as_user(user)
    profile = {
        "email": f"{user}@example.com",
        "name": "Ines Duarte",
        "interests": {"categories": [category]},
        "notification_preferences": {"email": {"enabled": True, "frequency": "instant"}},
    }
    assert client.request("PUT", f"/v1/users/{user}/profile", profile, token).status == 200
    assert client.request("PUT", f"/v1/users/{user}/consent", consent, token).status == 200


def _campaign_when(client: Client, path: str, admin: str, done: Any) -> dict[str, Any]:
    """The campaign once `done` holds for it (the trigger runs behind the bus, the fan-out behind the queue)."""
    deadline, last = time.monotonic() + 60, None
    while time.monotonic() < deadline:
        reply = client.request("GET", path, token=admin)
        last = reply.body
        if reply.status == 200 and done(reply.body):
            return dict(reply.body)
        time.sleep(0.5)
    raise AssertionError(f"the campaign did not get there in time: {last}")


def _outbox(client: Client, campaign_id: str) -> list[dict[str, Any]]:
    return [entry for entry in client.request("GET", "/_local/outbox").body if entry["campaign_id"] == campaign_id]


def _sent_after_sweep(stack: LocalStack, client: Client, path: str, admin: str) -> dict[str, Any]:
    """The campaign once its fan-out is done and, after the minute's sweep (the local server runs no schedule),
    every delivery it queued is sent."""
    _campaign_when(client, path, admin, lambda campaign: campaign["status"] == "sent")
    stack.run_schedule("sweep_due_notifications")
    return _campaign_when(
        client, path, admin, lambda campaign: campaign["counts"]["sent"] == campaign["counts"]["queued"] > 0
    )


def _handled(campaign: dict[str, Any]) -> bool:
    """Every queued delivery sent or failed."""
    counts = campaign["counts"]
    return bool(counts["queued"] > 0 and counts["sent"] + counts["failed"] == counts["queued"])


def _publish_survey(client: Client, brand: str, survey_id: str, body: dict[str, Any]) -> None:
    survey = body | {"questions": QUESTIONS, "status": "published"}
    token = issue_token("ana", brand=brand)
    assert client.request("PUT", f"/v1/brands/{brand}/surveys/{survey_id}", survey, token).status == 200


def test_a_product_launch_emails_the_users_following_its_category(
    stack: LocalStack, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    tag = uuid.uuid4().hex[:8]
    # A launch template of this test's own, as ProductLaunchTemplateId names it: other tests' launches start nothing.
    function = stack.function("start_product_launch_campaign")
    monkeypatch.setitem(function.environment, "PRODUCT_LAUNCH_TEMPLATE_ID", f"launch-{tag}")
    follower, other = f"follower-{tag}", f"other-{tag}"
    _follower(client, follower, "MEDIA")
    _follower(client, other, "BUSINESS_SERVICES")
    admin = client.as_user("ops", admin=True)
    assert client.request("PUT", f"/v1/admin/templates/launch-{tag}", LAUNCH_TEMPLATE, admin).status == 200
    product = {
        "name": f"Trowel {tag}",
        "category": "MEDIA",
        "url": "https://acme.nudge.example/trowel",
        "launched_at": datetime.now(UTC).isoformat(),
    }
    brand = issue_token("ana", brand=f"acme-{tag}")
    assert client.request("PUT", f"/v1/brands/acme-{tag}/products/trowel-{tag}", product, brand).status == 200

    campaign = _sent_after_sweep(stack, client, f"/v1/admin/campaigns/product-launch-trowel-{tag}", admin)

    assert (campaign["type"], campaign["channels"], campaign["data"]["product_name"]) == (
        "product_launch",
        ["email"],
        f"Trowel {tag}",
    )
    outbox = _outbox(client, campaign["campaign_id"])
    recipients = {entry["to"] for entry in outbox}
    assert f"{follower}@example.com" in recipients
    assert f"{other}@example.com" not in recipients
    mine = next(entry for entry in outbox if entry["to"] == f"{follower}@example.com")
    assert (mine["channel"], mine["subject"]) == ("email", f"New: Trowel {tag}")
    assert "Ines, " in mine["text"]


def test_a_published_survey_emails_an_invite_to_the_users_interested_in_its_category(
    stack: LocalStack, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    tag = uuid.uuid4().hex[:8]
    # An invite template of this test's own, as SurveyInviteTemplateId names it, and the app's pages for `url`.
    function = stack.function("start_survey_invite_campaign")
    monkeypatch.setitem(function.environment, "SURVEY_INVITE_TEMPLATE_ID", f"invite-{tag}")
    monkeypatch.setitem(function.environment, "APP_URL", APP_URL)
    fan, other = f"fan-{tag}", f"other-{tag}"
    _follower(client, fan, "ENTERTAINMENT")
    _follower(client, other, "AUTOMOTIVE")
    admin = client.as_user("ops", admin=True)
    assert client.request("PUT", f"/v1/admin/templates/invite-{tag}", INVITE_TEMPLATE, admin).status == 200
    survey_id = f"films-{tag}"
    _publish_survey(client, f"acme-{tag}", survey_id, {"title": f"Films {tag}", "category": "ENTERTAINMENT"})

    campaign = _sent_after_sweep(stack, client, f"/v1/admin/campaigns/survey-invite-{survey_id}", admin)

    assert (campaign["type"], campaign["channels"], campaign["segment_id"]) == (
        "survey_invite",
        ["email"],
        "survey-invite-entertainment",
    )
    assert (campaign["data"]["survey_title"], campaign["data"]["url"]) == (
        f"Films {tag}",
        f"{APP_URL}/surveys/{survey_id}",
    )
    outbox = _outbox(client, campaign["campaign_id"])
    recipients = [entry["to"] for entry in outbox]
    assert recipients.count(f"{fan}@example.com") == 1
    assert f"{other}@example.com" not in recipients
    mine = next(entry for entry in outbox if entry["to"] == f"{fan}@example.com")
    assert (mine["channel"], mine["subject"]) == ("email", f"Tell us: Films {tag}")
    assert _followed(client, mine["text"], f"Ines, Films {tag}: ") == f"{APP_URL}/surveys/{survey_id}"


def test_the_weekly_summary_schedule_emails_the_users_who_consent_to_marketing_email(
    stack: LocalStack, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    tag = uuid.uuid4().hex[:8]
    function = stack.function("start_weekly_summary_campaign")
    monkeypatch.setitem(function.environment, "WEEKLY_SUMMARY_TEMPLATE_ID", f"summary-{tag}")
    monkeypatch.setitem(function.environment, "APP_URL", APP_URL)
    marketing, not_marketing = f"reader-{tag}", f"quiet-{tag}"
    _follower(client, marketing, "AUTOMOTIVE", NOTIFY_BY_EMAIL | {"marketing_emails": True})
    _follower(client, not_marketing, "AUTOMOTIVE")
    admin = client.as_user("ops", admin=True)
    assert client.request("PUT", f"/v1/admin/templates/summary-{tag}", SUMMARY_TEMPLATE, admin).status == 200

    # The schedule's event of a week no other test runs (Monday 2 August 2032, 09:00 UTC: ISO week 32).
    event = json.loads(SCHEDULE_EVENT.read_text()) | {"time": "2032-08-02T09:00:00Z"}
    started = function.invoke(event)
    path = "/v1/admin/campaigns/weekly-summary-2032-W32"
    _campaign_when(client, path, admin, lambda campaign: campaign["status"] == "sent")
    stack.run_schedule("sweep_due_notifications")
    campaign = _campaign_when(client, path, admin, _handled)  # every consenting profile of the shared stack

    assert started == {"outcome": "started", "campaign_id": "weekly-summary-2032-W32"}
    assert (campaign["type"], campaign["segment_id"], campaign["template_id"], campaign["data"]["url"]) == (
        "weekly_summary",
        "weekly-summary",
        f"summary-{tag}",
        f"{APP_URL}/summary",
    )
    outbox = _outbox(client, "weekly-summary-2032-W32")
    recipients = [entry["to"] for entry in outbox]
    assert recipients.count(f"{marketing}@example.com") == 1
    assert f"{not_marketing}@example.com" not in recipients
    mine = next(entry for entry in outbox if entry["to"] == f"{marketing}@example.com")
    assert mine["subject"] == "Your week, Ines"
    assert _followed(client, mine["text"], "Your week: ") == f"{APP_URL}/summary"


def _followed(client: Client, text: str, before: str) -> str:
    """Where the email's link after `before` lands: every link in an email goes through the click redirect."""
    link = re.match(rf"{re.escape(before)}https://[^/]+(/v1/r/[A-Za-z0-9_.-]+)", text)
    assert link is not None, text
    status, headers, _ = raw_request(client, "GET", link.group(1))
    assert status == 302
    return headers["location"]


def _settled(stack: LocalStack) -> None:
    """The campaign queue empty, none in flight: what a sweep queued has been sent (or given up)."""
    sqs = stack.emulator.client("sqs")
    queue_url = sqs.get_queue_url(QueueName=stack.template.physical_name("CampaignQueue"))["QueueUrl"]
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=names)["Attributes"]
        if all(attributes[name] == "0" for name in names):
            return
        time.sleep(0.5)
    raise AssertionError(f"the campaign queue did not empty in time: {attributes}")


def test_a_started_survey_left_unfinished_is_reminded_once_by_email(
    stack: LocalStack, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    tag = uuid.uuid4().hex[:8]
    job = stack.function("send_survey_reminders")
    monkeypatch.setitem(job.environment, "SURVEY_REMINDER_TEMPLATE_ID", f"reminder-{tag}")
    admin = client.as_user("ops", admin=True)
    assert client.request("PUT", f"/v1/admin/templates/reminder-{tag}", REMINDER_TEMPLATE, admin).status == 200
    survey_id, url = f"shop-{tag}", f"https://acme.nudge.example/s/shop-{tag}"
    _publish_survey(client, f"acme-{tag}", survey_id, {"title": f"Shop {tag}", "category": "RETAIL", "url": url})
    starter, finisher = f"starter-{tag}", f"finisher-{tag}"
    # The reminder is due SurveyReminderHours (48) after the start's occurred_at: a start 49 hours ago is due now.
    started_at = datetime.now(UTC) - timedelta(hours=49)
    for user in (starter, finisher):
        _follower(client, user, "RETAIL", NOTIFY_BY_EMAIL | {"behavioral_tracking": True})
        start = engaged(f"start-{user}", "survey_start", at=started_at, survey_id=survey_id)
        posted = client.request("POST", "/v1/events", {"events": [start]}, client.as_user(user))
        assert (posted.status, posted.body["accepted_event_ids"]) == (200, [f"start-{user}"])
    answers = {"answers": [{"question_id": "nps", "value": 9}], "channel": "app"}
    response = client.request("POST", f"/v1/surveys/{survey_id}/responses", answers, client.as_user(finisher))
    assert response.status == 201

    first = stack.run_schedule("send_survey_reminders")
    path = f"/v1/admin/campaigns/survey-reminder-{survey_id}"
    after_first = client.request("GET", path, token=admin).body
    stack.run_schedule("sweep_due_notifications")
    campaign = _campaign_when(client, path, admin, lambda campaign: campaign["counts"]["sent"] == 1)
    second = stack.run_schedule("send_survey_reminders")
    stack.run_schedule("sweep_due_notifications")
    _settled(stack)

    # The finisher's response closed their reminder (completed): the job sees only the starter's, once.
    assert (first.get("queued"), second) == (1, {})
    assert (campaign["type"], campaign["channels"], campaign["data"]["survey_title"]) == (
        "reminder",
        ["email"],
        f"Shop {tag}",
    )
    assert (after_first["counts"]["targeted"], after_first["counts"]["queued"]) == (1, 1)
    assert client.request("GET", path, token=admin).body["counts"] == campaign["counts"]
    outbox = _outbox(client, f"survey-reminder-{survey_id}")
    assert [entry["to"] for entry in outbox] == [f"{starter}@example.com"]
    assert outbox[0]["subject"] == f"Finish Shop {tag}, Ines"
    assert f"You see this because you started the survey &#x27;Shop {tag}&#x27;" in outbox[0]["html"]
    assert _followed(client, outbox[0]["text"], f"Shop {tag}: ") == url
    notified = {
        user: client.request("GET", f"/v1/users/{user}/notifications", token=client.as_user(user)).body
        for user in (starter, finisher)
    }
    assert [item["status"] for item in notified[starter]["notifications"]] == ["sent"]
    assert notified[finisher]["notifications"] == []
