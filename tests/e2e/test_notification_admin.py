"""Segments and templates over HTTP: an admin writes and reads a segment, previews it, and saves a
template; a non-admin is refused; a template with an unknown token is a 422."""

from __future__ import annotations

import uuid

from tests.e2e.conftest import Client
from tests.e2e.test_profiles import PROFILE


def test_an_admin_writes_reads_and_previews_a_segment(client: Client, user: str) -> None:
    # Germany with ELECTRONICS: the e2e profiles of tests/e2e/test_profiles.py, and this one.
    assert client.request("PUT", f"/v1/users/{user}/profile", PROFILE, client.as_user(user)).status == 200
    admin, segment_id = client.as_user("ops", admin=True), f"seg-{uuid.uuid4().hex[:8]}"
    path = f"/v1/admin/segments/{segment_id}"
    body = {"name": "German gadget fans", "rules": {"countries": ["DE"], "categories": ["ELECTRONICS"]}}

    created = client.request("PUT", path, body, admin)
    read = client.request("GET", path, token=admin)
    preview = client.request("GET", f"{path}/preview?limit=1000", token=admin)

    assert (created.status, read.status, preview.status) == (200, 200, 200)
    assert read.body == created.body
    assert read.body["rules"]["countries"] == ["DE"]
    assert preview.body["matching"] >= 1
    assert preview.body["consenting"] <= preview.body["matching"]
    assert client.request("GET", path, token=client.as_user(user)).status == 403
    listed = client.request("GET", "/v1/admin/segments?limit=100", token=admin)
    assert segment_id in {segment["segment_id"] for segment in listed.body["segments"]}


def test_an_admin_saves_a_template_and_an_unknown_token_is_refused(client: Client) -> None:
    admin, path = client.as_user("ops", admin=True), f"/v1/admin/templates/tpl-{uuid.uuid4().hex[:8]}"
    body = {"name": "Launch", "category": "marketing", "sms": {"text": "{{product_name}} is out: {{url}}"}}

    saved = client.request("PUT", path, body, admin)
    refused = client.request("PUT", path, body | {"sms": {"text": "Hi {{name}}"}}, admin)

    assert saved.status == 200
    assert client.request("GET", path, token=admin).body == saved.body
    assert refused.status == 422
    assert refused.body["error"]["fields"][0]["field"] == "sms.text"
