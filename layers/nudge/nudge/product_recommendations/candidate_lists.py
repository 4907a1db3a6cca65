"""Per-category candidate lists: what a recommendation reads instead of the catalog (pure, no AWS).

A category's list holds its 30 most viewed launched products and its 30 newest (at most 60 entries,
so every list is a small item and reading all 20 categories is one BatchGetItem of about 20 items
whatever the catalog size). A product PUT and the view-count refresh each rewrite the lists they
touch, conditional on the version read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from nudge.product_recommendations.candidates import Candidate

TOP_BY_VIEWS = 30
TOP_BY_RECENCY = 30


def trimmed(entries: Iterable[Candidate]) -> list[Candidate]:
    """The most viewed and the newest, each product once, most viewed first."""
    unique = list({c.product_id: c for c in entries}.values())
    by_views = sorted(unique, key=lambda c: (-c.views, -c.launched_at.timestamp(), c.product_id))
    by_recency = sorted(unique, key=lambda c: (-c.launched_at.timestamp(), c.product_id))
    kept = {c.product_id for c in by_views[:TOP_BY_VIEWS]} | {c.product_id for c in by_recency[:TOP_BY_RECENCY]}
    return [c for c in by_views if c.product_id in kept]


def with_product(entries: Sequence[Candidate], product: Candidate) -> list[Candidate]:
    """The list after a product of its category was written (its stored views are kept)."""
    others = [c for c in entries if c.product_id != product.product_id]
    return trimmed([*others, product])


def without_product(entries: Sequence[Candidate], product_id: str) -> list[Candidate]:
    return [c for c in entries if c.product_id != product_id]


def with_views(
    entries: Sequence[Candidate], products: Iterable[Candidate], views: Mapping[str, int]
) -> list[Candidate]:
    """The list after a view-count refresh: `products` of this category were viewed, `views` their new totals."""
    viewed = {c.product_id: c._replace(views=views[c.product_id]) for c in products if c.product_id in views}
    kept = [viewed.pop(c.product_id, c) for c in entries]
    return trimmed([*kept, *viewed.values()])
