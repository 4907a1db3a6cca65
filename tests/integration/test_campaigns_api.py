"""Campaigns through the routes against moto: a draft created (bad input refused with nothing written), read,
listed, sent through the queue to the worker and the minute sweep, cancelled; the user's notifications."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from local_runtime.runtime import LocalStack
from tests.integration.conftest import Answer, Api
from tests.integration.test_notification_admin_api import TEMPLATE

ADMIN = "campaigns-admin"


def new_id(kind: str) -> str:
    return f"{kind}-{uuid.uuid4().hex[:10]}"


def admin(api: Api, method: str, path: str, body: Any = None) -> Answer:
    return api.call(method, path, body, user=ADMIN, admin=True)


def segment_and_template(api: Api, template: dict[str, Any] | None = None) -> tuple[str, str]:
    segment_id, template_id = new_id("seg"), new_id("tpl")
    segment = {"name": "Gamers in Iceland", "rules": {"countries": ["IS"], "categories": ["GAMING"]}}
    assert admin(api, "PUT", f"/v1/admin/segments/{segment_id}", segment).status == 200
    assert admin(api, "PUT", f"/v1/admin/templates/{template_id}", template or TEMPLATE).status == 200
    return segment_id, template_id


def campaign_body(segment_id: str, template_id: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "campaign_id": new_id("cmp"),
        "name": "Spring survey",
        "type": "survey_invite",
        "segment_id": segment_id,
        "template_id": template_id,
        "channels": ["email"],
        "priority": "normal",
        "data": {"survey_title": "Your games in 2027", "url": "https://nudge.example/s/1"},
    }
    return body | overrides


def gamer(
    api: Api,
    user: str,
    time_zone: str = "Atlantic/Reykjavik",
    quiet: dict[str, str] | None = None,
    frequency: str = "instant",
) -> None:
    profile = {
        "email": f"{user}@example.com",
        "name": "Ana Lima",
        "time_zone": time_zone,
        "demographics": {"location": {"country": "IS"}},
        "interests": {"categories": ["GAMING"]},
        "notification_preferences": {"email": {"enabled": True, "frequency": frequency}, "quiet_hours": quiet},
    }
    assert api.call("PUT", f"/v1/users/{user}/profile", profile, user=user).status == 200
    consent = {"personalized_notifications": {"enabled": True, "channels": {"email": True}}}
    assert api.call("PUT", f"/v1/users/{user}/consent", consent, user=user).status == 200


def test_a_draft_is_created_read_listed_and_audited(api: Api) -> None:
    segment_id, template_id = segment_and_template(api)
    body = campaign_body(segment_id, template_id)

    created = admin(api, "POST", "/v1/admin/campaigns", body)

    assert created.status == 201, created.body
    assert (created.body["status"], created.body["version"], created.body["segments_done"]) == ("draft", 1, 0)
    assert set(created.body["counts"].values()) == {0}
    path = f"/v1/admin/campaigns/{body['campaign_id']}"
    assert admin(api, "GET", path).body == created.body
    listed, cursor = [], None
    while True:
        page = admin(api, "GET", "/v1/admin/campaigns?limit=100" + (f"&cursor={cursor}" if cursor else ""))
        assert page.status == 200
        listed += [campaign["campaign_id"] for campaign in page.body["campaigns"]]
        if not (cursor := page.body["next_cursor"]):
            break
    assert body["campaign_id"] in listed
    log = admin(api, "GET", "/v1/admin/audit-log?limit=100").body["records"]
    [record] = [record for record in log if record["target"] == f"campaign:{body['campaign_id']}"]
    assert (record["action"], record["actor"], record["before"]) == ("campaign.create", ADMIN, None)
    assert admin(api, "POST", "/v1/admin/campaigns", body).status == 409


def test_bad_campaigns_are_refused_naming_the_field_with_nothing_written(api: Api) -> None:
    segment_id, template_id = segment_and_template(api)
    email_only = TEMPLATE | {"sms": None, "whatsapp": None}
    _, email_template = segment_and_template(api, email_only)
    past = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    cases: list[tuple[dict[str, Any], str]] = [
        ({"segment_id": "no-such-segment"}, "segment_id"),
        ({"template_id": "no-such-template"}, "template_id"),
        ({"channels": []}, "channels"),
        ({"channels": ["email", "email"]}, "channels"),
        ({"channels": ["email", "sms"], "template_id": email_template}, "channels"),
        ({"channels": ["sms"]}, "channels"),
        ({"send_at": past}, "send_at"),
        ({"send_at": "2030-01-01T10:00:00"}, "send_at"),
        ({"data": {"url": "https://nudge.example/s/1"}}, "data.survey_title"),
        ({"data": {"survey_title": "Games"}}, "data.url"),
    ]
    for overrides, field in cases:
        body = campaign_body(segment_id, template_id) | overrides
        answer = admin(api, "POST", "/v1/admin/campaigns", body)
        assert answer.status == 422, (overrides, answer.body)
        assert field in {problem["field"] for problem in answer.body["error"]["fields"]}, (overrides, answer.body)
        assert admin(api, "GET", f"/v1/admin/campaigns/{body['campaign_id']}").status == 404


def test_campaign_routes_are_for_admins_only(api: Api) -> None:
    assert api.call("GET", "/v1/admin/campaigns", user="someone").status == 403
    assert api.call("POST", "/v1/admin/campaigns/x/send", user="someone").status == 403


def test_a_campaign_is_sent_through_the_queue_and_the_user_sees_why(api: Api, stack: LocalStack) -> None:
    users = [new_id("gamer") for _ in range(3)]
    for user in users:
        gamer(api, user)
    segment_id, template_id = segment_and_template(api)
    body = campaign_body(segment_id, template_id)
    assert admin(api, "POST", "/v1/admin/campaigns", body).status == 201

    started = admin(api, "POST", f"/v1/admin/campaigns/{body['campaign_id']}/send")
    assert started.status == 202, started.body
    assert started.body["status"] == "sending"
    stack.bridge.drain()  # the fan-out: every recipient decided and queued
    stack.run_schedule("sweep_due_notifications")
    stack.bridge.drain()  # the due shards: sent

    campaign = admin(api, "GET", f"/v1/admin/campaigns/{body['campaign_id']}").body
    assert (campaign["status"], campaign["segments_done"]) == ("sent", campaign["total_segments"])
    # Other tests' profiles may be gamers in Iceland too: at least these three were sent to.
    assert campaign["counts"]["sent"] >= 3
    for user in users:
        answer = api.call("GET", f"/v1/users/{user}/notifications", user=user)
        assert answer.status == 200, answer.body
        [notification] = answer.body["notifications"]
        assert (notification["campaign_id"], notification["channel"], notification["status"]) == (
            body["campaign_id"],
            "email",
            "sent",
        )
        assert notification["reason"] == "You see this because you selected 'GAMING' as an interest"
    assert api.call("GET", f"/v1/users/{users[0]}/notifications", user=users[1]).status == 403
    assert api.call("GET", f"/v1/users/{users[0]}/notifications", user=ADMIN, admin=True).status == 200
    assert admin(api, "POST", f"/v1/admin/campaigns/{body['campaign_id']}/send").status == 409


def test_a_daily_readers_email_waits_for_their_digest_which_the_sweep_sends(api: Api, stack: LocalStack) -> None:
    """Through the functions, with their roles checked: queued as a digest item, then sent in the digest."""
    user = new_id("reader")
    gamer(api, user, frequency="daily")
    segment_id, template_id = segment_and_template(api)
    body = campaign_body(segment_id, template_id)
    assert admin(api, "POST", "/v1/admin/campaigns", body).status == 201
    assert admin(api, "POST", f"/v1/admin/campaigns/{body['campaign_id']}/send").status == 202
    stack.bridge.drain()
    stack.run_schedule("sweep_due_notifications")
    stack.bridge.drain()

    waiting = api.call("GET", f"/v1/users/{user}/notifications", user=user).body["notifications"]
    by_campaign = {line["campaign_id"]: line for line in waiting}
    assert by_campaign[body["campaign_id"]]["status"] == "digest_pending"
    [period] = [campaign_id for campaign_id in by_campaign if campaign_id.startswith("_digest-daily-")]
    assert by_campaign[period]["status"] == "scheduled"
    # Its 09:00 has not come: bring the digest's minute forward, as if it had.
    stack.emulator.client("dynamodb").update_item(
        TableName=stack.template.ref("DeliveryTable"),
        Key={"pk": {"S": f"USER#{user}"}, "sk": {"S": f"DELIVERY#{period}#email"}},
        UpdateExpression="SET due_at = :past",
        ExpressionAttributeValues={":past": {"S": "2026-01-01T00:00:00.000000Z"}},
    )
    stack.run_schedule("sweep_due_notifications")
    stack.bridge.drain()

    sent = api.call("GET", f"/v1/users/{user}/notifications", user=user).body["notifications"]
    by_campaign = {line["campaign_id"]: line for line in sent}
    assert (by_campaign[period]["status"], by_campaign[body["campaign_id"]]["status"]) == ("sent", "sent")
    assert by_campaign[body["campaign_id"]]["digest_id"] == by_campaign[period]["notification_id"]
    why = api.call("GET", f"/v1/users/{user}/notifications/{by_campaign[period]['notification_id']}/why", user=user)
    assert (why.status, why.body["campaign"], why.body["reason"]) == (
        200,
        None,
        "You chose a daily digest of your email notifications",
    )
    assert admin(api, "GET", f"/v1/admin/campaigns/{body['campaign_id']}").body["counts"]["sent"] >= 1


def test_a_scheduled_campaign_starts_at_its_time_and_a_cancelled_one_sends_nothing(api: Api, stack: LocalStack) -> None:
    user = new_id("gamer")
    gamer(api, user)
    segment_id, template_id = segment_and_template(api)
    later = campaign_body(segment_id, template_id, send_at=(datetime.now(UTC) + timedelta(hours=1)).isoformat())
    assert admin(api, "POST", "/v1/admin/campaigns", later).status == 201
    scheduled = admin(api, "POST", f"/v1/admin/campaigns/{later['campaign_id']}/send")
    assert (scheduled.status, scheduled.body["status"]) == (202, "scheduled")

    stack.run_schedule("sweep_due_notifications")
    assert admin(api, "GET", f"/v1/admin/campaigns/{later['campaign_id']}").body["status"] == "scheduled"
    cancelled = admin(api, "POST", f"/v1/admin/campaigns/{later['campaign_id']}/cancel")
    assert (cancelled.status, cancelled.body["status"]) == (200, "cancelled")
    assert admin(api, "POST", f"/v1/admin/campaigns/{later['campaign_id']}/cancel").status == 409
    assert admin(api, "POST", f"/v1/admin/campaigns/{later['campaign_id']}/send").status == 409
    assert api.call("GET", f"/v1/users/{user}/notifications", user=user).body["notifications"] == []


def test_a_users_notifications_are_paged_newest_first(api: Api, stack: LocalStack) -> None:
    from nudge.notifications.delivery_table import DeliveryRecord, DeliveryTable

    user = new_id("reader")
    deliveries = DeliveryTable(stack.template.ref("DeliveryTable"), stack.emulator.client("dynamodb"))
    start = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    for day in range(3):
        record = DeliveryRecord(
            user_id=user,
            campaign_id=f"campaign-{day}",
            channel="email",
            status="sent",
            at=start + timedelta(days=day),
            reason="You see this because you opted in to personalized notifications",
            notification_id=new_id("n"),
            campaign_name=f"Campaign {day}",
            updated_at=start,
        )
        assert deliveries.claim(record) is None

    first = api.call("GET", f"/v1/users/{user}/notifications?limit=2", user=user)
    assert first.status == 200, first.body
    cursor = first.body["next_cursor"]
    second = api.call("GET", f"/v1/users/{user}/notifications?limit=2&cursor={cursor}", user=user)

    campaigns = [n["campaign_id"] for n in first.body["notifications"] + second.body["notifications"]]
    assert campaigns == ["campaign-2", "campaign-1", "campaign-0"]
    assert second.body["next_cursor"] is None
    other = api.call(
        "GET", f"/v1/users/{new_id('other')}/notifications?limit=2&cursor={cursor}", user=ADMIN, admin=True
    )
    assert (other.status, other.body["error"]["fields"][0]["field"]) == (422, "cursor")
