"""The automatic campaigns through the template's rules and schedule: a published survey's invite (to the
category's interested, consenting users, once per survey; nothing without its template) and the weekly summary
(to the users who consent to marketing email, once per ISO week; nothing without a marketing template); a survey
invite's sends and first opens in the survey's funnel, once each, for the users who share analytics."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from local_runtime.runtime import LocalStack
from nudge.analytics.analytics_table import SurveyAnalyticsTable
from tests.integration.conftest import Api
from tests.integration.test_campaigns_api import admin, gamer, new_id
from tests.integration.test_delivery_feedback import _event, _publish
from tests.integration.test_notification_admin_api import TEMPLATE

APP_URL = "https://app.nudge.example"
INVITE_TEMPLATE: dict[str, Any] = TEMPLATE | {"sms": None, "whatsapp": None}
SUMMARY_TEMPLATE: dict[str, Any] = TEMPLATE | {
    "name": "Weekly summary",
    "category": "marketing",
    "email": {
        "subject": "Your week, {{first_name}}",
        "html": '<p><a href="{{url}}">Your week</a></p><a href="{{unsubscribe_url}}">x</a>',
        "text": "Your week: {{url}}",
    },
    "sms": None,
    "whatsapp": None,
}
SCHEDULE_EVENT = Path(__file__).parents[2] / "events" / "start_weekly_summary_campaign" / "weekly_schedule.json"
QUESTIONS = [{"question_id": "nps", "type": "nps", "text": "How likely are you to recommend us?"}]


def trigger_template(stack: LocalStack, monkeypatch: pytest.MonkeyPatch, folder: str, variable: str) -> str:
    """A template id of this test's own, named to the trigger as the template parameter would, with AppUrl set."""
    template_id = new_id("trigger-tpl")
    function = stack.function(folder)
    monkeypatch.setitem(function.environment, variable, template_id)
    monkeypatch.setitem(function.environment, "APP_URL", APP_URL)
    return template_id


