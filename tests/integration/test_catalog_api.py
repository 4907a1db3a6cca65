"""Brands' products and surveys, and users' responses, against moto: every route with two brands'
tokens, a non-brand user, bad input that writes nothing, the once-per-survey guard, consent-gated
engagement, and what goes out on the bus."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local_runtime.runtime import LocalStack
from tests.integration.conftest import Api


@pytest.fixture(autouse=True)
def answered_launches(stack: LocalStack) -> Iterator[None]:
    """The launches these tests publish reach the launch trigger's rule: delivered here, so a later test that
    counts deliveries sees its own only."""
    yield
    stack.bridge.drain()


class Bus:
    """Every catalog event published on Nudge's bus, through a rule and queue of the test's own."""

    def __init__(self, stack: LocalStack) -> None:
        self._sqs = stack.emulator.client("sqs")
        self._events = stack.emulator.client("events")
        self._bus = stack.template.ref("NudgeEventBus")
        self._queue = self._sqs.create_queue(QueueName=f"catalog-capture-{uuid.uuid4().hex[:8]}")["QueueUrl"]
        arn = self._sqs.get_queue_attributes(QueueUrl=self._queue, AttributeNames=["QueueArn"])["Attributes"]
        self._rule = f"catalog-capture-{uuid.uuid4().hex[:8]}"
        pattern = json.dumps({"source": ["nudge.catalog"]})
        self._events.put_rule(Name=self._rule, EventBusName=self._bus, EventPattern=pattern)
        self._events.put_targets(
            Rule=self._rule, EventBusName=self._bus, Targets=[{"Id": "capture", "Arn": arn["QueueArn"]}]
        )

    def received(self) -> list[tuple[str, dict[str, Any]]]:
        messages = self._sqs.receive_message(QueueUrl=self._queue, MaxNumberOfMessages=10).get("Messages", [])
        events = [json.loads(message["Body"]) for message in messages]
        return [(event["detail-type"], event["detail"]) for event in events]

    def close(self) -> None:
        self._events.remove_targets(Rule=self._rule, EventBusName=self._bus, Ids=["capture"])
        self._events.delete_rule(Name=self._rule, EventBusName=self._bus)
        self._sqs.delete_queue(QueueUrl=self._queue)


@pytest.fixture
def bus(stack: LocalStack) -> Iterator[Bus]:
    capture = Bus(stack)
    yield capture
    capture.close()


@pytest.fixture
def brands() -> tuple[str, str]:
    suffix = uuid.uuid4().hex[:8]
    return f"acme-{suffix}", f"globex-{suffix}"


def product_body(**changes: Any) -> dict[str, Any]:
    body = {"name": "Acme Cloud", "category": "TECH_SAAS", "description": "Hosted workflows"}
    return body | {"url": "https://acme.nudge.example/cloud"} | changes


def survey_body(**changes: Any) -> dict[str, Any]:
    questions = [
        {"question_id": "nps", "type": "nps", "text": "How likely are you to recommend us?"},
        {"question_id": "stars", "type": "rating", "text": "How do you rate it?"},
        {"question_id": "plan", "type": "choice", "text": "Which plan?", "options": ["free", "pro"]},
        {"question_id": "why", "type": "text", "text": "Why?", "required": False},
    ]
    return {"title": "Acme Cloud NPS", "category": "TECH_SAAS", "questions": questions, "status": "published"} | changes


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def put_product(api: Api, brand: str, product_id: str, body: dict[str, Any], as_brand: str | None = None) -> Any:
    return api.call("PUT", f"/v1/brands/{brand}/products/{product_id}", body, user="b", brand=as_brand or brand)


def put_survey(api: Api, brand: str, survey_id: str, body: dict[str, Any], as_brand: str | None = None) -> Any:
    return api.call("PUT", f"/v1/brands/{brand}/surveys/{survey_id}", body, user="b", brand=as_brand or brand)


def published_survey(api: Api, brand: str, **changes: Any) -> str:
    survey_id = new_id("survey")
    answer = put_survey(api, brand, survey_id, survey_body(**changes))
    assert answer.status == 200, answer.body
    return survey_id


ANSWERS = [
    {"question_id": "nps", "value": 9},
    {"question_id": "stars", "value": 4},
    {"question_id": "plan", "value": "pro"},
    {"question_id": "why", "value": "Fast and simple"},
]


def respond(api: Api, survey_id: str, user: str, **changes: Any) -> Any:
    body = {"answers": ANSWERS, "channel": "app"} | changes
    return api.call("POST", f"/v1/surveys/{survey_id}/responses", body, user=user)


# ---------- products ----------


def test_a_brand_writes_its_product_and_any_user_reads_it_once_launched(
    api: Api, bus: Bus, brands: tuple[str, str], user: str
) -> None:
    acme, _ = brands
    product_id = new_id("product")
    draft = put_product(api, acme, product_id, product_body())
    assert draft.status == 200, draft.body
    assert api.call("GET", f"/v1/products/{product_id}", user=user).status == 404  # not launched yet
    assert api.call("GET", f"/v1/products/{product_id}", user="b", brand=acme).status == 200
    assert bus.received() == []

    launched_at = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    launched = put_product(api, acme, product_id, product_body(launched_at=launched_at))
    again = put_product(api, acme, product_id, product_body(launched_at=launched_at, name="Acme Cloud 2"))

    assert (launched.status, again.status) == (200, 200)
    assert (again.body["version"], again.body["brand_id"], again.body["name"]) == (3, acme, "Acme Cloud 2")
    read = api.call("GET", f"/v1/products/{product_id}", user=user)
    assert read.status == 200
    assert (read.body["product_id"], read.body["category"], read.body["url"]) == (
        product_id,
        "TECH_SAAS",
        "https://acme.nudge.example/cloud",
    )
    [(detail_type, detail)] = bus.received()  # once, however often it is written after the launch
    assert detail_type == "product.launched"
    assert (detail["event_id"], detail["brand_id"], detail["category"], detail["url"]) == (
        f"product.launched:{product_id}",
        acme,
        "TECH_SAAS",
        "https://acme.nudge.example/cloud",
    )


def test_another_brands_product_looks_absent_and_a_non_brand_user_is_refused(
    api: Api, brands: tuple[str, str], user: str
) -> None:
    acme, globex = brands
    product_id = new_id("product")
    assert put_product(api, globex, product_id, product_body(name="Globex Phone")).status == 200

    through_own_path = put_product(api, acme, product_id, product_body())  # globex's id, acme's path
    through_their_path = put_product(api, globex, product_id, product_body(), as_brand=acme)
    plain_user = api.call("PUT", f"/v1/brands/{acme}/products/{new_id('p')}", product_body(), user=user)
    admin = api.call(
        "PUT", f"/v1/brands/{globex}/products/{product_id}", product_body(name="Fixed"), user="a", admin=True
    )

    assert (through_own_path.status, through_their_path.status, plain_user.status) == (404, 404, 403)
    assert admin.status == 200
    assert api.call("GET", f"/v1/products/{product_id}", user="b", brand=globex).body["name"] == "Fixed"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"url": "http://acme.example"}, "url"),
        ({"url": "https://" + "a" * 2050 + ".example"}, "url"),
        # Off RedirectAllowedDomains (nudge.example): launch emails link to it through the click redirect.
        ({"url": "https://acme.example/watch"}, "url"),
        ({"url": "https://nudge.example:8443/watch"}, "url"),
        ({"category": "WEAPONS"}, "category"),
        ({"name": ""}, "name"),
        ({"launched_at": (datetime.now(UTC) + timedelta(days=2)).isoformat()}, "launched_at"),
        ({"price": 3}, "price"),
    ],
)
def test_a_bad_product_is_refused_and_nothing_is_written(
    api: Api, brands: tuple[str, str], changes: dict[str, Any], field: str
) -> None:
    acme, _ = brands
    product_id = new_id("product")

    answer = put_product(api, acme, product_id, product_body(**changes))

    assert answer.status == 422, answer.body
    assert [problem["field"] for problem in answer.body["error"]["fields"]] == [field]
    assert api.call("GET", f"/v1/products/{product_id}", user="b", brand=acme).status == 404


def test_a_launched_products_launch_time_stays(api: Api, brands: tuple[str, str]) -> None:
    acme, _ = brands
    product_id = new_id("product")
    launched_at = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    assert put_product(api, acme, product_id, product_body(launched_at=launched_at)).status == 200

    answer = put_product(api, acme, product_id, product_body())

    assert (answer.status, answer.body["error"]["fields"][0]["field"]) == (409, "launched_at")


# ---------- surveys ----------


def test_publishing_a_survey_announces_it_and_users_see_only_published_surveys(
    api: Api, bus: Bus, brands: tuple[str, str], user: str
) -> None:
    acme, _ = brands
    survey_id = new_id("survey")
    assert put_survey(api, acme, survey_id, survey_body(status="draft")).status == 200
    assert api.call("GET", f"/v1/surveys/{survey_id}", user=user).status == 404
    assert bus.received() == []

    published = put_survey(api, acme, survey_id, survey_body())

    assert published.status == 200, published.body
    assert published.body["published_at"] is not None
    shown = api.call("GET", f"/v1/surveys/{survey_id}", user=user)
    assert (shown.status, shown.body["status"], len(shown.body["questions"])) == (200, "published", 4)
    [(detail_type, detail)] = bus.received()
    assert (detail_type, detail["survey_id"], detail["brand_id"]) == ("survey.published", survey_id, acme)


def test_survey_transitions_and_frozen_questions(api: Api, brands: tuple[str, str]) -> None:
    acme, _ = brands
    survey_id = published_survey(api, acme)
    fewer = survey_body()["questions"][:2]

    back_to_draft = put_survey(api, acme, survey_id, survey_body(status="draft"))
    new_questions = put_survey(api, acme, survey_id, survey_body(questions=fewer))
    retitled = put_survey(api, acme, survey_id, survey_body(title="Renamed"))
    closed = put_survey(api, acme, survey_id, survey_body(status="closed"))
    reopened = put_survey(api, acme, survey_id, survey_body())

    assert (back_to_draft.status, back_to_draft.body["error"]["fields"][0]["field"]) == (409, "status")
    assert (new_questions.status, new_questions.body["error"]["fields"][0]["field"]) == (409, "questions")
    assert (retitled.status, retitled.body["title"]) == (200, "Renamed")
    assert (closed.status, closed.body["status"]) == (200, "closed")
    assert reopened.status == 409


def test_a_survey_names_only_the_brands_own_product(api: Api, brands: tuple[str, str]) -> None:
    acme, globex = brands
    theirs, ours = new_id("product"), new_id("product")
    assert put_product(api, globex, theirs, product_body()).status == 200
    assert put_product(api, acme, ours, product_body()).status == 200
    survey_id = new_id("survey")

    refused = put_survey(api, acme, survey_id, survey_body(product_id=theirs))
    accepted = put_survey(api, acme, survey_id, survey_body(product_id=ours))

    assert (refused.status, refused.body["error"]["fields"][0]["field"]) == (422, "product_id")
    assert (accepted.status, accepted.body["product_id"]) == (200, ours)


def test_another_brands_survey_looks_absent(api: Api, brands: tuple[str, str], user: str) -> None:
    acme, globex = brands
    survey_id = new_id("survey")
    assert put_survey(api, globex, survey_id, survey_body(status="draft")).status == 200

    assert put_survey(api, acme, survey_id, survey_body()).status == 404
    assert put_survey(api, globex, survey_id, survey_body(), as_brand=acme).status == 404
    assert api.call("GET", f"/v1/surveys/{survey_id}", user="b", brand=acme).status == 404  # a draft of globex
    assert api.call("PUT", f"/v1/brands/{globex}/surveys/{survey_id}", survey_body(), user=user).status == 403
    assert api.call("GET", f"/v1/surveys/{survey_id}", user="b", brand=globex).body["status"] == "draft"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"questions": []}, "questions"),
        ({"status": "archived"}, "status"),
        ({"url": "https://evil.example/s"}, "url"),
        (
            {"questions": [{"question_id": "q", "type": "choice", "text": "Pick", "options": ["a", "a"]}]},
            "questions[0]",
        ),
        ({"questions": [{"question_id": "q", "type": "nps", "text": "Score", "options": ["a", "b"]}]}, "questions[0]"),
        ({"questions": [{"question_id": "q", "type": "slider", "text": "Slide"}]}, "questions[0].type"),
    ],
)
def test_a_bad_survey_is_refused_and_nothing_is_written(
    api: Api, brands: tuple[str, str], changes: dict[str, Any], field: str
) -> None:
    acme, _ = brands
    survey_id = new_id("survey")

    answer = put_survey(api, acme, survey_id, survey_body(**changes))

    assert answer.status == 422, answer.body
    assert [problem["field"] for problem in answer.body["error"]["fields"]] == [field]
    assert api.call("GET", f"/v1/surveys/{survey_id}", user="a", admin=True).status == 404


# ---------- responses ----------


def give_consent(api: Api, user: str, **consent: bool) -> None:
    assert api.call("PUT", f"/v1/users/{user}/consent", consent, user=user).status == 200


def behavior_items(stack: LocalStack, user: str) -> list[str]:
    items = stack.emulator.client("dynamodb").query(
        TableName=stack.template.ref("BehaviorTable"),
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"USER#{user}"}},
    )["Items"]
    return sorted(item["sk"]["S"] for item in items)


def test_a_response_is_stored_once_and_counted_for_engagement_with_consent(
    api: Api, stack: LocalStack, brands: tuple[str, str], user: str
) -> None:
    survey_id = published_survey(api, brands[0])
    give_consent(api, user, behavioral_tracking=True)
    started = (datetime.now(UTC) - timedelta(minutes=3)).isoformat()

    first = respond(api, survey_id, user, started_at=started)
    second = respond(api, survey_id, user)

    assert first.status == 201, first.body
    assert (first.body["engagement"], first.body["analytics_sharing"], first.body["demographics"]) == (
        "recorded",
        False,
        None,
    )
    assert [answer["type"] for answer in first.body["answers"]] == ["nps", "rating", "choice", "text"]
    assert (second.status, second.body["error"]["code"]) == (409, "conflict")
    # One survey_complete, under the id derived from the survey: the 409's resend counted nothing again.
    assert behavior_items(stack, user) == ["ENGAGEMENT", f"EVENT#survey_complete:{survey_id}"]


def test_without_tracking_consent_the_response_is_stored_but_not_tracked(
    api: Api, stack: LocalStack, brands: tuple[str, str], user: str
) -> None:
    survey_id = published_survey(api, brands[0])

    answer = respond(api, survey_id, user)

    assert (answer.status, answer.body["engagement"]) == (201, "not_tracked")
    assert behavior_items(stack, user) == []


def test_the_snapshot_is_taken_only_with_analytics_sharing_and_never_holds_the_city(
    api: Api, brands: tuple[str, str], user: str
) -> None:
    survey_id = published_survey(api, brands[0])
    profile = {
        "email": f"{user}@example.com",
        "demographics": {
            "age_range": "25-34",
            "gender": "female",
            "location": {"country": "IN", "state": "KA", "city": "Bengaluru"},
        },
    }
    assert api.call("PUT", f"/v1/users/{user}/profile", profile, user=user).status == 200
    give_consent(api, user, analytics_sharing=True)

    answer = respond(api, survey_id, user)

    assert answer.status == 201, answer.body
    assert answer.body["analytics_sharing"] is True
    assert answer.body["demographics"] == {"age_range": "25-34", "country": "IN", "state": "KA", "gender": "female"}
    assert "Bengaluru" not in json.dumps(answer.body)


@pytest.mark.parametrize(
    ("answers", "fields"),
    [
        ([{"question_id": "nps", "value": 11}, *ANSWERS[1:]], ["answers[0].value"]),
        ([{"question_id": "nps", "value": "9"}, *ANSWERS[1:]], ["answers[0].value"]),
        ([*ANSWERS[:1], {"question_id": "stars", "value": 0}, *ANSWERS[2:]], ["answers[1].value"]),
        ([*ANSWERS[:2], {"question_id": "plan", "value": "enterprise"}], ["answers[2].value"]),
        ([*ANSWERS, {"question_id": "nps", "value": 3}], ["answers[4].question_id"]),
        ([*ANSWERS, {"question_id": "color", "value": "red"}], ["answers[4].question_id"]),
        (ANSWERS[1:], ["answers"]),
        ([*ANSWERS[:3], {"question_id": "why", "value": "x" * 2001}], ["answers[3].value"]),
    ],
)
def test_answers_that_do_not_fit_the_questions_are_refused_and_nothing_is_written(
    api: Api, brands: tuple[str, str], user: str, answers: list[dict[str, Any]], fields: list[str]
) -> None:
    survey_id = published_survey(api, brands[0])

    refused = respond(api, survey_id, user, answers=answers)
    accepted = respond(api, survey_id, user)

    assert refused.status == 422, refused.body
    assert [problem["field"] for problem in refused.body["error"]["fields"]] == fields
    assert accepted.status == 201  # the refused response left nothing behind


def test_only_published_surveys_take_responses_and_brands_do_not_respond(
    api: Api, brands: tuple[str, str], user: str
) -> None:
    acme, _ = brands
    draft = new_id("survey")
    assert put_survey(api, acme, draft, survey_body(status="draft")).status == 200
    closed = published_survey(api, acme)
    assert put_survey(api, acme, closed, survey_body(status="closed")).status == 200
    open_survey = published_survey(api, acme)

    assert respond(api, draft, user).status == 404
    assert respond(api, closed, user).status == 409
    assert respond(api, new_id("survey"), user).status == 404
    as_brand = api.call(
        "POST", f"/v1/surveys/{open_survey}/responses", {"answers": ANSWERS, "channel": "app"}, user="b", brand=acme
    )
    assert as_brand.status == 403
    stale = (datetime.now(UTC) - timedelta(days=2)).isoformat()
    assert respond(api, open_survey, user, started_at=stale).status == 422
    assert respond(api, open_survey, user, channel="fax").status == 422
