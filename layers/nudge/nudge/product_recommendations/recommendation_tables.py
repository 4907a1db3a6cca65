"""Where product recommendations read from, over three tables: the user's state (explicit interests in the
profile table; engagement and feedback in the behavior table) in one BatchGetItem, then the candidate
lists of the categories still wanted (catalog table) in one more, whatever the catalog size.

The candidate list entries are encoded here; the catalog table module places the items.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from nudge import clients
from nudge.behavior.behavior_table import BehaviorTable, behavior_table
from nudge.catalog.catalog_table import CatalogTable, StoredList, catalog_table
from nudge.engagement.engagement_score import engagement_score, interest_vector
from nudge.errors import Conflict
from nudge.item_codec import batch_get_items
from nudge.product_recommendations.ranking import Candidate, UserState
from nudge.profiles.profile_table import ProfileTable, profile_table

if TYPE_CHECKING:
    from nudge.catalog.catalog_models import Product

MAX_ATTEMPTS = 5


def decode_entries(category: str, stored: StoredList) -> list[Candidate]:
    """Read straight from the attribute values: the generic deserializer would cost more than the ranking."""
    return [
        Candidate(
            product_id=entry["product_id"]["S"],
            name=entry["name"]["S"],
            category=category,
            launched_at=datetime.fromisoformat(entry["launched_at"]["S"]),
            views=int(entry["views"]["N"]),
        )
        for entry in stored.entries
    ]


def encode_entries(entries: Sequence[Candidate]) -> list[dict[str, Any]]:
    return [
        {
            "product_id": c.product_id,
            "name": c.name,
            "launched_at": c.launched_at.isoformat(),
            "views": Decimal(c.views),
        }
        for c in entries
    ]


class RecommendationTables:
    def __init__(self, behavior: BehaviorTable, profiles: ProfileTable, catalog: CatalogTable, client: Any) -> None:
        self._behavior = behavior
        self._profiles = profiles
        self._catalog = catalog
        self._client = client

    def user_state(self, user_id: str, now: datetime) -> UserState:
        reads = [
            self._profiles.profile_read(user_id),
            self._behavior.engagement_read(user_id),
            self._behavior.feedback_read(user_id),
        ]
        profile, engagement_item, feedback = batch_get_items(self._client, reads, consistent=True)
        engagement = self._behavior.decode_engagement(engagement_item)
        return UserState(
            interests=self._profiles.decode_interest_categories(profile),
            preferred=dict(interest_vector(engagement)),
            engagement_score=engagement_score(engagement, now),
            product_views=engagement.total_product_views,
            excluded_product_ids=frozenset(engagement.excluded_product_ids),
            not_interested=self._behavior.decode_not_interested(feedback),
        )

    def candidates(self, categories: Sequence[str]) -> list[Candidate]:
        if not categories:
            return []
        reads = [self._catalog.candidates_read(category) for category in categories]
        items = batch_get_items(self._client, reads, consistent=False)
        lists = (
            decode_entries(c, self._catalog.decode_candidates(item)) for c, item in zip(categories, items, strict=True)
        )
        return [candidate for entries in lists for candidate in entries]


class CandidateLists:
    """Keeps the candidate lists current as products are written."""

    def __init__(self, catalog: CatalogTable) -> None:
        self._catalog = catalog

    def product_written(self, product: Product, previous: Product | None) -> None:
        """A product was written over `previous`: a launched one is listed in its category (and no longer in
        the one it was in before)."""
        if product.launched_at is None:
            return
        candidate = Candidate(product.product_id, product.name, product.category, product.launched_at, 0)
        previous_category = previous.category if previous and previous.launched_at else None
        if previous_category is not None and previous_category != candidate.category:
            self._change(previous_category, candidate.product_id, lambda entries, _: _without(entries, candidate))
        self._change(candidate.category, candidate.product_id, lambda entries, views: _with(entries, candidate, views))

    def views_changed(self, category: str, viewed: Sequence[Candidate], totals: Mapping[str, int]) -> None:
        """Products of `category` were viewed: `totals` are their view counts now."""
        from nudge.product_recommendations.candidate_lists import with_views

        self._change(category, None, lambda entries, _: with_views(entries, viewed, totals))

    def _change(
        self, category: str, product_id: str | None, change: Callable[[list[Candidate], int], list[Candidate]]
    ) -> None:
        for _ in range(MAX_ATTEMPTS):
            stored, views = self._catalog.candidates_with_views(category, product_id)
            entries = change(decode_entries(category, stored), views)
            if self._catalog.save_candidates(category, encode_entries(entries), stored.version):
                return
        raise Conflict("the product's candidate list kept changing while it was written; retry the request")


def _with(entries: list[Candidate], candidate: Candidate, views: int) -> list[Candidate]:
    from nudge.product_recommendations.candidate_lists import with_product

    return with_product(entries, candidate._replace(views=views))


def _without(entries: list[Candidate], candidate: Candidate) -> list[Candidate]:
    from nudge.product_recommendations.candidate_lists import without_product

    return without_product(entries, candidate.product_id)


def recommendation_tables() -> RecommendationTables:
    return RecommendationTables(behavior_table(), profile_table(), catalog_table(), clients.dynamodb())


def candidate_lists() -> CandidateLists:
    return CandidateLists(catalog_table())