@pytest.fixture
def invite_template(stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    stack.bridge.drain()  # earlier tests' publications are answered before this template is named
    yield trigger_template(stack, monkeypatch, "start_survey_invite_campaign", "SURVEY_INVITE_TEMPLATE_ID")
    stack.bridge.drain()


@pytest.fixture
def summary_template(stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> str:
    return trigger_template(stack, monkeypatch, "start_weekly_summary_campaign", "WEEKLY_SUMMARY_TEMPLATE_ID")


def user_with(api: Api, categories: list[str], consent: dict[str, Any]) -> str:
    user = new_id("user")
    profile = {
        "email": f"{user}@example.com",
        "name": "Ana Lima",
        "interests": {"categories": categories},
        "notification_preferences": {"email": {"enabled": True, "frequency": "instant"}},  # one email each
    }
    assert api.call("PUT", f"/v1/users/{user}/profile", profile, user=user).status == 200
    assert api.call("PUT", f"/v1/users/{user}/consent", consent, user=user).status == 200
    return user


NOTIFY_BY_EMAIL = {"personalized_notifications": {"enabled": True, "channels": {"email": True}}}


def publish_survey(api: Api, brand: str, survey_id: str, category: str = "GAMING") -> None:
    body = {"title": "Your games in 2027", "category": category, "questions": QUESTIONS, "status": "published"}
    assert api.call("PUT", f"/v1/brands/{brand}/surveys/{survey_id}", body, user="b", brand=brand).status == 200


def redeliver(stack: LocalStack, detail: dict[str, Any]) -> None:
    entry = {
        "EventBusName": stack.template.ref("NudgeEventBus"),
        "Source": "nudge.catalog",
        "DetailType": "survey.published",
        "Detail": json.dumps(detail),
    }
    stack.emulator.client("events").put_events(Entries=[entry])


def results(stack: LocalStack, function: str) -> list[dict[str, Any]]:
    return [entry["result"] for entry in stack.bridge.delivered if entry["function"] == function]


def send_due(stack: LocalStack) -> None:
    stack.bridge.drain()  # the trigger, then the fan-out
    stack.run_schedule("sweep_due_notifications")
    stack.bridge.drain()


def notifications(api: Api, user: str) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = api.call("GET", f"/v1/users/{user}/notifications", user=user).body["notifications"]
    return listed


def test_a_published_survey_invites_the_interested_consenting_users_once(
    api: Api, stack: LocalStack, invite_template: str
) -> None:
    fan = new_id("fan")
    gamer(api, fan)
    other_interest = user_with(api, ["TECH_SAAS"], NOTIFY_BY_EMAIL)
    no_consent = user_with(api, ["GAMING"], {"marketing_emails": True})
    brand, survey_id = f"acme-{uuid.uuid4().hex[:8]}", new_id("survey")
    campaign_id = f"survey-invite-{survey_id}"
    before = len(results(stack, "StartSurveyInviteCampaignFunction"))

    publish_survey(api, brand, survey_id)  # through the catalog, before the template exists
    stack.bridge.drain()
    assert results(stack, "StartSurveyInviteCampaignFunction")[before:] == [
        {"outcome": "no_template", "campaign_id": campaign_id}
    ]
    assert admin(api, "GET", f"/v1/admin/campaigns/{campaign_id}").status == 404

    assert admin(api, "PUT", f"/v1/admin/templates/{invite_template}", INVITE_TEMPLATE).status == 200
    detail = {"survey_id": survey_id, "brand_id": brand, "category": "GAMING", "title": "Your games in 2027"}
    redeliver(stack, detail)
    redeliver(stack, detail)  # a redelivery
    send_due(stack)

    outcomes = [result["outcome"] for result in results(stack, "StartSurveyInviteCampaignFunction")[before + 1 :]]
    assert outcomes == ["started", "already_started"]
    campaign = admin(api, "GET", f"/v1/admin/campaigns/{campaign_id}").body
    assert (campaign["type"], campaign["channels"], campaign["template_id"], campaign["status"]) == (
        "survey_invite",
        ["email"],
        invite_template,
        "sent",
    )
    assert campaign["data"] == {
        "product_name": None,
        "survey_title": "Your games in 2027",
        "url": f"{APP_URL}/surveys/{survey_id}",
        "survey_id": survey_id,
    }
    assert campaign["segment_id"] == "survey-invite-gaming"
    [invite] = notifications(api, fan)
    assert (invite["campaign_id"], invite["channel"], invite["status"]) == (campaign_id, "email", "sent")
    assert notifications(api, other_interest) == notifications(api, no_consent) == []
    log = admin(api, "GET", "/v1/admin/audit-log?limit=100").body["records"]
    actors = {record["actor"] for record in log if record["target"] == f"campaign:{campaign_id}"}
    assert actors == {"trigger:survey.published"}


def weekly_run(stack: LocalStack, time: str) -> Any:
    event = json.loads(SCHEDULE_EVENT.read_text())
    return stack.function("start_weekly_summary_campaign").invoke(event | {"time": time})


def test_the_weekly_summary_goes_once_a_week_to_the_users_who_consent_to_marketing_email(
    api: Api, stack: LocalStack, summary_template: str
) -> None:
    marketing = user_with(api, ["TECH_SAAS"], NOTIFY_BY_EMAIL | {"marketing_emails": True})
    not_marketing = user_with(api, ["GAMING"], NOTIFY_BY_EMAIL)
    assert weekly_run(stack, "2031-03-03T09:00:00Z") == {
        "outcome": "no_template",
        "campaign_id": "weekly-summary-2031-W10",
    }
    assert admin(api, "GET", "/v1/admin/campaigns/weekly-summary-2031-W10").status == 404

    product_template = SUMMARY_TEMPLATE | {"category": "product"}
    assert admin(api, "PUT", f"/v1/admin/templates/{summary_template}", product_template).status == 200
    assert weekly_run(stack, "2031-03-03T09:00:00Z")["outcome"] == "wrong_category"

    assert admin(api, "PUT", f"/v1/admin/templates/{summary_template}", SUMMARY_TEMPLATE).status == 200
    first = weekly_run(stack, "2031-03-03T09:00:00Z")
    retried = weekly_run(stack, "2031-03-03T09:00:00Z")
    later_that_week = weekly_run(stack, "2031-03-09T23:00:00Z")
    send_due(stack)

    assert [first["outcome"], retried["outcome"], later_that_week["outcome"]] == [
        "started",
        "already_started",
        "already_started",
    ]
    assert {first["campaign_id"], retried["campaign_id"], later_that_week["campaign_id"]} == {"weekly-summary-2031-W10"}
    campaign = admin(api, "GET", "/v1/admin/campaigns/weekly-summary-2031-W10").body
    assert (campaign["type"], campaign["segment_id"], campaign["status"]) == (
        "weekly_summary",
        "weekly-summary",
        "sent",
    )
    assert campaign["data"]["url"] == f"{APP_URL}/summary"
    [summary] = notifications(api, marketing)
    assert (summary["campaign_id"], summary["channel"], summary["status"]) == (
        "weekly-summary-2031-W10",
        "email",
        "sent",
    )
    assert notifications(api, not_marketing) == []
    assert weekly_run(stack, "2031-03-10T09:00:00Z") == {"outcome": "started", "campaign_id": "weekly-summary-2031-W11"}
    send_due(stack)


def test_a_survey_invites_sends_and_first_opens_feed_its_funnel_once_each(
    api: Api, stack: LocalStack, invite_template: str
) -> None:
    sharing = [user_with(api, ["SPORTS"], NOTIFY_BY_EMAIL | {"analytics_sharing": True}) for _ in range(11)]
    not_sharing = user_with(api, ["SPORTS"], NOTIFY_BY_EMAIL)
    assert admin(api, "PUT", f"/v1/admin/templates/{invite_template}", INVITE_TEMPLATE).status == 200
    brand, survey_id = f"acme-{uuid.uuid4().hex[:8]}", new_id("survey")
    campaign_id = f"survey-invite-{survey_id}"
    publish_survey(api, brand, survey_id, category="SPORTS")
    send_due(stack)

    def funnel() -> dict[str, Any]:
        answer = api.call("GET", f"/v1/brands/{brand}/surveys/{survey_id}/analytics", user="b", brand=brand)
        shown: dict[str, Any] = answer.body["funnel"]
        return shown

    assert admin(api, "GET", f"/v1/admin/campaigns/{campaign_id}").body["counts"]["sent"] == 12
    assert funnel() == {
        "notification_sent": 11, "notification_opened": 0, "survey_started": 0, "survey_completed": 0,
    }  # fmt: skip

    def open_event(user: str) -> None:
        [invite] = notifications(api, user)
        _publish(stack, _event("open", invite["notification_id"], campaign_id, f"{user}@example.com"))

    for user in [*sharing[:9], sharing[0], not_sharing]:  # one open duplicated; one of a user who does not share
        open_event(user)
    stack.bridge.drain()
    assert admin(api, "GET", f"/v1/admin/campaigns/{campaign_id}").body["counts"]["opened"] == 10
    assert funnel()["notification_opened"] is None  # 9: under the minimum segment size, hidden
    assert SurveyAnalyticsTable(
        stack.template.ref("SurveyAnalyticsTable"), stack.emulator.client("dynamodb")
    ).aggregates(survey_id).funnel == {"notification_sent": 11, "notification_opened": 9}

    open_event(sharing[9])
    open_event(sharing[9])
    stack.bridge.drain()
    assert (funnel()["notification_sent"], funnel()["notification_opened"]) == (11, 10)
