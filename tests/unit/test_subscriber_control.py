"""Signed links (forged, altered, expired at the edge), the unsubscribe scopes, the redirect allowlist and
the suppression list's soft-bounce runs, without AWS."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from nudge.errors import Forbidden, Gone, NotFound
from nudge.profiles.consent import ChannelConsent, ConsentSettings, NotificationConsent
from nudge.subscribers.click_links import PURPOSE as CLICK_PURPOSE
from nudge.subscribers.click_links import ClickLink, allowed_target, click_token, read_click
from nudge.subscribers.links import HmacKey, sign, verify
from nudge.subscribers.suppression import SuppressionList
from nudge.subscribers.suppression_table import SuppressionItem
from nudge.subscribers.unsubscribe import unsubscribed
from nudge.subscribers.unsubscribe_links import list_unsubscribe_headers, read_link, unsubscribe_token
from nudge.users.actor import Actor

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
KEY = HmacKey(b"k" * 64)
OTHER_KEY = HmacKey(b"o" * 64)
ALLOWED = frozenset({"nudge.example", "shop.example.com"})


def _flip(text: str, index: int) -> str:
    return text[:index] + ("A" if text[index] != "A" else "B") + text[index + 1 :]


# ---------- Signed links ----------


def test_a_signed_token_reads_back_its_claims_until_just_before_it_expires() -> None:
    token = sign(KEY, "unsubscribe", {"u": "ana", "s": "all"}, NOW + timedelta(days=1))
    assert verify(KEY, "unsubscribe", token, NOW + timedelta(days=1) - timedelta(seconds=1)) == {"u": "ana", "s": "all"}
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")  # URL-safe
    assert len(token) < 100  # compact


def test_at_its_expiry_a_token_is_gone() -> None:
    token = sign(KEY, "unsubscribe", {"u": "ana", "s": "all"}, NOW)
    with pytest.raises(Gone) as refused:
        verify(KEY, "unsubscribe", token, NOW)
    assert (refused.value.status, refused.value.field) == (410, "token")
    assert "expired on 2026-12-01" in refused.value.message


@pytest.mark.parametrize("where", ["payload", "signature"])
def test_any_altered_character_is_refused(where: str) -> None:
    token = sign(KEY, "unsubscribe", {"u": "ana", "s": "marketing"}, NOW + timedelta(days=1))
    payload, signature = token.split(".")
    altered = f"{_flip(payload, 5)}.{signature}" if where == "payload" else f"{payload}.{_flip(signature, 3)}"
    with pytest.raises(Forbidden) as refused:
        verify(KEY, "unsubscribe", altered, NOW)
    assert (refused.value.status, refused.value.field) == (403, "token")


def test_a_payload_rewritten_to_another_user_or_scope_is_refused() -> None:
    token = sign(KEY, "unsubscribe", {"u": "ana", "s": "marketing"}, NOW + timedelta(days=1))
    forged = base64.urlsafe_b64encode(json.dumps({"u": "bob", "s": "all", "exp": 2_000_000_000}).encode())
    with pytest.raises(Forbidden):
        verify(KEY, "unsubscribe", f"{forged.decode().rstrip('=')}.{token.split('.')[1]}", NOW)


def test_another_key_or_purpose_does_not_pass() -> None:
    token = sign(KEY, "click", {"u": "ana"}, NOW + timedelta(days=1))
    with pytest.raises(Forbidden):
        verify(OTHER_KEY, "click", token, NOW)
    with pytest.raises(Forbidden):
        verify(KEY, "unsubscribe", token, NOW)


@pytest.mark.parametrize("token", ["", "no-dot", ".", "a.b", "é.é", "x" * 5000 + ".y"])
def test_garbage_is_refused_as_not_signed(token: str) -> None:
    with pytest.raises(Forbidden):
        verify(KEY, "unsubscribe", token, NOW)


def test_an_expired_forgery_is_reported_as_forged_not_expired() -> None:
    token = sign(OTHER_KEY, "unsubscribe", {"u": "ana", "s": "all"}, NOW - timedelta(days=1))
    with pytest.raises(Forbidden):
        verify(KEY, "unsubscribe", token, NOW)


def test_an_unsubscribe_link_names_the_user_and_scope() -> None:
    token = unsubscribe_token(KEY, "auth0|ana", "product", NOW, days=30)
    assert read_link(KEY, token, NOW + timedelta(days=29)) == ("auth0|ana", "product")
    with pytest.raises(Gone):
        read_link(KEY, token, NOW + timedelta(days=30))


def test_signed_claims_of_the_wrong_shape_are_refused() -> None:
    token = sign(KEY, "unsubscribe", {"u": "ana", "s": "everything"}, NOW + timedelta(days=1))
    with pytest.raises(Forbidden):
        read_link(KEY, token, NOW)


def test_the_list_unsubscribe_headers_follow_rfc_8058() -> None:
    assert list_unsubscribe_headers("https://api.nudge.example/v1/unsubscribe/t.s") == {
        "List-Unsubscribe": "<https://api.nudge.example/v1/unsubscribe/t.s>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


# ---------- Unsubscribe scopes ----------

EVERYTHING = ConsentSettings(
    personalized_notifications=NotificationConsent(enabled=True, channels=ChannelConsent(email=True, sms=True)),
    behavioral_tracking=True,
    analytics_sharing=True,
    marketing_emails=True,
    research_participation=True,
)


def test_all_stops_notifications_marketing_and_tracking_and_keeps_the_rest() -> None:
    after = unsubscribed(EVERYTHING, "all")
    assert after.personalized_notifications == NotificationConsent(
        enabled=False, channels=ChannelConsent(email=True, sms=True)
    )
    assert (after.marketing_emails, after.behavioral_tracking) == (False, False)
    assert (after.analytics_sharing, after.research_participation) == (True, True)


def test_marketing_stops_marketing_emails_only() -> None:
    assert unsubscribed(EVERYTHING, "marketing") == EVERYTHING.model_copy(update={"marketing_emails": False})


def test_product_stops_personalized_notifications_only() -> None:
    after = unsubscribed(EVERYTHING, "product")
    assert after.personalized_notifications.enabled is False
    assert after.model_copy(update={"personalized_notifications": EVERYTHING.personalized_notifications}) == EVERYTHING


def test_unsubscribing_twice_changes_nothing_the_second_time() -> None:
    for scope in ("all", "marketing", "product"):
        once = unsubscribed(EVERYTHING, scope)
        assert unsubscribed(once, scope) == once


# ---------- The redirect allowlist ----------


@pytest.mark.parametrize(
    "target",
    [
        "https://nudge.example",
        "https://nudge.example/surveys/s-1?utm_source=email#top",
        "https://www.nudge.example/x",
        "https://SHOP.example.com/p/1",
        "https://a.b.shop.example.com/%20encoded-path",
    ],
)
def test_https_targets_on_allowed_domains_pass(target: str) -> None:
    assert allowed_target(target, ALLOWED) == target


@pytest.mark.parametrize(
    "target",
    [
        "http://nudge.example/",  # not https
        "HTTPS://nudge.example/",
        "javascript:alert(1)",
        "data:text/html,hi",
        "//evil.example/",  # protocol-relative
        "/local/path",
        "https:/nudge.example",
        "https:nudge.example",
        "https://evil.example/",
        "https://nudge.example@evil.example/",  # userinfo
        "https://user:pw@nudge.example/",
        "https://nudge.example:8443/",  # a port
        "https://nudge.example.evil.example/",
        "https://evilnudge.example/",
        "https://nudge.example\\@evil.example/",  # backslash
        "https:\\\\evil.example",
        "https://nudge.example/ path",  # whitespace
        "https://nudge.example/\tx",
        "https://evil.example\r\nLocation: https://nudge.example",
        "https://nudge.example%2eevil.example/",  # percent-encoded host
        "https://nudgé.example/",  # non-ASCII
        "https://xn--nudg-gsa.example/",
        "https://nudge.example./",
        "https://[::1]/",
        "https://127.0.0.1/",
        "https://" + "a" * 2048 + ".nudge.example/",
        "",
    ],
)
def test_anything_else_is_refused_naming_the_target(target: str) -> None:
    with pytest.raises(Forbidden) as refused:
        allowed_target(target, ALLOWED)
    assert (refused.value.status, refused.value.field) == (403, "target")


def test_a_click_link_is_refused_when_made_for_a_target_off_the_list() -> None:
    with pytest.raises(Forbidden):
        click_token(KEY, ClickLink("ana", "n-1", None, "https://evil.example/"), ALLOWED, NOW)


def test_a_click_token_names_user_notification_campaign_and_target() -> None:
    link = ClickLink("ana", "n-1", "c-1", "https://nudge.example/s/1")
    assert read_click(KEY, click_token(KEY, link, ALLOWED, NOW, days=1), NOW) == link
    without_campaign = ClickLink("ana", "n-1", None, "https://nudge.example/s/1")
    assert read_click(KEY, click_token(KEY, without_campaign, ALLOWED, NOW), NOW) == without_campaign


@pytest.mark.parametrize(
    "link",
    [
        ClickLink("has space", "n-1", None, "https://nudge.example/"),
        ClickLink("ana", "n/1", None, "https://nudge.example/"),
    ],
)
def test_a_click_link_the_redirect_would_refuse_is_never_made(link: ClickLink) -> None:
    with pytest.raises(ValidationError):
        click_token(KEY, link, ALLOWED, NOW)


def test_an_unsubscribe_link_for_an_id_no_provider_issues_is_never_made() -> None:
    with pytest.raises(ValidationError):
        unsubscribe_token(KEY, "ana/../bob", "all", NOW, days=1)


def test_signed_click_claims_of_the_wrong_shape_are_refused_as_not_made_by_nudge() -> None:
    claims = {"u": "ana", "n": "n-1", "c": "c-1"}  # no target
    token = sign(KEY, CLICK_PURPOSE, claims, NOW + timedelta(days=1))
    with pytest.raises(Forbidden, match="not made by Nudge"):
        read_click(KEY, token, NOW)


def test_an_unsubscribe_token_is_no_click_token() -> None:
    with pytest.raises(Forbidden):
        read_click(KEY, unsubscribe_token(KEY, "ana", "all", NOW, days=1), NOW)


# ---------- The suppression list ----------


_NONE = SuppressionItem(0, None, None)


class FakeSuppressionStore:
    def __init__(self) -> None:
        self.items: dict[str, SuppressionItem] = {}
        self.audits: list[dict[str, Any]] = []
        self.batches: list[list[str]] = []

    def get(self, address_hash: str) -> SuppressionItem | None:
        return self.items.get(address_hash)

    def suppressed_among(self, address_hashes: Sequence[str]) -> set[str]:
        self.batches.append(list(address_hashes))
        return {address_hash for address_hash in address_hashes if (self.get(address_hash) or _NONE).since}

    def suppress(self, address_hash: str, reason: str, now: datetime) -> SuppressionItem:
        item = self.items.get(address_hash) or SuppressionItem(0, None, None)
        self.items[address_hash] = item._replace(since=item.since or now, reason=item.reason or reason)
        return self.items[address_hash]

    def add_soft_bounce(self, address_hash: str) -> int:
        item = self.items.get(address_hash) or SuppressionItem(0, None, None)
        self.items[address_hash] = item._replace(soft_bounces=item.soft_bounces + 1)
        return self.items[address_hash].soft_bounces

    def reset_soft_bounces(self, address_hash: str) -> None:
        if address_hash in self.items:
            self.items[address_hash] = self.items[address_hash]._replace(soft_bounces=0)

    def lift(self, address_hash: str, audit: dict[str, Any]) -> bool:
        if address_hash not in self.items or self.items[address_hash].since is None:
            return False
        del self.items[address_hash]
        self.audits.append(audit)
        return True


class FakeAudit:
    def put_request(self, record: Any) -> dict[str, Any]:
        return {"Put": record.model_dump(mode="json")}


def _digest(purpose: str, message: str) -> bytes:
    return KEY.digest(purpose, message)


def _suppressions(threshold: int = 3) -> tuple[SuppressionList, FakeSuppressionStore]:
    store = FakeSuppressionStore()
    return SuppressionList(store, threshold, _digest), store


def test_the_third_soft_bounce_in_a_row_suppresses_not_the_second() -> None:
    suppressions, _ = _suppressions()
    first = suppressions.record_soft_bounce("ana@example.com", NOW)
    second = suppressions.record_soft_bounce("ana@example.com", NOW + timedelta(hours=1))
    assert (first.soft_bounces_in_a_row, second.soft_bounces_in_a_row, second.suppressed) == (1, 2, False)
    third = suppressions.record_soft_bounce("ana@example.com", NOW + timedelta(hours=2))
    assert (third.suppressed, third.reason, third.since) == (True, "soft_bounces", NOW + timedelta(hours=2))
    assert suppressions.is_suppressed("ana@example.com")


def test_a_delivery_between_soft_bounces_starts_the_run_again() -> None:
    suppressions, _ = _suppressions()
    suppressions.record_soft_bounce("ana@example.com", NOW)
    suppressions.record_soft_bounce("ana@example.com", NOW)
    suppressions.record_delivery("ana@example.com")
    after = suppressions.record_soft_bounce("ana@example.com", NOW)
    assert (after.soft_bounces_in_a_row, after.suppressed) == (1, False)


def test_a_threshold_of_one_suppresses_at_the_first_soft_bounce() -> None:
    suppressions, _ = _suppressions(threshold=1)
    assert suppressions.record_soft_bounce("ana@example.com", NOW).suppressed


def test_a_delivery_does_not_lift_a_suppression() -> None:
    suppressions, _ = _suppressions()
    suppressions.record_hard_bounce("ana@example.com", NOW)
    suppressions.record_delivery("ana@example.com")
    assert suppressions.is_suppressed("ana@example.com")


def test_the_first_suppression_keeps_its_time_and_reason() -> None:
    suppressions, _ = _suppressions()
    suppressions.record_complaint("ana@example.com", NOW)
    later = suppressions.record_hard_bounce("ana@example.com", NOW + timedelta(days=1))
    assert (later.reason, later.since) == ("complaint", NOW)


def test_addresses_are_compared_trimmed_and_in_lower_case_and_stored_only_as_a_keyed_hash() -> None:
    suppressions, store = _suppressions()
    suppressions.record_hard_bounce(" Ana@Example.COM ", NOW)
    assert suppressions.is_suppressed("ana@example.com")
    assert not suppressions.is_suppressed("bob@example.com")
    [stored] = store.items
    assert "ana" not in stored
    assert stored == KEY.digest("suppression", "ana@example.com").hex()


def test_lifting_needs_an_admin_and_is_audited_without_the_address() -> None:
    suppressions, store = _suppressions()
    suppressions.record_hard_bounce("ana@example.com", NOW)
    with pytest.raises(Forbidden):
        suppressions.lift("ana@example.com", Actor("bob", is_admin=False), NOW, FakeAudit())
    lifted = suppressions.lift("ana@example.com", Actor("root", is_admin=True), NOW, FakeAudit())
    assert (lifted.suppressed, suppressions.is_suppressed("ana@example.com")) == (False, False)
    [audit] = store.audits
    assert audit["Put"]["action"] == "suppression.lift"
    assert audit["Put"]["before"]["reason"] == "hard_bounce"
    assert "ana" not in json.dumps(audit)


def test_lifting_an_address_that_is_not_suppressed_is_404() -> None:
    suppressions, _ = _suppressions()
    suppressions.record_soft_bounce("ana@example.com", NOW)
    with pytest.raises(NotFound) as missing:
        suppressions.lift("ana@example.com", Actor("root", is_admin=True), NOW, FakeAudit())
    assert missing.value.field == "email"


def test_a_batch_of_addresses_answers_which_are_suppressed_in_one_read_of_their_hashes() -> None:
    suppressions, store = _suppressions()
    suppressions.record_hard_bounce("Ana@Example.com", NOW)
    suppressions.record_soft_bounce("bo@example.com", NOW)  # counted, not suppressed

    found = suppressions.suppressed([" ana@example.com", "bo@example.com", "cy@example.com"])

    assert found == {" ana@example.com"}
    addresses = ("ana@example.com", "bo@example.com", "cy@example.com")
    assert store.batches == [[suppressions.address_hash(address) for address in addresses]]
