"""Product recommendations against moto: candidate lists kept by product writes, cold start and
personalized ranking with reasons, exclusions, feedback and its undo, two DynamoDB calls a request,
another user's 403, bad input 4xx with nothing written."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local_runtime.runtime import LocalStack
from tests.integration.conftest import Api
from tests.integration.test_engagement_api import consent_to_tracking


@pytest.fixture(autouse=True)
def answered_launches(stack: LocalStack) -> Iterator[None]:
    """The launches these tests publish reach the launch trigger's rule: delivered here, so a later test that
    counts deliveries sees its own only."""
    yield
    stack.bridge.drain()


# Categories no other test writes products in, so these tests' products are the only candidates there
# (SUSTAINABILITY is the view-count test's alone).
MINE = ("ARTS_CRAFTS", "PETS")


def put_product(api: Api, product_id: str, category: str, days_ago: float | None) -> None:
    body: dict[str, Any] = {"name": f"Product {product_id}", "category": category}
    if days_ago is not None:
        body["launched_at"] = (datetime.now(UTC) - timedelta(days=days_ago)).isoformat()
    answer = api.call("PUT", f"/v1/brands/acme/products/{product_id}", body, user="acme-admin", brand="acme")
    assert answer.status == 200, answer.body


def recommendations(api: Api, user: str, limit: int = 50, caller: str | None = None) -> dict[str, Any]:
    answer = api.call("GET", f"/v1/users/{user}/product-recommendations?limit={limit}", user=caller or user)
    assert answer.status == 200, answer.body
    return dict(answer.body)


def shown(body: dict[str, Any], prefix: str) -> list[str]:
    return [item["product_id"] for item in body["items"] if item["product_id"].startswith(prefix)]


def engage(api: Api, user: str, events: list[dict[str, Any]]) -> None:
    answer = api.call("POST", "/v1/events", {"events": events}, user=user)
    assert answer.status == 200, answer.body
    assert answer.body["not_tracked"] == []


def product_event(kind: str, product_id: str, category: str) -> dict[str, Any]:
    at = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    return {
        "event_id": uuid.uuid4().hex,
        "type": kind,
        "product_id": product_id,
        "category": category,
        "occurred_at": at,
    }


@pytest.fixture
def prefix() -> str:
    return f"rec-{uuid.uuid4().hex[:8]}-"


def test_a_new_user_gets_launched_products_of_their_interests_first_with_reasons(
    api: Api, user: str, prefix: str
) -> None:
    put_product(api, f"{prefix}craft", "ARTS_CRAFTS", days_ago=2)
    put_product(api, f"{prefix}pet", "PETS", days_ago=40)
    put_product(api, f"{prefix}draft", "PETS", days_ago=None)
    profile = {"email": f"{user}@example.com", "interests": {"categories": ["PETS"]}}
    assert api.call("PUT", f"/v1/users/{user}/profile", profile, user=user).status == 200
    body = recommendations(api, user)
    assert body["strategy"] == "cold_start"
    assert shown(body, prefix) == [f"{prefix}pet", f"{prefix}craft"]
    items = {item["product_id"]: item for item in body["items"]}
    assert items[f"{prefix}pet"]["reasons"] == ["Based on your interest in PETS"]
    assert items[f"{prefix}craft"]["reasons"] == ["New product in ARTS_CRAFTS"]
    assert (items[f"{prefix}craft"]["is_new"], items[f"{prefix}pet"]["is_new"]) == (True, False)
    assert items[f"{prefix}pet"]["name"] == f"Product {prefix}pet"


def test_an_engaged_user_gets_personalized_products_without_the_ones_bookmarked(
    api: Api, user: str, prefix: str
) -> None:
    for name in ("kept", "bookmarked", "surveyed"):
        put_product(api, f"{prefix}{name}", "ARTS_CRAFTS", days_ago=1)
    consent_to_tracking(user)
    views = [product_event("product_view", f"{prefix}kept", "ARTS_CRAFTS") for _ in range(5)]
    engage(api, user, [*views, product_event("product_bookmark", f"{prefix}bookmarked", "ARTS_CRAFTS")])
    survey = {
        "event_id": uuid.uuid4().hex,
        "type": "survey_complete",
        "survey_id": "s",
        "product_id": f"{prefix}surveyed",
    }
    engage(api, user, [survey | {"occurred_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat()}])
    body = recommendations(api, user)
    assert body["strategy"] == "personalized"
    assert shown(body, prefix) == [f"{prefix}kept"]
    [item] = [item for item in body["items"] if item["product_id"] == f"{prefix}kept"]
    assert item["reasons"] == ["You've engaged with similar products before", "New product in ARTS_CRAFTS"]
    assert item["score"] >= 0.4 + 0.2 * 0.9  # the top category of the interest vector, launched a day ago
    assert body["items"][0]["product_id"] == f"{prefix}kept"


def test_not_interested_removes_a_category_and_delete_brings_it_back(
    api: Api, stack: LocalStack, user: str, prefix: str
) -> None:
    put_product(api, f"{prefix}pet", "PETS", days_ago=1)
    answer = api.call(
        "POST", f"/v1/users/{user}/recommendation-feedback", {"category": "PETS", "action": "not_interested"}, user=user
    )
    assert (answer.status, answer.body) == (200, {"user_id": user, "not_interested": ["PETS"]})
    assert shown(recommendations(api, user), prefix) == []
    assert all(item["category"] != "PETS" for item in recommendations(api, user)["items"])
    assert feedback_item(stack, user) is not None
    undone = api.call("DELETE", f"/v1/users/{user}/recommendation-feedback/PETS", user=user)
    assert (undone.status, undone.body) == (200, {"user_id": user, "not_interested": []})
    assert shown(recommendations(api, user), prefix) == [f"{prefix}pet"]


def test_a_product_moved_to_another_category_leaves_its_old_list(api: Api, user: str, prefix: str) -> None:
    put_product(api, f"{prefix}moved", "PETS", days_ago=1)
    stored = api.call("GET", f"/v1/products/{prefix}moved", user=user).body["launched_at"]
    body = {"name": "Moved", "category": "ARTS_CRAFTS", "launched_at": stored}
    assert api.call("PUT", f"/v1/brands/acme/products/{prefix}moved", body, user="a", brand="acme").status == 200
    items = [item for item in recommendations(api, user)["items"] if item["product_id"] == f"{prefix}moved"]
    assert [(item["category"], item["name"]) for item in items] == [("ARTS_CRAFTS", "Moved")]


def test_a_request_is_two_batch_reads_whatever_the_catalog(api: Api, stack: LocalStack, user: str) -> None:
    assert stack.recorder is not None, "the session's stack records calls"
    with stack.recorder.capture() as calls:
        recommendations(api, user)
    assert [call.operation for call in calls] == ["dynamodb:BatchGetItem", "dynamodb:BatchGetItem"]


def test_another_user_is_refused_and_an_admin_may_read(api: Api, stack: LocalStack, user: str) -> None:
    assert api.call("GET", f"/v1/users/{user}/product-recommendations", user="mallory").status == 403
    assert api.call("GET", f"/v1/users/{user}/product-recommendations", user=None).status == 401
    assert api.call("GET", f"/v1/users/{user}/product-recommendations", user="root", admin=True).status == 200
    feedback = {"category": "PETS", "action": "not_interested"}
    assert api.call("POST", f"/v1/users/{user}/recommendation-feedback", feedback, user="mallory").status == 403
    assert api.call("DELETE", f"/v1/users/{user}/recommendation-feedback/PETS", user="mallory").status == 403
    assert feedback_item(stack, user) is None


def feedback_item(stack: LocalStack, user: str) -> dict[str, Any] | None:
    """The user's feedback item as stored, or None: what a refused request must not have written."""
    key = {"pk": {"S": f"USER#{user}"}, "sk": {"S": "RECOMMENDATION_FEEDBACK"}}
    table = stack.template.ref("BehaviorTable")
    item: dict[str, Any] | None = stack.emulator.client("dynamodb").get_item(TableName=table, Key=key).get("Item")
    return item


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"category": "NOT_A_CATEGORY", "action": "not_interested"}, "category"),
        ({"category": "PETS", "action": "love_it"}, "action"),
        ({"action": "not_interested"}, "category"),
        ({"category": "PETS", "action": "not_interested", "extra": 1}, "extra"),
    ],
)
def test_bad_feedback_is_refused_naming_the_field_and_writes_nothing(
    api: Api, stack: LocalStack, user: str, body: dict[str, Any], field: str
) -> None:
    answer = api.call("POST", f"/v1/users/{user}/recommendation-feedback", body, user=user)
    assert answer.status in (400, 422), answer.body
    assert field in {problem["field"].split(".")[0] for problem in answer.body["error"]["fields"]}
    assert feedback_item(stack, user) is None


