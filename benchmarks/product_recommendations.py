"""The product recommendation read against the catalog size: 10,000 products, then 100,000, in the catalog
table; each category's candidate list is built from all of them (as the product writes and the view
refresh keep it), and 30 engaged users (profile, consent, 6 product views) ask for 10 items."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from local_runtime.lambdas import LocalFunction
from local_runtime.runtime import LocalStack
from nudge import clients
from nudge.catalog.catalog_table import catalog_table
from nudge.item_codec import put_all, to_item
from nudge.product_recommendations.candidate_lists import trimmed
from nudge.product_recommendations.candidate_store import encode_entries
from nudge.product_recommendations.candidates import Candidate
from nudge.profiles.categories import CATEGORIES

CATALOG_SIZES = (10_000, 100_000)
USERS = 30
GORSE_MS = 0.26  # Gorse's benchmark: a cached recommendation read of 10 items

Measure = Callable[[str, LocalFunction, Callable[[int], dict[str, Any]]], None]


def _candidate(index: int, now: datetime) -> Candidate:
    launched = now - timedelta(days=index % 365, minutes=index % 1440)
    return Candidate(f"bench-product-{index}", f"Product {index}", CATEGORIES[index % len(CATEGORIES)], launched, 0)


def _with_views(candidate: Candidate, index: int) -> Candidate:
    return candidate._replace(views=(index * 7919) % 5000)


def _write_products(first: int, last: int, now: datetime) -> None:
    """Product items as the catalog stores them, written in batches (a brand's PUT writes one at a time)."""
    table = catalog_table()
    items = []
    for index in range(first, last):
        candidate = _candidate(index, now)
        product = {
            "pk": f"PRODUCT#{candidate.product_id}",
            "sk": "PRODUCT",
            "product_id": candidate.product_id,
            "brand_id": "bench",
            "name": candidate.name,
            "category": candidate.category,
            "description": "",
            "launched_at": candidate.launched_at,
            "created_at": now,
            "updated_at": now,
            "version": 1,
            "announced": True,
        }
        items.append(to_item(product))
    assert put_all(clients.dynamodb(), table._table, items) == []


def _build_lists(size: int, now: datetime) -> None:
    table = catalog_table()
    by_category: dict[str, list[Candidate]] = {}
    for index in range(size):
        candidate = _with_views(_candidate(index, now), index)
        by_category.setdefault(candidate.category, []).append(candidate)
    for category, candidates in by_category.items():
        stored, _ = table.candidates_with_views(category, None)
        assert table.save_candidates(category, encode_entries(trimmed(candidates)), stored.version)


def _engaged_users(stack: LocalStack, now: datetime) -> list[str]:
    from pydantic import TypeAdapter

    from benchmarks.engagement import consent_to_tracking
    from nudge.behavior.events import BehavioralEvent
    from nudge.behavior.ingestion import ingest_events
    from nudge.behavior.ingestion_tables import ingestion_tables
    from nudge.observability import metrics
    from nudge.profiles.profile import ProfileFields
    from nudge.profiles.user_profiles import profile_writes, replace_profile
    from nudge.users.actor import Actor

    users = [f"recs-{uuid.uuid4().hex[:8]}-{index}" for index in range(USERS)]
    adapter: TypeAdapter[list[BehavioralEvent]] = TypeAdapter(list[BehavioralEvent])
    for index, user in enumerate(users):
        with stack.function("ingest_events").warm():
            consent_to_tracking(user)
            views = [
                {
                    "event_id": f"{user}-{view}",
                    "type": "product_view",
                    "product_id": f"bench-product-{index * 6 + view}",
                    "category": CATEGORIES[(index + view) % 3],
                    "occurred_at": (now - timedelta(hours=view + 1)).isoformat(),
                }
                for view in range(6)
            ]
            ingest_events(ingestion_tables(), user, adapter.validate_python(views), now)
        with stack.function("put_user_profile").warm():
            fields = ProfileFields.model_validate(
                {"email": f"{user}@example.com", "interests": {"categories": [CATEGORIES[index % len(CATEGORIES)]]}}
            )
            replace_profile(profile_writes(), Actor(user, False), user, fields, now)
    metrics().clear_metrics()  # seeding is not traffic
    return users


def recommendation_reads(stack: LocalStack, measure: Measure) -> None:
    from benchmarks.run import _sample

    now = datetime.now(UTC)
    read = stack.function("get_product_recommendations")
    users = _engaged_users(stack, now)
    sample = _sample("get_product_recommendations", "get_recommendations.json")

    def get(index: int) -> dict[str, Any]:
        event = json.loads(json.dumps(sample))
        user = users[index % len(users)]
        event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = event["pathParameters"]["user_id"] = user
        event["rawPath"] = event["requestContext"]["http"]["path"] = f"/v1/users/{user}/product-recommendations"
        result = dict(read.invoke(event))
        assert len(json.loads(result["body"])["items"]) == 10, result
        return result

    print(f"\nProduct recommendations: GET ...?limit=10 for {USERS} engaged users; Gorse's cached read: {GORSE_MS} ms")
    print(f"{'request':<36}{'p50 ms':>10}{'p99 ms':>10}{'nudge p50':>10}{'nudge p99':>10}  dynamodb calls per request")
    written = 0
    for size in CATALOG_SIZES:
        with read.warm():
            _write_products(written, size, now)
            _build_lists(size, now)
        written = size
        measure(f"{size:,} products in the catalog", read, get)
