"""Brands' survey analytics against moto: two brands' tokens, a user and an admin; only consenting
respondents count; small cells and the subtraction rule; bounded reads and a response's write cost;
erasure leaves the aggregates as they were."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local_runtime.runtime import LocalStack
from nudge.analytics.analytics_table import survey_analytics_table
from nudge.behavior.behavior_table import behavior_table
from tests.builders import engaged
from tests.integration.conftest import Api
from tests.integration.test_eventbridge import _publish

QUESTIONS = [
    {"question_id": "nps", "type": "nps", "text": "How likely are you to recommend us?"},
    {"question_id": "why", "type": "text", "text": "Why?", "required": False},
]
# (how many, profile demographics or None, analytics sharing, NPS, text)
GROUPS: list[tuple[int, dict[str, Any] | None, bool, int, str | None]] = [
    (12, {"age_range": "25-34", "gender": "female", "location": {"country": "US", "state": "CA"}}, True, 9,
     "Love the battery life"),
    (10, {"age_range": "35-44", "gender": "male", "location": {"country": "US", "state": "NY"}}, True, 3,
     "Awful battery, slow support"),
    (3, {"age_range": "65+", "gender": "female", "location": {"country": "US", "state": "CA", "city": "Fresno"}},
     True, 7, None),
    (4, {"age_range": "25-34", "gender": "male", "location": {"country": "US", "state": "CA"}}, False, 0,
     "terrible battery"),
]  # fmt: skip


def analytics_path(brand: str, survey_id: str) -> str:
    return f"/v1/brands/{brand}/surveys/{survey_id}/analytics"


def respondent(api: Api, survey_id: str, group: tuple[int, dict[str, Any] | None, bool, int, str | None]) -> str:
    _, demographics, sharing, nps, text = group
    user = f"user-{uuid.uuid4().hex[:12]}"
    if demographics is not None:
        profile = {"email": f"{user}@example.com", "demographics": demographics}
        assert api.call("PUT", f"/v1/users/{user}/profile", profile, user=user).status == 200
    assert api.call("PUT", f"/v1/users/{user}/consent", {"analytics_sharing": sharing}, user=user).status == 200
    answers = [{"question_id": "nps", "value": nps}] + ([{"question_id": "why", "value": text}] if text else [])
    started = (datetime.now(UTC) - timedelta(seconds=120)).isoformat()
    body = {"answers": answers, "channel": "app", "started_at": started}
    answer = api.call("POST", f"/v1/surveys/{survey_id}/responses", body, user=user)
    assert answer.status == 201, answer.body
    return user


@pytest.fixture(scope="module")
def surveyed(stack: LocalStack) -> tuple[str, str, str, list[str]]:
    """A published survey of one brand with 29 responses (25 sharing); another brand; the respondents."""
    api = Api(stack)
    suffix = uuid.uuid4().hex[:8]
    acme, globex, survey_id = f"acme-{suffix}", f"globex-{suffix}", f"survey-{suffix}"
    body = {"title": "Battery NPS", "category": "TECH_SAAS", "questions": QUESTIONS, "status": "published"}
    assert api.call("PUT", f"/v1/brands/{acme}/surveys/{survey_id}", body, user="b", brand=acme).status == 200
    users = [respondent(api, survey_id, group) for group in GROUPS for _ in range(group[0])]
    return acme, globex, survey_id, users


def test_the_brand_sees_consenting_respondents_in_cells_of_ten_or_more(
    api: Api, surveyed: tuple[str, str, str, list[str]]
) -> None:
    acme, _, survey_id, _ = surveyed
    answer = api.call("GET", analytics_path(acme, survey_id), user="b", brand=acme)
    assert answer.status == 200, answer.body
    shown = answer.body
    assert shown["response_count"] == 25  # the 4 who do not share analytics count nowhere
    # 65+ (3) is hidden; 25 - 12 - 10 = 3 would reveal it, so 35-44 is hidden too.
    sentiment = {"positive": 12, "neutral": None, "negative": None}
    assert shown["demographics"]["by_age"] == [
        {"age_range": "25-34", "response_count": 12, "avg_nps": 9.0, "sentiment": sentiment}
    ]
    assert shown["demographics"]["by_gender"] == [
        {"gender": "female", "response_count": 15, "avg_nps": 8.6},
        {"gender": "male", "response_count": 10, "avg_nps": 3.0},
    ]
    rows = shown["demographics"]["by_location"]
    assert [(row["country"], row.get("state"), row["response_count"]) for row in rows] == [
        ("US", None, 25), ("US", "CA", 15), ("US", "NY", 10),
    ]  # fmt: skip
    assert "Fresno" not in str(shown)
    assert "user-" not in str(shown)
    frequencies = [keyword["frequency"] for keyword in shown["insights"]["top_keywords"]]
    assert frequencies == sorted(frequencies, reverse=True)
    assert {k["word"]: k["frequency"] for k in shown["insights"]["top_keywords"]} == {
        "battery": 22, "love": 12, "life": 12, "awful": 10, "slow": 10, "support": 10,
    }  # fmt: skip
    [trend] = shown["insights"]["sentiment_trend"]
    assert trend["date"] == datetime.now(UTC).date().isoformat()
    assert -1 <= trend["score"] <= 1
    ttc = shown["engagement"]["time_to_complete"]
    assert 119 <= ttc["avg"] <= 180
    assert abs(ttc["median"] - ttc["avg"]) <= 0.03 * ttc["avg"]
    assert shown["engagement"]["completion_by_channel"] == [{"channel": "app", "response_count": 25}]
    assert shown["engagement"]["dropoff_rate"] is None
    assert shown["funnel"] == {
        "notification_sent": 0, "notification_opened": 0, "survey_started": 0, "survey_completed": 25,
    }  # fmt: skip


def test_only_that_brand_or_an_admin_reads_it(api: Api, surveyed: tuple[str, str, str, list[str]]) -> None:
    acme, globex, survey_id, _ = surveyed
    own = api.call("GET", analytics_path(acme, survey_id), user="b", brand=acme)
    assert api.call("GET", analytics_path(acme, survey_id), user="admin-1", admin=True).body == own.body
    assert api.call("GET", analytics_path(acme, survey_id), user="g", brand=globex).status == 404
    # Another brand's survey under the brand's own path looks absent too.
    assert api.call("GET", analytics_path(globex, survey_id), user="g", brand=globex).status == 404
    assert api.call("GET", analytics_path(acme, survey_id), user="alice").status == 403


def test_bad_input_is_a_clear_4xx(api: Api, surveyed: tuple[str, str, str, list[str]]) -> None:
    acme, _, _, _ = surveyed
    missing = api.call("GET", analytics_path(acme, "no-such-survey"), user="b", brand=acme)
    assert missing.status == 404
    assert missing.body["error"]["fields"][0]["field"] == "survey_id"
    too_long = api.call("GET", analytics_path(acme, "s" * 129), user="b", brand=acme)
    assert too_long.status == 422
    assert too_long.body["error"]["fields"][0]["field"] == "survey_id"


def test_reading_is_three_calls_and_a_response_one_transaction(
    api: Api, stack: LocalStack, surveyed: tuple[str, str, str, list[str]]
) -> None:
    acme, _, survey_id, _ = surveyed
    assert stack.recorder is not None, "the session's stack records calls"
    with stack.recorder.capture() as calls:
        assert api.call("GET", analytics_path(acme, survey_id), user="b", brand=acme).status == 200
    assert sorted(call.operation for call in calls) == ["dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Query"]
    with stack.recorder.capture() as calls:
        respondent(api, survey_id, GROUPS[0])
    writes = [call for call in calls if call.function_id == "SubmitSurveyResponseFunction"]
    transaction = [call for call in writes if call.operation == "dynamodb:TransactWriteItems"]
    assert len(transaction) == 1
    # The response, 7 cells (total, channel, day, age, gender, country, state), 3 keywords (love, battery, life).
    assert len(transaction[0].accesses) == 1 + 7 + 3


def test_erasure_anonymizes_a_response_and_leaves_the_aggregates_as_they_were(
    api: Api, stack: LocalStack, surveyed: tuple[str, str, str, list[str]]
) -> None:
    acme, _, survey_id, users = surveyed
    before = api.call("GET", analytics_path(acme, survey_id), user="b", brand=acme).body
    assert api.call("DELETE", f"/v1/users/{users[0]}", user=users[0]).status == 202
    stack.bridge.drain()
    after = api.call("GET", analytics_path(acme, survey_id), user="b", brand=acme).body
    assert after == before


# ---------- the funnel's survey_started, from tracked survey_start events ----------

SHARING = {"behavioral_tracking": True, "analytics_sharing": True}


def funnel_survey(api: Api) -> tuple[str, str]:
    """A published survey of a brand of its own, so its funnel counts only this test's starts."""
    suffix = uuid.uuid4().hex[:8]
    brand, survey_id = f"initech-{suffix}", f"survey-{suffix}"
    body = {"title": "Onboarding", "category": "TECH_SAAS", "questions": QUESTIONS, "status": "published"}
    assert api.call("PUT", f"/v1/brands/{brand}/surveys/{survey_id}", body, user="b", brand=brand).status == 200
    return brand, survey_id


