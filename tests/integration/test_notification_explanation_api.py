"""GET /v1/users/{user_id}/notifications/{notification_id}/why against moto: the owner and an admin see the reasons
and the controls; another user's notification and an unknown one are 404, a malformed id 422."""

from __future__ import annotations

from datetime import UTC, datetime

from local_runtime.runtime import LocalStack
from nudge.notifications.delivery_table import DeliveryRecord, DeliveryTable
from tests.integration.conftest import Api
from tests.integration.test_campaigns_api import ADMIN, admin, campaign_body, new_id, segment_and_template

AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
REASON = "You see this because you selected 'GAMING' as an interest"


def delivered(stack: LocalStack, user: str, campaign_id: str) -> str:
    deliveries = DeliveryTable(stack.template.ref("DeliveryTable"), stack.emulator.client("dynamodb"))
    notification_id = new_id("n")
    record = DeliveryRecord(
        user_id=user,
        campaign_id=campaign_id,
        channel="email",
        status="sent",
        at=AT,
        reason=REASON,
        notification_id=notification_id,
        campaign_name="Spring survey",
        updated_at=AT,
    )
    assert deliveries.claim(record) is None
    return notification_id


def test_the_owner_and_an_admin_see_why_and_others_see_nothing(api: Api, stack: LocalStack) -> None:
    segment_id, template_id = segment_and_template(api)
    body = campaign_body(segment_id, template_id)
    assert admin(api, "POST", "/v1/admin/campaigns", body).status == 201
    ana, bob = new_id("ana"), new_id("bob")
    mine, theirs = delivered(stack, ana, body["campaign_id"]), delivered(stack, bob, body["campaign_id"])

    answer = api.call("GET", f"/v1/users/{ana}/notifications/{mine}/why", user=ana)

    assert answer.status == 200, answer.body
    assert (answer.body["notification_id"], answer.body["reason"], answer.body["channel"]) == (mine, REASON, "email")
    assert answer.body["campaign"] == {
        "campaign_id": body["campaign_id"],
        "name": "Spring survey",
        "type": "survey_invite",
        "priority": "normal",
        "category": "product",
    }
    assert answer.body["matched_rules"] == [
        "Your profile says you live in one of: IS",
        "You selected one of these interests: GAMING",
    ]
    assert answer.body["rules_changed_since"] is True  # the segment was written now, after AT
    controls = {control["action"]: control for control in answer.body["controls"]}
    assert controls["stop_category"]["path"] == f"/v1/users/{ana}/consent"
    assert controls["stop_category"]["body"] == {"personalized_notifications": {"enabled": False}}
    assert (controls["adjust_preferences"]["method"], controls["adjust_preferences"]["path"]) == (
        "PATCH",
        f"/v1/users/{ana}/profile",
    )
    assert controls["unsubscribe"]["body"]["marketing_emails"] is False

    as_admin = api.call("GET", f"/v1/users/{ana}/notifications/{mine}/why", user=ADMIN, admin=True)
    assert (as_admin.status, as_admin.body) == (200, answer.body)
    other = api.call("GET", f"/v1/users/{ana}/notifications/{theirs}/why", user=ana)
    unknown = api.call("GET", f"/v1/users/{ana}/notifications/{new_id('n')}/why", user=ana)
    for missing in (other, unknown):
        assert missing.status == 404, missing.body
        assert missing.body["error"]["fields"][0]["field"] == "notification_id"
    assert api.call("GET", f"/v1/users/{ana}/notifications/{mine}/why", user=bob).status == 403
    malformed = api.call("GET", f"/v1/users/{ana}/notifications/-{mine}/why", user=ana)
    assert (malformed.status, malformed.body["error"]["fields"][0]["field"]) == (422, "notification_id")
