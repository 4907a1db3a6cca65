"""Engagement over HTTP: events wait for consent, then show in the profile's derived block, and leave
it when the consent is withdrawn."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.builders import engaged
from tests.e2e.conftest import Client
from tests.e2e.test_profiles import PROFILE


def test_engagement_counts_only_while_the_user_consents(client: Client, user: str) -> None:
    token = client.as_user(user)
    at = datetime.now(UTC) - timedelta(hours=1)
    assert client.request("PUT", f"/v1/users/{user}/profile", PROFILE, token).status == 200
    first = [engaged("v1", at=at, category="GAMING"), engaged("s1", "survey_complete", at=at, category="GAMING")]

    before = client.request("POST", "/v1/events", {"events": first}, token)
    client.request("PUT", f"/v1/users/{user}/consent", {"behavioral_tracking": True}, token)
    after = client.request("POST", "/v1/events", {"events": first}, token)
    profile = client.request("GET", f"/v1/users/{user}/profile", token=token).body["behavioral"]
    client.request("PUT", f"/v1/users/{user}/consent", {"behavioral_tracking": False}, token)
    withdrawn = client.request("GET", f"/v1/users/{user}/profile", token=token).body["behavioral"]

    assert [item["reason"] for item in before.body["not_tracked"]] == ["no_consent", "no_consent"]
    assert after.body["accepted_event_ids"] == ["v1", "s1"]
    assert (profile["total_product_views"], profile["total_surveys"]) == (1, 1)
    assert profile["engagement_score"] > 12.9  # 2 + 10 + 1 active day, an hour of decay
    assert profile["preferred_categories"] == [{"category": "GAMING", "score": 1.0}]
    assert (withdrawn["engagement_score"], withdrawn["total_product_views"], withdrawn["preferred_categories"]) == (
        0.0,
        0,
        [],
    )
