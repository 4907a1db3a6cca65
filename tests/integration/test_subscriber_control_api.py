"""Subscriber control through the routes (moto): the admin suppression routes, the one-click unsubscribe
link and the signed click redirect, with what each writes (and, refused, does not)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from moto.ses.models import ses_backends

from local_runtime.runtime import LocalStack
from local_runtime.template import ACCOUNT_ID, REGION
from nudge.behavior.behavior_table import behavior_table
from nudge.signing import STACK_KEY
from nudge.subscribers.click_links import ClickLink, click_token
from nudge.subscribers.links import HmacKey, secret_key, sign
from nudge.subscribers.suppression import suppression_list
from nudge.subscribers.unsubscribe_links import KEY_VARIABLE, unsubscribe_token
from tests.integration.conftest import Api
from tests.integration.test_personal_data import Privacy, items_naming

FORM = {"content-type": "application/x-www-form-urlencoded", "user-agent": "MailClient/2.0"}
ONE_CLICK = "List-Unsubscribe=One-Click"
ALLOWED = frozenset({"nudge.example"})
EVERYTHING = {
    "personalized_notifications": {"enabled": True, "channels": {"email": True, "sms": False, "whatsapp": False}},
    "behavioral_tracking": True,
    "analytics_sharing": True,
    "marketing_emails": True,
    "research_participation": False,
}


def now() -> datetime:
    return datetime.now(UTC)


def sent_to(address: str) -> list[Any]:
    messages = ses_backends[ACCOUNT_ID][REGION].sent_messages
    return [message for message in messages if address in json.dumps(message.destinations)]


def subscribed(api: Api, user: str) -> str:
    """A user with an address on file who consented to everything; returns the address."""
    email = f"{user}@example.com"
    assert api.call("PUT", f"/v1/users/{user}/profile", {"email": email}, user=user).status == 200
    assert api.call("PUT", f"/v1/users/{user}/consent", EVERYTHING, user=user).status == 200
    return email


def consent(api: Api, user: str) -> dict[str, Any]:
    answer = api.call("GET", f"/v1/users/{user}/consent", user=user)
    assert answer.status == 200
    return dict(answer.body)


def unsubscribe_link(user: str, scope: str = "all", days: int = 30) -> str:
    return unsubscribe_token(secret_key(KEY_VARIABLE), user, scope, now(), days)  # type: ignore[arg-type]


# ---------- Admin: the suppression list ----------


@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_the_suppression_routes_refuse_users_before_reading_the_address(api: Api, method: str) -> None:
    answer = api.call(method, "/v1/admin/suppressions?email=not-an-address", user="bob")
    assert (answer.status, answer.body["error"]["code"]) == (403, "forbidden")


@pytest.mark.parametrize("query", ["", "?email=not-an-address", "?email=a@b.com&other=1"])
def test_a_missing_or_invalid_address_is_422_naming_the_field(api: Api, query: str) -> None:
    answer = api.call("GET", f"/v1/admin/suppressions{query}", user="root", admin=True)
    assert answer.status == 422
    assert {problem["field"] for problem in answer.body["error"]["fields"]} & {"email", "other"}


def test_an_address_never_bounced_is_not_suppressed(api: Api, user: str) -> None:
    answer = api.call("GET", f"/v1/admin/suppressions?email={user}@example.com", user="root", admin=True)
    assert (answer.status, answer.body) == (
        200,
        {
            "suppressed": False,
            "since": None,
            "reason": None,
            "soft_bounces_in_a_row": 0,
            "soft_bounces_to_suppress": 3,
        },
    )


def test_a_hard_bounce_shows_since_when_and_why_and_an_admin_lifts_it_audited(
    api: Api, stack: LocalStack, user: str
) -> None:
    email = f"{user}@example.com"
    bounced_at = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    suppression_list().record_hard_bounce(email.upper(), bounced_at)

    shown = api.call("GET", f"/v1/admin/suppressions?email={email}", user="root", admin=True)
    assert (shown.body["suppressed"], shown.body["reason"]) == (True, "hard_bounce")
    assert datetime.fromisoformat(shown.body["since"]) == bounced_at
    assert items_naming(stack, email) == []  # the table holds only the keyed hash

    lifted = api.call("DELETE", f"/v1/admin/suppressions?email={email}", user="root", admin=True)
    assert (lifted.status, lifted.body["suppressed"]) == (200, False)
    after = api.call("GET", f"/v1/admin/suppressions?email={email}", user="root", admin=True)
    assert after.body["suppressed"] is False
    trail = api.call("GET", "/v1/admin/audit-log?limit=10", user="root", admin=True).body["records"]
    [record] = [r for r in trail if r["action"] == "suppression.lift" and r["before"]["since"] == shown.body["since"]]
    assert record["target"].startswith("suppression:")
    assert (record["actor"], record["after"]) == ("root", None)
    assert email not in json.dumps(record)
    again = api.call("DELETE", f"/v1/admin/suppressions?email={email}", user="root", admin=True)
    assert (again.status, again.body["error"]["fields"][0]["field"]) == (404, "email")


def test_soft_bounces_count_towards_the_threshold_and_a_delivery_resets_them(api: Api, user: str) -> None:
    email, suppressions = f"{user}@example.com", suppression_list()
    suppressions.record_soft_bounce(email, now())
    suppressions.record_soft_bounce(email, now())
    shown = api.call("GET", f"/v1/admin/suppressions?email={email}", user="root", admin=True).body
    assert (shown["suppressed"], shown["soft_bounces_in_a_row"]) == (False, 2)
    suppressions.record_delivery(email)
    suppressions.record_delivery(f"{user}-never-bounced@example.com")  # creates nothing
    suppressions.record_soft_bounce(email, now())
    assert suppressions.status(email).soft_bounces_in_a_row == 1
    suppressions.record_soft_bounce(email, now())
    third = suppressions.record_soft_bounce(email, now())
    assert (third.suppressed, third.reason) == (True, "soft_bounces")
    assert suppressions.status(f"{user}-never-bounced@example.com").soft_bounces_in_a_row == 0


def test_an_erased_users_address_stays_suppressed(api: Api, stack: LocalStack, user: str) -> None:
    email = subscribed(api, user)
    suppression_list().record_complaint(email, now())

    erasure = Privacy(stack, api).erase(user)

    assert erasure.status == "completed"
    assert "SuppressionTable" not in erasure.tables  # holds no personal data: not part of an erasure
    assert suppression_list().is_suppressed(email)


# ---------- One-click unsubscribe ----------


def test_the_link_shows_a_confirmation_page_without_a_login_and_changes_nothing(api: Api, user: str) -> None:
    subscribed(api, user)
    before = consent(api, user)

    page = api.call("GET", f"/v1/unsubscribe/{unsubscribe_link(user, 'marketing')}", user=None)

    assert (page.status, page.headers["content-type"]) == (200, "text/html; charset=utf-8")
    assert '<form method="post">' in page.body
    assert 'name="List-Unsubscribe" value="One-Click"' in page.body
    assert "marketing emails" in page.body
    assert page.headers["cache-control"] == "no-store"
    assert consent(api, user) == before


def test_one_click_unsubscribes_from_all_with_history_entries_and_a_confirmation(api: Api, user: str) -> None:
    email = subscribed(api, user)
    token = unsubscribe_link(user, "all")

    answer = api.call("POST", f"/v1/unsubscribe/{token}", ONE_CLICK, user=None, headers=FORM)

    assert answer.status == 200
    assert "You&#x27;ve been unsubscribed" in answer.body or "You've been unsubscribed" in answer.body
    state = consent(api, user)
    assert state["settings"]["personalized_notifications"] == {
        "enabled": False,
        "channels": {"email": True, "sms": False, "whatsapp": False},
    }
    assert (state["settings"]["marketing_emails"], state["settings"]["behavioral_tracking"]) == (False, False)
    assert state["settings"]["analytics_sharing"] is True
    by_link = [change for change in state["history"] if change["source"] == "unsubscribe_link"]
    assert sorted(change["purpose"] for change in by_link) == [
        "behavioral_tracking",
        "marketing_emails",
        "personalized_notifications.enabled",
    ]
    recorded = {(c["old_value"], c["new_value"], c["source_ip"], c["user_agent"], c["policy_version"]) for c in by_link}
    assert recorded == {(True, False, "127.0.0.1", "MailClient/2.0", "2026-12-01")}
    [confirmation] = sent_to(email)
    assert (confirmation.subject, confirmation.source) == ("You've been unsubscribed", "privacy@nudge.example")
    assert "all notifications except critical account updates" in confirmation.body

    again = api.call("POST", f"/v1/unsubscribe/{token}", ONE_CLICK, user=None, headers=FORM)
    assert again.status == 200
    assert consent(api, user)["history"] == state["history"]  # idempotent: nothing new
    assert len(sent_to(email)) == 1


def test_marketing_and_product_scopes_change_only_their_purpose(api: Api, user: str) -> None:
    subscribed(api, user)
    api.call("POST", f"/v1/unsubscribe/{unsubscribe_link(user, 'marketing')}", ONE_CLICK, user=None, headers=FORM)
    settings = consent(api, user)["settings"]
    assert (settings["marketing_emails"], settings["personalized_notifications"]["enabled"]) == (False, True)
    api.call("POST", f"/v1/unsubscribe/{unsubscribe_link(user, 'product')}", ONE_CLICK, user=None, headers=FORM)
    settings = consent(api, user)["settings"]
    assert (settings["personalized_notifications"]["enabled"], settings["behavioral_tracking"]) == (False, True)


def test_no_confirmation_goes_to_a_suppressed_address(api: Api, user: str) -> None:
    email = subscribed(api, user)
    suppression_list().record_complaint(email, now())
    answer = api.call("POST", f"/v1/unsubscribe/{unsubscribe_link(user)}", ONE_CLICK, user=None, headers=FORM)
    assert answer.status == 200
    assert consent(api, user)["settings"]["marketing_emails"] is False
    assert sent_to(email) == []


def test_a_link_for_a_user_without_consent_on_file_answers_the_page_and_writes_nothing(
    api: Api, stack: LocalStack, user: str
) -> None:
    answer = api.call("POST", f"/v1/unsubscribe/{unsubscribe_link(user)}", ONE_CLICK, user=None, headers=FORM)
    assert (answer.status, "been unsubscribed" in answer.body) == (200, True)
    assert items_naming(stack, user) == []


def _forged(user: str) -> str:
    return unsubscribe_token(HmacKey(b"not the stack's key"), user, "all", now(), 30)


def _altered(user: str) -> str:
    _, signature = unsubscribe_link(user, "marketing").split(".")
    other, _ = unsubscribe_link(f"{user}-x", "all").split(".")
    return f"{other}.{signature}"


def _expired(user: str) -> str:
    return sign(secret_key(KEY_VARIABLE), "unsubscribe", {"u": user, "s": "all"}, now() - timedelta(seconds=1))


@pytest.mark.parametrize(
    ("make", "status", "words"),
    [(_forged, 403, "altered or was not made by Nudge"), (_altered, 403, "altered"), (_expired, 410, "expired")],
)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_forged_altered_and_expired_links_are_refused_with_a_page_and_nothing_written(
    api: Api, user: str, make: Any, status: int, words: str, method: str
) -> None:
    email = subscribed(api, user)
    before = consent(api, user)

    answer = api.call(method, f"/v1/unsubscribe/{make(user)}", ONE_CLICK, user=None, headers=FORM)

    assert (answer.status, answer.headers["content-type"]) == (status, "text/html; charset=utf-8")
    assert words in answer.body
    assert "token" in answer.body
    assert consent(api, user) == before
    assert sent_to(email) == []


@pytest.mark.parametrize(
    ("body", "headers", "status", "field"),
    [
        ("", FORM, 422, "body"),
        ("List-Unsubscribe=Yes", FORM, 422, "List-Unsubscribe"),
        ("List-Unsubscribe=One-Click&List-Unsubscribe=One-Click", FORM, 400, "body"),
        ('{"List-Unsubscribe": "One-Click"}', {"content-type": "application/json"}, 415, "Content-Type"),
    ],
)
def test_a_bad_one_click_body_is_refused_and_writes_nothing(
    api: Api, user: str, body: str, headers: dict[str, str], status: int, field: str
) -> None:
    subscribed(api, user)
    before = consent(api, user)
    answer = api.call("POST", f"/v1/unsubscribe/{unsubscribe_link(user)}", body, user=None, headers=headers)
    assert answer.status == status
    assert field in answer.body
    assert consent(api, user) == before


# ---------- The click redirect ----------


def click_link(user: str, target: str = "https://nudge.example/surveys/s-1?from=email") -> str:
    link = ClickLink(user, "n-1", "c-1", target)
    return click_token(secret_key(STACK_KEY), link, ALLOWED, now())


def test_a_click_is_recorded_as_engagement_and_redirects(api: Api, user: str) -> None:
    subscribed(api, user)

    answer = api.call("GET", f"/v1/r/{click_link(user)}", user=None)

    assert (answer.status, answer.headers["location"]) == (302, "https://nudge.example/surveys/s-1?from=email")
    exported = behavior_table().export_user(user)
    [click] = [stored.event for stored in exported.events if stored.event.type == "notification_click"]
    assert (click.notification_id, click.source) == ("n-1", "email")
    assert exported.engagement is not None
    assert sum(exported.engagement.click_hours.values()) == 1
    assert exported.engagement.daily_points == {now().date().isoformat(): 3 + 1}  # a click, and an active day

    again = api.call("GET", f"/v1/r/{click_link(user)}", user=None)
    assert again.status == 302
    assert sum(behavior_table().export_user(user).engagement.click_hours.values()) == 1  # type: ignore[union-attr]


def test_without_tracking_consent_the_click_redirects_and_stores_nothing(
    api: Api, stack: LocalStack, user: str
) -> None:
    answer = api.call("GET", f"/v1/r/{click_link(user)}", user=None)
    assert (answer.status, answer.headers["location"]) == (302, "https://nudge.example/surveys/s-1?from=email")
    assert items_naming(stack, user) == []


def _signed_for(user: str, target: str) -> str:
    """A token Nudge's key signed for a target off the allowlist (as a link made before the list shrank)."""
    claims = {"u": user, "n": "n-1", "t": target}
    return sign(secret_key(STACK_KEY), "click", claims, now() + timedelta(days=1))


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "http://nudge.example/", "https://nudge.example@evil.example/", "//evil.example"],
)
def test_a_signed_link_to_a_target_off_the_allowlist_is_refused_and_records_nothing(
    api: Api, stack: LocalStack, user: str, target: str
) -> None:
    subscribed(api, user)
    answer = api.call("GET", f"/v1/r/{_signed_for(user, target)}", user=None)
    assert answer.status == 403
    assert "location" not in answer.headers
    assert "target" in answer.body
    assert behavior_table().export_user(user).events == []


def test_a_forged_or_expired_click_link_is_refused(api: Api, user: str) -> None:
    subscribed(api, user)
    forged = click_token(HmacKey(b"other"), ClickLink(user, "n-1", None, "https://nudge.example/"), ALLOWED, now())
    expired = sign(secret_key(STACK_KEY), "click", {"u": user, "n": "n-1", "t": "https://nudge.example/"}, now())
    assert api.call("GET", f"/v1/r/{forged}", user=None).status == 403
    assert api.call("GET", f"/v1/r/{expired}", user=None).status == 410
    assert behavior_table().export_user(user).events == []
