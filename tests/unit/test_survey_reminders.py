"""Survey reminders without AWS: when one is due, what closes it without a message, the campaign it is sent
under, what a batch of events starts or completes, and how batches are cut so their reminders fit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from nudge.behavior.ingestion import EVENTS_PER_TRANSACTION, chunks
from nudge.behavior.ingestion_tables import survey_progress
from nudge.notifications.delivery_table import SurveyReminder
from nudge.notifications.survey_reminders import (
    EXPIRE_AFTER,
    Facts,
    drop_reason,
    reminder_campaign_fields,
    reminder_campaign_id,
    started_by,
)
from nudge.notifications.templates import NotificationTemplate
from tests.builders import NOW, engaged, event
from tests.unit.test_catalog import survey

AFTER = timedelta(hours=48)
READY = Facts(completed=False, tracking=True, survey_open=True, has_profile=True)


def reminder(started_ago: timedelta = AFTER, outcome: str | None = None) -> SurveyReminder:
    return SurveyReminder(user_id="u1", survey_id="s1", started_at=NOW - started_ago, outcome=outcome)


def is_due(started_ago: timedelta) -> bool:
    """As the job's query asks: the start at or before `started_by`."""
    started_at = reminder(started_ago).started_at
    assert started_at is not None
    return started_at <= started_by(NOW, AFTER)


def test_a_survey_started_exactly_48_hours_ago_is_due_one_started_a_minute_later_is_not() -> None:
    assert is_due(timedelta(hours=48))
    assert is_due(timedelta(hours=48, microseconds=1))
    assert not is_due(timedelta(hours=47, minutes=59))
    assert not is_due(timedelta(hours=47, minutes=59, seconds=59, microseconds=999_999))


def test_a_due_reminder_with_nothing_against_it_is_left_to_the_campaign_rules() -> None:
    assert drop_reason(reminder(), READY, NOW, AFTER) is None


@pytest.mark.parametrize(
    ("facts", "outcome"),
    [
        (READY._replace(completed=True), "completed"),
        (READY._replace(tracking=False), "no_tracking_consent"),
        (READY._replace(survey_open=False), "survey_closed"),
        (READY._replace(has_profile=False), "no_profile"),
        (Facts(completed=True, tracking=False, survey_open=False, has_profile=False), "completed"),
        (READY._replace(tracking=False, survey_open=False), "no_tracking_consent"),
    ],
)
def test_what_closes_a_reminder_without_a_message_first_reason_first(facts: Facts, outcome: str) -> None:
    assert drop_reason(reminder(), facts, NOW, AFTER) == outcome


def test_consent_withdrawn_after_the_start_closes_it_even_when_the_rest_would_send() -> None:
    withdrawn = READY._replace(tracking=False)
    assert drop_reason(reminder(timedelta(hours=50)), withdrawn, NOW, AFTER) == "no_tracking_consent"


def test_a_reminder_expires_only_past_a_week_after_its_time() -> None:
    assert drop_reason(reminder(AFTER + EXPIRE_AFTER), READY, NOW, AFTER) is None
    assert drop_reason(reminder(AFTER + EXPIRE_AFTER + timedelta(seconds=1)), READY, NOW, AFTER) == "expired"


def test_a_closed_reminder_written_again_by_a_later_start_keeps_its_outcome() -> None:
    assert drop_reason(reminder(outcome="queued"), READY, NOW, AFTER) == "already_decided"


def template(**channels: Any) -> NotificationTemplate:
    content = {
        "email": {"subject": "Finish {{survey_title}}", "html": "<a href='{{url}}'>go</a>", "text": "{{url}}"},
        "sms": {"text": "Finish {{survey_title}}: {{url}}"},
        "whatsapp": {"template_name": "survey_reminder", "language": "en_US", "parameters": ["{{survey_title}}"]},
    } | channels
    return NotificationTemplate.model_validate(
        {
            "template_id": "survey-reminder",
            "name": "Reminder",
            "category": "product",
            **content,
            "created_at": NOW,
            "updated_at": NOW,
            "version": 1,
        }
    )


def test_the_reminder_campaign_prefers_whatsapp_then_email_then_sms_at_normal_priority() -> None:
    fields = reminder_campaign_fields(survey(url="https://acme.nudge.example/s/nps"), template())
    assert (fields.campaign_id, fields.type, fields.segment_id) == (
        "survey-reminder-s1",
        "reminder",
        "survey-reminders",
    )
    assert (fields.channels, fields.priority) == (["whatsapp", "email", "sms"], "normal")
    assert (fields.data.survey_title, fields.data.url) == ("NPS", "https://acme.nudge.example/s/nps")
    assert fields.name == "Reminder: NPS"


def test_the_campaign_lists_only_the_channels_the_template_has() -> None:
    fields = reminder_campaign_fields(survey(), template(whatsapp=None, sms=None))
    assert fields.channels == ["email"]
    with pytest.raises(ValidationError):
        reminder_campaign_fields(survey(), template(whatsapp=None, sms=None, email=None))


def test_a_survey_id_too_long_for_a_campaign_id_gives_its_hash() -> None:
    long_id = "s" * 120
    assert reminder_campaign_id("s1") == "survey-reminder-s1"
    import hashlib

    assert reminder_campaign_id(long_id) == f"survey-reminder-{hashlib.sha256(long_id.encode()).hexdigest()}"


def test_a_batch_starts_each_survey_at_its_earliest_start_and_a_completion_wins() -> None:
    events = [
        event(engaged("a", "survey_start", at=NOW - timedelta(minutes=5), survey_id="s1")),
        event(engaged("b", "survey_start", at=NOW - timedelta(minutes=9), survey_id="s1")),
        event(engaged("c", "survey_start", at=NOW - timedelta(minutes=3), survey_id="s2")),
        event(engaged("d", "survey_complete", at=NOW - timedelta(minutes=1), survey_id="s2")),
        event(engaged("e", "survey_response", survey_id="s3")),
        event(engaged("f", "product_view")),
    ]
    assert survey_progress(events) == {"s1": NOW - timedelta(minutes=9), "s2": None}


def test_batches_are_cut_so_their_events_survey_reminders_and_funnel_counts_fit_one_transaction() -> None:
    distinct = [event(engaged(f"e{index}", "survey_start", survey_id=f"s{index}")) for index in range(100)]
    completed = [event(engaged(f"e{index}", "survey_complete", survey_id=f"s{index}")) for index in range(100)]
    same = [event(engaged(f"e{index}", "survey_start", survey_id="s1")) for index in range(100)]
    views = [event(engaged(f"e{index}")) for index in range(100)]
    assert [len(chunk) for chunk in chunks(distinct)] == [31, 31, 31, 7]  # an event, a reminder, a funnel count
    assert [len(chunk) for chunk in chunks(completed)] == [47, 47, 6]  # an event and a reminder
    assert [len(chunk) for chunk in chunks(same)] == [EVENTS_PER_TRANSACTION - 2, 7]
    assert [len(chunk) for chunk in chunks(views)] == [EVENTS_PER_TRANSACTION, 5]
    assert chunks([]) == []
