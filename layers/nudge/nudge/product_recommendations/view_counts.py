"""The scheduled refresh of product view counts: ingestion leaves each batch's product views as one pending
item (no user id) in its own transaction; this folds them into per-product counters and moves the viewed
products within their category's candidate list.

At least once: the counters are added to before the pending items are deleted, so a run that fails in
between counts those views again on the next run (popularity is a ranking signal, not a ledger).
"""

from typing import NamedTuple

from nudge.catalog.catalog_table import CatalogTable
from nudge.models import NudgeModel
from nudge.product_recommendations.candidate_store import CandidateLists
from nudge.product_recommendations.candidates import Candidate

PENDING_PER_SHARD = 500


class RefreshOutcome(NudgeModel):
    pending_items: int
    products_counted: int
    lists_updated: int


class _Viewed(NamedTuple):
    by_category: dict[str, list[Candidate]]
    totals: dict[str, int]


def refresh_view_counts(catalog: CatalogTable, lists: CandidateLists) -> RefreshOutcome:
    pending = catalog.pending_views(PENDING_PER_SHARD)
    if not pending.keys:
        return RefreshOutcome(pending_items=0, products_counted=0, lists_updated=0)
    totals = {product_id: catalog.add_views(product_id, views) for product_id, views in sorted(pending.counts.items())}
    catalog.delete_pending(pending.keys)
    viewed = _launched(catalog, totals)
    for category, candidates in sorted(viewed.by_category.items()):
        lists.views_changed(category, candidates, viewed.totals)
    return RefreshOutcome(
        pending_items=len(pending.keys), products_counted=len(totals), lists_updated=len(viewed.by_category)
    )


def _launched(catalog: CatalogTable, totals: dict[str, int]) -> _Viewed:
    """The viewed products that are launched (others have nothing to list), by category."""
    by_category: dict[str, list[Candidate]] = {}
    for product in catalog.products(list(totals)):
        if product.launched_at is not None:
            candidate = Candidate(product.product_id, product.name, product.category, product.launched_at, 0)
            by_category.setdefault(product.category, []).append(candidate)
    return _Viewed(by_category, totals)