@pytest.mark.parametrize("query", ["limit=0", "limit=51", "limit=ten"])
def test_a_limit_outside_1_to_50_is_refused(api: Api, user: str, query: str) -> None:
    answer = api.call("GET", f"/v1/users/{user}/product-recommendations?{query}", user=user)
    assert answer.status in (400, 422), answer.body
    assert [problem["field"] for problem in answer.body["error"]["fields"]] == ["limit"]


def test_an_unknown_category_to_undo_is_refused(api: Api, stack: LocalStack, user: str) -> None:
    answer = api.call("DELETE", f"/v1/users/{user}/recommendation-feedback/NOPE", user=user)
    assert answer.status in (400, 404, 422), answer.body
    assert feedback_item(stack, user) is None


def test_the_limit_bounds_the_items(api: Api, user: str, prefix: str) -> None:
    for index in range(3):
        put_product(api, f"{prefix}{index}", MINE[index % 2], days_ago=index)
    assert len(recommendations(api, user, limit=2)["items"]) == 2


def refresh(stack: LocalStack) -> dict[str, Any]:
    event = {"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}}
    outcome: dict[str, Any] = stack.functions["RefreshProductCandidatesFunction"].invoke(event)
    return outcome


def views_counted(stack: LocalStack, product_id: str) -> int:
    key = {"pk": {"S": f"PRODUCT#{product_id}"}, "sk": {"S": "VIEWS"}}
    table = stack.template.ref("CatalogTable")
    item = stack.emulator.client("dynamodb").get_item(TableName=table, Key=key).get("Item")
    return int(item["views"]["N"]) if item else 0


def test_consented_views_are_counted_by_the_refresh_and_make_a_product_popular(
    api: Api, stack: LocalStack, user: str, prefix: str
) -> None:
    put_product(api, f"{prefix}hot", "SUSTAINABILITY", days_ago=90)
    put_product(api, f"{prefix}cold", "SUSTAINABILITY", days_ago=89)
    refresh(stack)
    profile = {"email": f"{user}@example.com", "interests": {"categories": ["SUSTAINABILITY"]}}
    assert api.call("PUT", f"/v1/users/{user}/profile", profile, user=user).status == 200
    before = recommendations(api, user)
    assert shown(before, prefix) == [f"{prefix}cold", f"{prefix}hot"]  # no views yet: the newer first
    viewer, untracked = f"{user}-viewer", f"{user}-untracked"
    consent_to_tracking(viewer)
    engage(api, viewer, [product_event("product_view", f"{prefix}hot", "SUSTAINABILITY") for _ in range(3)])
    refused = api.call(
        "POST",
        "/v1/events",
        {"events": [product_event("product_view", f"{prefix}cold", "SUSTAINABILITY")]},
        user=untracked,
    )
    assert refused.body["not_tracked"] != []

    outcome = refresh(stack)

    assert outcome["pending_items"] >= 1
    assert (views_counted(stack, f"{prefix}hot"), views_counted(stack, f"{prefix}cold")) == (3, 0)
    after = recommendations(api, user)
    assert shown(after, prefix) == [f"{prefix}hot", f"{prefix}cold"]
    scores = {item["product_id"]: item["score"] for item in after["items"]}
    assert scores[f"{prefix}hot"] > scores[f"{prefix}cold"]
    assert refresh(stack)["pending_items"] == 0
    assert views_counted(stack, f"{prefix}hot") == 3


def test_views_add_one_item_to_the_ingestion_transaction_and_no_call(api: Api, stack: LocalStack, user: str) -> None:
    assert stack.recorder is not None, "the session's stack records calls"
    catalog = f":table/{stack.template.ref('CatalogTable')}"
    consent_to_tracking(user)
    for events, writes_views in (
        ([product_event("product_view", "p1", "PETS"), product_event("product_view", "p2", "PETS")], True),
        ([product_event("product_bookmark", "p1", "PETS")], False),
    ):
        with stack.recorder.capture() as calls:
            engage(api, user, events)
        operations = [call.operation for call in calls]
        assert operations == ["dynamodb:BatchGetItem", "dynamodb:TransactWriteItems"]
        [transaction] = [call for call in calls if call.operation == "dynamodb:TransactWriteItems"]
        to_catalog = [access for access in transaction.accesses if access.resource.endswith(catalog)]
        assert len(to_catalog) == (1 if writes_views else 0)
