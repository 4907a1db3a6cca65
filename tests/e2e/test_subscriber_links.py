"""E2E: the links in Nudge's emails over the local HTTP server, without a bearer token: the unsubscribe
page and its one-click POST, and the click redirect (never followed here: its target is elsewhere)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from nudge.signing import STACK_KEY
from nudge.subscribers.click_links import ClickLink, click_token
from nudge.subscribers.links import secret_key
from nudge.subscribers.unsubscribe_links import KEY_VARIABLE, unsubscribe_token
from tests.e2e.conftest import Client, raw_request


def test_the_unsubscribe_page_and_its_one_click_post_work_without_a_login(client: Client) -> None:
    user = f"e2e-unsub-{uuid.uuid4().hex[:8]}"
    token = client.as_user(user)
    assert client.request("PUT", f"/v1/users/{user}/profile", {"email": f"{user}@example.com"}, token).status == 200
    assert client.request("PUT", f"/v1/users/{user}/consent", {"marketing_emails": True}, token).status == 200
    link = unsubscribe_token(secret_key(KEY_VARIABLE), user, "marketing", datetime.now(UTC), days=30)

    status, headers, page = raw_request(client, "GET", f"/v1/unsubscribe/{link}")
    assert (status, headers["content-type"]) == (200, "text/html; charset=utf-8")
    assert '<form method="post">' in page

    form = {"content-type": "application/x-www-form-urlencoded", "user-agent": "e2e-mail-client"}
    status, _, done = raw_request(client, "POST", f"/v1/unsubscribe/{link}", "List-Unsubscribe=One-Click", form)
    assert status == 200
    assert "been unsubscribed from marketing emails" in done

    state = client.request("GET", f"/v1/users/{user}/consent", token=token).body
    assert state["settings"]["marketing_emails"] is False
    [entry] = [change for change in state["history"] if change["source"] == "unsubscribe_link"]
    assert (entry["purpose"], entry["user_agent"]) == ("marketing_emails", "e2e-mail-client")


def test_a_tampered_unsubscribe_link_is_a_403_page(client: Client) -> None:
    link = unsubscribe_token(secret_key(KEY_VARIABLE), "e2e-someone", "all", datetime.now(UTC), days=30)
    status, headers, page = raw_request(client, "GET", f"/v1/unsubscribe/{link[:-2]}xx")
    assert (status, headers["content-type"]) == (403, "text/html; charset=utf-8")
    assert "altered" in page


def test_the_click_redirect_answers_302_to_the_target_without_a_login(client: Client) -> None:
    target = "https://nudge.example/surveys/s-1"
    link = ClickLink(f"e2e-click-{uuid.uuid4().hex[:8]}", "n-1", None, target)
    token = click_token(secret_key(STACK_KEY), link, frozenset({"nudge.example"}), datetime.now(UTC))

    status, headers, _ = raw_request(client, "GET", f"/v1/r/{token}")

    assert (status, headers["location"]) == (302, target)
    status, headers, _ = raw_request(client, "GET", f"/v1/r/{token[:-2]}xx")
    assert status == 403
    assert "location" not in headers