def starter(api: Api, consent: dict[str, bool]) -> str:
    user = f"user-{uuid.uuid4().hex[:12]}"
    assert api.call("PUT", f"/v1/users/{user}/consent", consent, user=user).status == 200
    return user


def start(api: Api, user: str, survey_id: str, event_id: str) -> dict[str, Any]:
    at = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    body = {"events": [{"event_id": event_id, "type": "survey_start", "occurred_at": at, "survey_id": survey_id}]}
    answer = api.call("POST", "/v1/events", body, user=user)
    assert answer.status == 200, answer.body
    return answer.body  # type: ignore[no-any-return]


def started(survey_id: str) -> int:
    """The stored counter (the route hides counts from 1 to 9)."""
    return survey_analytics_table().aggregates(survey_id).funnel.get("survey_started", 0)


def test_a_sharing_users_starts_of_a_survey_count_once_however_many_and_however_redelivered(
    api: Api, stack: LocalStack
) -> None:
    _, survey_id = funnel_survey(api)
    user = starter(api, SHARING)

    assert start(api, user, survey_id, "start-1")["accepted_event_ids"] == ["start-1"]
    assert start(api, user, survey_id, "start-2")["accepted_event_ids"] == ["start-2"]
    assert start(api, user, survey_id, "start-1")["duplicate_event_ids"] == ["start-1"]
    stack.bridge.drain()  # what earlier calls left on the bus
    _publish(stack, user, engaged("start-3", "survey_start", survey_id=survey_id))
    _publish(stack, user, engaged("start-3", "survey_start", survey_id=survey_id))  # the bus delivering twice
    assert stack.bridge.deliver_pending() == 2

    assert started(survey_id) == 1
    engagement = behavior_table().export_user(user).engagement
    assert engagement is not None
    assert engagement.started_survey_ids == [survey_id]  # the memory is the user's own data


