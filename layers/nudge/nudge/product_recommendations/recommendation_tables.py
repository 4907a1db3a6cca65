"""Where product recommendations read from, over three tables: the user's state (explicit interests in the
profile table; engagement and feedback in the behavior table) in one BatchGetItem, then the candidate
lists of the categories still wanted (catalog table) in one more, whatever the catalog size.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from nudge import clients
from nudge.behavior.behavior_table import BehaviorTable, behavior_table
from nudge.catalog.catalog_table import CatalogTable, catalog_table
from nudge.engagement.engagement_score import engagement_score, interest_vector
from nudge.item_codec import batch_get_items
from nudge.product_recommendations.candidate_store import decode_entries
from nudge.product_recommendations.candidates import Candidate
from nudge.product_recommendations.ranking import UserState
from nudge.profiles.profile_table import ProfileTable, profile_table


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


def recommendation_tables() -> RecommendationTables:
    return RecommendationTables(behavior_table(), profile_table(), catalog_table(), clients.dynamodb())
