"""E2E: a user asks for their erasure over HTTP, an admin polls its status until the worker completes it."""

from __future__ import annotations

import time
import uuid

from tests.builders import created
from tests.e2e.conftest import Client


def test_a_user_erases_themself_and_an_admin_polls_the_erasure_until_it_completes(client: Client) -> None:
    user = f"e2e-erase-{uuid.uuid4().hex[:8]}"
    token, admin = client.as_user(user), client.as_user("e2e-privacy-admin", admin=True)
    assert client.request("POST", "/v1/events", {"events": [created(f"{user}-1")]}, token).status == 200
    assert client.request("DELETE", f"/v1/users/{user}", token=client.as_user("someone-else")).status == 403

    accepted = client.request("DELETE", f"/v1/users/{user}", token=token)

    assert accepted.status == 202
    assert accepted.body["status"] == "pending"
    erasure_id = accepted.body["erasure_id"]
    assert client.request("GET", f"/v1/admin/erasures/{erasure_id}", token=token).status == 403
    deadline, status = time.monotonic() + 60, None
    while time.monotonic() < deadline:
        status = client.request("GET", f"/v1/admin/erasures/{erasure_id}", token=admin).body
        if status["status"] == "completed":
            break
        time.sleep(0.2)
    assert status is not None
    assert status["status"] == "completed", status
    assert status["tables"]["BehaviorTable"] == {"deleted": {"signals": 1, "events": 1}, "anonymized": {}}
    assert status["confirmation"] == "no_address"
    exported = client.request("GET", f"/v1/users/{user}/export", token=token)
    assert exported.status == 200
    assert exported.body["tables"]["BehaviorTable"]["events"] == []
    assert exported.body["tables"]["BehaviorTable"]["signals"] is None
