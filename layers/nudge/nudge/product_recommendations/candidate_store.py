"""The candidate lists as the product recommendations keep them: entries encoded and decoded here (the
catalog table module places the items), and kept current as products are written and viewed.

A module of its own, so the product PUT loads only this and the catalog table, not the readers of user
state.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from nudge.catalog.catalog_table import CatalogTable, StoredList, catalog_table
from nudge.errors import Conflict
from nudge.product_recommendations.candidates import Candidate

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


def candidate_lists() -> CandidateLists:
    return CandidateLists(catalog_table())
