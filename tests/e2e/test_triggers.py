"""E2E: campaigns no admin starts. A brand's product launch, published on Nudge's bus, reaches the users
interested in its category by email, read back from the local outbox."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from local_runtime.runtime import LocalStack
from local_runtime.tokens import issue_token
from tests.e2e.conftest import Client

LAUNCH_TEMPLATE = {
    "name": "Product launch",
    "category": "product",
    "email": {
        "subject": "New: {{product_name}}",
        "html": '<p>{{first_name}}, <a href="{{url}}">{{product_name}}</a> is out.</p><small>{{reason}}</small>',
        "text": "{{first_name}}, {{product_name}} is out: {{url}}\n{{reason}}",
    },
}


def _follower(client: Client, user: str, category: str) -> None:
    token = client.as_user(user)
    profile = {
        "email": f"{user}@example.com",
        "name": "Ines Duarte",
        "interests": {"categories": [category]},
        "notification_preferences": {"email": {"enabled": True, "frequency": "instant"}},
    }
    assert client.request("PUT", f"/v1/users/{user}/profile", profile, token).status == 200
    consent = {"personalized_notifications": {"enabled": True, "channels": {"email": True}}}
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
        "url": "https://acme.example/trowel",
        "launched_at": datetime.now(UTC).isoformat(),
    }
    brand = issue_token("ana", brand=f"acme-{tag}")
    assert client.request("PUT", f"/v1/brands/acme-{tag}/products/trowel-{tag}", product, brand).status == 200

    path = f"/v1/admin/campaigns/product-launch-trowel-{tag}"
    campaign = _campaign_when(client, path, admin, lambda campaign: campaign["status"] == "sent")
    stack.run_schedule("sweep_due_notifications")  # the minute's sweep (the local server runs no schedule)
    campaign = _campaign_when(
        client, path, admin, lambda campaign: campaign["counts"]["sent"] == campaign["counts"]["queued"] > 0
    )

    assert (campaign["type"], campaign["channels"], campaign["data"]["product_name"]) == (
        "product_launch",
        ["email"],
        f"Trowel {tag}",
    )
    outbox = [
        entry
        for entry in client.request("GET", "/_local/outbox").body
        if entry["campaign_id"] == campaign["campaign_id"]
    ]
    recipients = {entry["to"] for entry in outbox}
    assert f"{follower}@example.com" in recipients
    assert f"{other}@example.com" not in recipients
    mine = next(entry for entry in outbox if entry["to"] == f"{follower}@example.com")
    assert (mine["channel"], mine["subject"]) == ("email", f"New: Trowel {tag}")
    assert "Ines, " in mine["text"]
