"""Engagement events through POST /v1/events and EventBridge (moto): stored and counted with the user's
behavioral-tracking consent, and without it not stored anywhere."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from local_runtime.runtime import LocalStack
from nudge.behavior.behavior_table import behavior_table
from nudge.profiles.consent import ConsentSettings, apply_consent
from nudge.profiles.profile_table import profile_table
from tests.builders import created, engaged
from tests.integration.conftest import Api
from tests.integration.test_eventbridge import _publish
from tests.integration.test_personal_data import items_naming

RECENTLY = datetime.now(UTC) - timedelta(hours=2)


def consent_to_tracking(user: str, allowed: bool = True) -> None:
    profiles = profile_table()
    current = profiles.get_consent(user)
    update = apply_consent(current, ConsentSettings(behavioral_tracking=allowed), RECENTLY, "", "", "test")
    assert profiles.save_consent(user, update.record, current.version, update.changes)


def views(count: int, category: str = "TECH_SAAS") -> list[dict[str, Any]]:
    return [engaged(f"view-{index}", at=RECENTLY, category=category) for index in range(count)]


def test_without_consent_engagement_events_are_listed_as_not_tracked_and_stored_nowhere(
    api: Api, stack: LocalStack, user: str
) -> None:
    answer = api.call("POST", "/v1/events", {"events": views(3)}, user=user)

    assert answer.status == 200
    assert answer.body["accepted_event_ids"] == []
    assert answer.body["not_tracked"] == [{"event_id": f"view-{i}", "reason": "no_consent"} for i in range(3)]
    assert items_naming(stack, user) == []


def test_transaction_events_are_not_gated_by_tracking_consent(api: Api, user: str) -> None:
    answer = api.call("POST", "/v1/events", {"events": [created("r1"), *views(1)]}, user=user)

    assert (answer.body["accepted_event_ids"], answer.body["signals"]["requests_created"]) == (["r1"], 1)
    assert [stored.event.event_id for stored in behavior_table().export_user(user).events] == ["r1"]


def test_with_consent_engagement_is_stored_and_counted(api: Api, user: str) -> None:
    consent_to_tracking(user)
    events = [*views(2), engaged("done", "survey_complete", at=RECENTLY, category="EDUCATION")]

    answer = api.call("POST", "/v1/events", {"events": events}, user=user)

    assert answer.body["accepted_event_ids"] == ["view-0", "view-1", "done"]
    assert answer.body["not_tracked"] == []
    exported = behavior_table().export_user(user)
    assert exported.engagement is not None
    assert (exported.engagement.total_product_views, exported.engagement.total_surveys) == (2, 1)
    assert exported.engagement.daily_points == {RECENTLY.date().isoformat(): 2 + 2 + 10 + 1}
    assert sorted(exported.engagement.interest) == ["TECH_SAAS"]


def test_withdrawing_consent_takes_effect_on_the_next_request(api: Api, user: str) -> None:
    consent_to_tracking(user)
    api.call("POST", "/v1/events", {"events": views(1)}, user=user)
    consent_to_tracking(user, allowed=False)

    answer = api.call("POST", "/v1/events", {"events": [engaged("later", at=RECENTLY)]}, user=user)

    assert answer.body["not_tracked"] == [{"event_id": "later", "reason": "no_consent"}]
    exported = behavior_table().export_user(user)
    assert exported.engagement is not None
    assert exported.engagement.total_product_views == 1
    assert "later" not in {stored.event.event_id for stored in exported.events}


def test_an_admin_posting_for_a_user_is_gated_by_that_users_consent(api: Api, user: str) -> None:
    answer = api.call("POST", "/v1/events", {"user_id": user, "events": views(1)}, user="ops", admin=True)

    assert answer.body["not_tracked"] == [{"event_id": "view-0", "reason": "no_consent"}]


def test_each_engagement_type_requires_what_it_is_about(api: Api, user: str) -> None:
    bad = [
        {"event_id": "a", "type": "product_view", "occurred_at": RECENTLY.isoformat()},
        {"event_id": "b", "type": "notification_click", "occurred_at": RECENTLY.isoformat()},
        engaged("c", category="HEALTH"),
        engaged("d", duration_seconds=-1),
        engaged("e", source="fax"),
        engaged("f", "survey_start", duration_seconds="30"),
    ]

    answer = api.call("POST", "/v1/events", {"events": bad}, user=user)

    assert answer.status == 422
    fields = {problem["field"] for problem in answer.body["error"]["fields"]}
    assert {
        "events[0].product_view.product_id",
        "events[1].notification_click.notification_id",
        "events[2].product_view.category",
        "events[3].product_view.duration_seconds",
        "events[4].product_view.source",
        "events[5].survey_start.duration_seconds",
    } <= fields


def test_published_engagement_events_are_gated_by_consent_too(stack: LocalStack, user: str) -> None:
    _publish(stack, user, engaged("bridge-view", at=RECENTLY))
    assert stack.bridge.deliver_pending() == 1
    assert items_naming(stack, user) == []

    consent_to_tracking(user)
    _publish(stack, user, engaged("bridge-view", at=RECENTLY))
    assert stack.bridge.deliver_pending() == 1
    exported = behavior_table().export_user(user)
    assert [stored.event.event_id for stored in exported.events] == ["bridge-view"]
