"""Profiles and consent over HTTP: a user writes, patches and reads their profile and gives consent;
another user and an admin meet the rules each route documents."""

from __future__ import annotations

from tests.e2e.conftest import Client

PROFILE = {
    "email": "kai@example.de",
    "phone": "+4915112345678",
    "time_zone": "Europe/Berlin",
    "demographics": {"location": {"country": "DE", "city": "Berlin"}, "languages": ["de", "en"]},
    "interests": {"categories": ["ELECTRONICS", "GAMING"], "brands": ["brand-volt"]},
    "notification_preferences": {"email": {"enabled": True}, "sms": {"enabled": True}},
}
MERGE_PATCH = {"content-type": "application/merge-patch+json", "user-agent": "nudge-e2e/1.0"}


def test_a_user_writes_patches_and_reads_their_profile(client: Client, user: str) -> None:
    token, path = client.as_user(user), f"/v1/users/{user}/profile"
    assert client.request("GET", path, token=token).status == 404

    created = client.request("PUT", path, PROFILE, token)
    patched = client.request(
        "PATCH", path, {"phone": None, "notification_preferences": {"sms": {"enabled": False}}}, token, MERGE_PATCH
    )
    read = client.request("GET", path, token=token)

    assert (created.status, patched.status, read.status) == (200, 200, 200)
    assert read.body == patched.body
    assert (read.body["phone"], read.body["notification_preferences"]["sms"]["enabled"]) == (None, False)
    assert read.body["interests"]["categories"] == ["ELECTRONICS", "GAMING"]
    assert read.body["created_at"] == created.body["created_at"]
    refused = client.request("PATCH", path, {"email": None}, token, MERGE_PATCH)
    assert (refused.status, refused.body["error"]["fields"][0]["field"]) == (422, "email")
    assert client.request("GET", path, token=token).body == read.body


def test_another_user_is_refused_and_an_admin_may_read(client: Client, user: str) -> None:
    path = f"/v1/users/{user}/profile"
    client.request("PUT", path, PROFILE, client.as_user(user))

    assert client.request("GET", path, token=client.as_user("bob")).status == 403
    assert client.request("PUT", path, PROFILE, client.as_user("bob")).status == 403
    admin = client.request("GET", path, token=client.as_user("ops", admin=True))
    assert (admin.status, admin.body["email"]) == (200, "kai@example.de")


def test_a_user_gives_consent_and_reads_its_history(client: Client, user: str) -> None:
    token, path = client.as_user(user), f"/v1/users/{user}/consent"
    wanted = {"personalized_notifications": {"enabled": True, "channels": {"email": True}}, "behavioral_tracking": True}

    given = client.request("PUT", path, wanted, token, {"user-agent": "nudge-e2e/1.0"})
    read = client.request("GET", path, token=token)

    assert given.status == 200, given.body
    assert read.body["settings"]["behavioral_tracking"] is True
    assert read.body["policy_version"] == "2026-12-01"
    assert sorted(change["purpose"] for change in read.body["history"]) == [
        "behavioral_tracking",
        "personalized_notifications.channels.email",
        "personalized_notifications.enabled",
    ]
    assert {change["user_agent"] for change in read.body["history"]} == {"nudge-e2e/1.0"}
    admin = client.request("PUT", path, {}, client.as_user("ops", admin=True))
    assert admin.status == 403
    assert client.request("GET", path, token=token).body == read.body
