"""E2E: a campaign created and sent over HTTP, fanned out by the worker behind the local server's queue
poller, read back from the local outbox and the users' notification lists."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

from local_runtime.runtime import LocalStack
from tests.e2e.conftest import Client, raw_request

TEMPLATE = {
    "name": "Survey",
    "category": "product",
    "email": {
        "subject": "{{first_name}}, {{survey_title}}",
        "html": '<p><a href="{{url}}">{{survey_title}}</a></p><small>{{reason}}</small>',
        "text": "{{survey_title}}: {{url}}\n{{reason}}",
    },
    "whatsapp": {"template_name": "survey_invite", "language": "en", "parameters": ["{{first_name}}", "{{url}}"]},
}


def _person(client: Client, user: str, channels: dict[str, bool]) -> None:
    token = client.as_user(user)
    profile = {
        "email": f"{user}@example.com",
        "phone": "+3545551234",
        "name": "Bjork Gudmunds",
        "demographics": {"location": {"country": "IS"}},
        "interests": {"categories": ["GAMING"]},
        "notification_preferences": {"email": {"enabled": True, "frequency": "instant"}, "whatsapp": {"enabled": True}},
    }
    assert client.request("PUT", f"/v1/users/{user}/profile", profile, token).status == 200
    consent = {"personalized_notifications": {"enabled": True, "channels": channels}}
    assert client.request("PUT", f"/v1/users/{user}/consent", consent, token).status == 200


def _until(client: Client, path: str, admin: str, done: Any) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        campaign = client.request("GET", path, token=admin).body
        if done(campaign):
            return dict(campaign)
        time.sleep(0.5)
    raise AssertionError(f"the campaign did not get there in time: {campaign}")


def _handled(counts: dict[str, int]) -> bool:
    """Every queued delivery sent or failed (other tests' profiles may be gamers in Iceland too)."""
    return counts["queued"] > 0 and counts["sent"] + counts["failed"] == counts["queued"]


def test_a_campaign_reaches_each_user_on_their_first_consented_channel(stack: LocalStack, client: Client) -> None:
    tag = uuid.uuid4().hex[:8]
    by_email, by_whatsapp = f"mail-{tag}", f"wa-{tag}"
    _person(client, by_email, {"email": True})
    _person(client, by_whatsapp, {"whatsapp": True})
    admin = client.as_user("ops", admin=True)
    segment = {"name": "Gamers in Iceland", "rules": {"countries": ["IS"], "categories": ["GAMING"]}}
    assert client.request("PUT", f"/v1/admin/segments/seg-{tag}", segment, admin).status == 200
    assert client.request("PUT", f"/v1/admin/templates/tpl-{tag}", TEMPLATE, admin).status == 200
    body = {
        "campaign_id": f"cmp-{tag}",
        "name": "Games survey",
        "type": "survey_invite",
        "segment_id": f"seg-{tag}",
        "template_id": f"tpl-{tag}",
        "channels": ["email", "whatsapp"],
        "data": {"survey_title": "Your games", "url": "https://nudge.example/s/games"},
    }
    assert client.request("POST", "/v1/admin/campaigns", body, admin).status == 201

    assert client.request("POST", f"/v1/admin/campaigns/cmp-{tag}/send", token=admin).status == 202
    path = f"/v1/admin/campaigns/cmp-{tag}"
    _until(client, path, admin, lambda campaign: campaign["status"] == "sent")  # every recipient queued
    stack.run_schedule("sweep_due_notifications")  # the minute's sweep (the local server runs no schedule)
    counts = _until(client, path, admin, lambda campaign: _handled(campaign["counts"]))["counts"]

    assert counts["sent"] >= 2
    outbox = [entry for entry in client.request("GET", "/_local/outbox").body if entry["campaign_id"] == f"cmp-{tag}"]
    mine = {entry["to"]: entry for entry in outbox}
    email = mine[f"{by_email}@example.com"]
    assert (email["channel"], email["subject"]) == ("email", "Bjork, Your games")
    assert "You see this because you selected &#x27;GAMING&#x27; as an interest" in email["html"]
    assert email["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # The recipient's own signed link, scoped to the template's category: one click unsubscribes them.
    link = re.fullmatch(r"<https?://[^/]+(/v1/unsubscribe/[A-Za-z0-9_.-]+)>", email["headers"]["List-Unsubscribe"])
    assert link is not None
    form = {"content-type": "application/x-www-form-urlencoded"}
    status, _, page = raw_request(client, "POST", link.group(1), "List-Unsubscribe=One-Click", form)
    assert status == 200, page
    recipient = client.as_user(by_email)
    consent = client.request("GET", f"/v1/users/{by_email}/consent", token=recipient).body
    assert consent["settings"]["personalized_notifications"]["enabled"] is False
    whatsapp = [entry for entry in outbox if entry["channel"] == "whatsapp"]
    assert whatsapp
    assert {entry["to"] for entry in whatsapp} == {"+3545551234"}
    listed = client.request("GET", f"/v1/users/{by_whatsapp}/notifications", token=client.as_user(by_whatsapp))
    [notification] = listed.body["notifications"]
    assert (notification["channel"], notification["status"]) == ("whatsapp", "sent")
