"""Why a user received a notification: the reasons (stored reason, campaign, template category, segment rules in
plain words) and the controls as API calls, without AWS; another user's notification looks absent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest

from nudge.errors import Forbidden, NotFound
from nudge.notifications.campaigns import Campaign
from nudge.notifications.delivery_table import DeliveryRecord
from nudge.notifications.explanation import NotificationExplanation, NotificationPath, explain, rules_in_words
from nudge.notifications.segments import Segment, SegmentRules
from nudge.notifications.templates import NotificationTemplate
from nudge.users.actor import Actor

AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
REASON = "You see this because you selected 'GAMING' as an interest"


class FakeDeliveries:
    def __init__(self) -> None:
        self.records = {
            "n-1": DeliveryRecord(
                user_id="ana",
                campaign_id="cmp-1",
                channel="email",
                status="sent",
                at=AT,
                reason=REASON,
                notification_id="n-1",
                campaign_name="Spring survey",
                updated_at=AT,
            )
        }

    def user_delivery(self, user_id: str, notification_id: str) -> DeliveryRecord | None:
        record = self.records.get(notification_id)
        return record if record is not None and record.user_id == user_id else None


class FakeNotifications:
    def __init__(self, category: str = "marketing", segment_updated: datetime = AT - timedelta(days=1)) -> None:
        self.campaigns = {
            "cmp-1": Campaign.model_validate(
                {
                    "campaign_id": "cmp-1",
                    "name": "Spring survey",
                    "type": "survey_invite",
                    "segment_id": "seg-1",
                    "template_id": "tpl-1",
                    "channels": ["email"],
                    "status": "sent",
                    "created_at": AT,
                    "updated_at": AT,
                    "version": 3,
                }
            )
        }
        self.template = NotificationTemplate.model_validate(
            {
                "template_id": "tpl-1",
                "name": "Survey",
                "category": category,
                "email": {"subject": "Hi", "html": "<p>Hi</p>", "text": "Hi"},
                "created_at": AT,
                "updated_at": AT,
                "version": 1,
            }
        )
        rules = SegmentRules(countries=["IS"], categories=["GAMING", "SPORTS"])
        self.segment = Segment(
            segment_id="seg-1", name="Gamers", rules=rules, created_at=AT, updated_at=segment_updated, version=1
        )

    def get_campaign(self, campaign_id: str) -> Campaign | None:
        return self.campaigns.get(campaign_id)

    def get_template(self, template_id: str) -> NotificationTemplate | None:
        return self.template if template_id == "tpl-1" else None

    def get_segment(self, segment_id: str) -> Segment | None:
        return self.segment if segment_id == "seg-1" else None


def why(
    user: str, notification_id: str, notifications: FakeNotifications | None = None, **actor: bool
) -> NotificationExplanation:
    path = NotificationPath(user_id="ana", notification_id=notification_id)
    tables = cast(Any, FakeDeliveries()), cast(Any, notifications or FakeNotifications())
    return explain(*tables, Actor(user, actor.get("is_admin", False)), path)


def test_the_owner_sees_the_reasons_and_the_controls() -> None:
    answer = why("ana", "n-1")

    assert (answer.reason, answer.channel, answer.status, answer.at) == (REASON, "email", "sent", AT)
    assert answer.campaign is not None
    assert answer.campaign.model_dump() == {
        "campaign_id": "cmp-1",
        "name": "Spring survey",
        "type": "survey_invite",
        "priority": "normal",
        "category": "marketing",
    }
    assert answer.matched_rules == [
        "Your profile says you live in one of: IS",
        "You selected one of these interests: GAMING, SPORTS",
    ]
    assert answer.rules_changed_since is False
    controls = {control.action: control for control in answer.controls}
    assert list(controls) == ["stop_category", "adjust_preferences", "unsubscribe"]
    assert (controls["stop_category"].method, controls["stop_category"].path) == ("PUT", "/v1/users/ana/consent")
    assert controls["stop_category"].body == {"marketing_emails": False}
    assert (controls["adjust_preferences"].method, controls["adjust_preferences"].path) == (
        "PATCH",
        "/v1/users/ana/profile",
    )
    assert controls["adjust_preferences"].body == {"notification_preferences": {"email": {"enabled": False}}}
    assert controls["unsubscribe"].body == {
        "personalized_notifications": {"enabled": False},
        "marketing_emails": False,
        "behavioral_tracking": False,
    }


def test_a_product_template_stops_personalized_notifications_and_a_later_edit_is_flagged() -> None:
    answer = why("ana", "n-1", FakeNotifications(category="product", segment_updated=AT + timedelta(hours=1)))

    [stop] = [control for control in answer.controls if control.action == "stop_category"]
    assert stop.body == {"personalized_notifications": {"enabled": False}}
    assert answer.rules_changed_since is True


def test_a_gone_campaign_keeps_the_stored_reason_and_the_controls_that_need_no_category() -> None:
    notifications = FakeNotifications()
    notifications.campaigns.clear()

    answer = why("ana", "n-1", notifications)

    assert (answer.reason, answer.campaign, answer.matched_rules) == (REASON, None, [])
    assert [control.action for control in answer.controls] == ["adjust_preferences", "unsubscribe"]


def test_an_admin_sees_it_and_another_user_is_refused() -> None:
    assert why("root", "n-1", is_admin=True).reason == REASON
    with pytest.raises(Forbidden):
        why("bob", "n-1")


def test_an_unknown_notification_is_not_found() -> None:
    with pytest.raises(NotFound) as raised:
        why("ana", "n-2")
    assert raised.value.field == "notification_id"


def test_rules_in_plain_words() -> None:
    rules = SegmentRules(age_ranges=["25-34"], languages=["en"], min_engagement_score=12.5)
    assert rules_in_words(rules) == [
        "Your age range is one of: 25-34",
        "Your profile lists one of these languages: en",
        "Your engagement score is at least 12.5",
    ]
    assert rules_in_words(SegmentRules()) == ["You opted in to personalized notifications"]