def test_starts_without_analytics_sharing_or_without_tracking_count_nowhere(api: Api) -> None:
    _, survey_id = funnel_survey(api)
    not_sharing = starter(api, {"behavioral_tracking": True})
    untracked = starter(api, {"analytics_sharing": True})

    assert start(api, not_sharing, survey_id, "start-1")["accepted_event_ids"] == ["start-1"]
    assert start(api, untracked, survey_id, "start-1")["not_tracked"] == [
        {"event_id": "start-1", "reason": "no_consent"}
    ]

    assert started(survey_id) == 0
    assert behavior_table().export_user(untracked).engagement is None


def test_the_brand_sees_survey_started_from_ten_starters_and_the_dropoff_from_it(api: Api) -> None:
    brand, survey_id = funnel_survey(api)
    starters = [starter(api, SHARING) for _ in range(12)]
    for user in starters:
        start(api, user, survey_id, "start")
    before = api.call("GET", analytics_path(brand, survey_id), user="b", brand=brand).body
    assert before["funnel"]["survey_started"] == 12
    assert before["engagement"]["dropoff_rate"] is None  # no response yet: fewer than 10 completed
    answers = [{"question_id": "nps", "value": 8}]
    for user in starters[:10]:
        answer = api.call(
            "POST", f"/v1/surveys/{survey_id}/responses", {"answers": answers, "channel": "app"}, user=user
        )
        assert answer.status == 201, answer.body

    shown = api.call("GET", analytics_path(brand, survey_id), user="b", brand=brand).body

    assert shown["funnel"] == {
        "notification_sent": 0, "notification_opened": 0, "survey_started": 12, "survey_completed": 10,
    }  # fmt: skip
    assert shown["engagement"]["dropoff_rate"] == round(1 - 10 / 12, 3) == 0.167


def test_a_few_starters_are_hidden_from_the_brand(api: Api) -> None:
    brand, survey_id = funnel_survey(api)
    for _ in range(9):
        start(api, starter(api, SHARING), survey_id, "start")

    shown = api.call("GET", analytics_path(brand, survey_id), user="b", brand=brand).body

    assert started(survey_id) == 9
    assert shown["funnel"]["survey_started"] is None


def test_a_start_is_still_one_read_and_one_transaction_its_funnel_count_included(api: Api, stack: LocalStack) -> None:
    _, survey_id = funnel_survey(api)
    user = starter(api, SHARING)
    assert stack.recorder is not None, "the session's stack records calls"

    with stack.recorder.capture() as calls:
        start(api, user, survey_id, "start")

    ingestion = [call for call in calls if call.function_id == "IngestEventsFunction"]
    assert [call.operation for call in ingestion] == ["dynamodb:BatchGetItem", "dynamodb:TransactWriteItems"]
    assert [denial for call in ingestion for denial in stack.recorder.policies.denials(call)] == []
    analytics = stack.template.ref("SurveyAnalyticsTable")
    assert [access.action for access in ingestion[1].accesses if access.resource.endswith(f"/{analytics}")] == [
        "dynamodb:UpdateItem"
    ]
    assert started(survey_id) == 1
