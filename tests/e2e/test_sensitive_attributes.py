"""Sensitive attributes over HTTP: stated with consent, read back by their user only."""

from __future__ import annotations

from tests.e2e.conftest import Client


def test_a_stated_attribute_is_read_back_by_its_user_and_by_no_one_else(client: Client, user: str) -> None:
    token = client.as_user(user)
    path = f"/v1/users/{user}/sensitive-attributes"

    stored = client.request("PUT", f"{path}/religion", {"value": "Sikh", "consent": True}, token)
    read = client.request("GET", path, token=token)

    assert stored.status == 200, stored.body
    assert read.status == 200, read.body
    assert [(item["name"], item["value"]) for item in read.body["attributes"]] == [("religion", "Sikh")]
    assert read.body["attributes"][0]["consented_at"] == stored.body["consented_at"]
    assert client.request("GET", path, token=client.as_user("ops", admin=True)).status == 403
