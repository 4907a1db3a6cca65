"""The pricing table: the catalog of tiers and experiments.

Item shapes (nothing outside this module builds these keys), all in one partition so the whole
catalog is one Query:
- tier:       pk=CATALOG, sk=TIER#<tier_id>, the PricingTier as JSON text in `tier`.
- experiment: pk=CATALOG, sk=EXPERIMENT#<experiment_id>, the Experiment as JSON text in `experiment`.
- seeded:     pk=CATALOG, sk=SEEDED, written once with the default tiers.
Every admin change is written in one transaction with its audit record.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

from nudge import clients, config
from nudge.anchoring.catalog import Catalog, CatalogCache, Experiment
from nudge.anchoring.tiers import DEFAULT_TIERS, PricingTier
from nudge.item_codec import write_transaction

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

CATALOG_PK = "CATALOG"
SEEDED_SK = "SEEDED"


def _key(sk: str) -> dict[str, Any]:
    return {"pk": {"S": CATALOG_PK}, "sk": {"S": sk}}


def _is_seeded(items: list[dict[str, Any]]) -> bool:
    return any(item["sk"]["S"] == SEEDED_SK for item in items)


class PricingTable:
    def __init__(self, table_name: str, client: DynamoDBClient, catalog_cache: CatalogCache) -> None:
        self._table = table_name
        self._client = client
        self._cache = catalog_cache

    def catalog(self) -> Catalog:
        """The catalog, from the in-function cache while it is young enough."""
        return self._cache.get(self._load)

    def fresh_catalog(self) -> Catalog:
        """The catalog as stored now (admin reads and writes bypass the cache)."""
        self._cache.invalidate()
        return self._cache.get(self._load)

    def catalog_for_change(self) -> Catalog:
        """The stored catalog for an admin change: the defaults are written first if they never were, so a
        change always starts from stored tiers (readers never write: they serve the defaults meanwhile)."""
        self._cache.invalidate()
        items = self._query()
        if not _is_seeded(items):
            self._seed(DEFAULT_TIERS)
        return self.fresh_catalog()

    def _load(self) -> Catalog:
        items = self._query()
        if not _is_seeded(items):
            return Catalog(tuple(DEFAULT_TIERS), ())
        tiers = [PricingTier.model_validate_json(item["tier"]["S"]) for item in items if "tier" in item]
        experiments = [
            Experiment.model_validate_json(item["experiment"]["S"]) for item in items if "experiment" in item
        ]
        return Catalog(tuple(tiers), tuple(sorted(experiments, key=lambda e: e.created_at)))

    def _query(self) -> list[dict[str, Any]]:
        # A plain Query loop: a paginator would load botocore's paginator model at cold start for one page.
        items: list[dict[str, Any]] = []
        arguments: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": CATALOG_PK}},
            "ConsistentRead": True,
        }
        while True:
            response = self._client.query(**arguments)
            items += response["Items"]
            if "LastEvaluatedKey" not in response:
                return items
            arguments["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def _seed(self, tiers: Sequence[PricingTier]) -> None:
        """Write the default tiers once; a concurrent first use losing the race is fine."""
        marker = {
            "Put": {
                "TableName": self._table,
                "Item": _key(SEEDED_SK),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
        write_transaction(self._client, [marker, *[self._tier_put(tier, must_exist=None) for tier in tiers]])

    def _tier_put(self, tier: PricingTier, must_exist: bool | None) -> dict[str, Any]:
        put: dict[str, Any] = {
            "TableName": self._table,
            "Item": {**_key(f"TIER#{tier.tier_id}"), "tier": {"S": tier.model_dump_json()}},
        }
        if must_exist is not None:
            put["ConditionExpression"] = "attribute_exists(pk)" if must_exist else "attribute_not_exists(pk)"
        return {"Put": put}

    def save_tier(self, tier: PricingTier, audit: dict[str, Any], is_new: bool) -> bool:
        """Create (is_new) or replace a tier with its audit record; False when it exists (create) or not (update)."""
        saved = write_transaction(self._client, [self._tier_put(tier, must_exist=not is_new), audit])
        self._cache.invalidate()
        return saved

    def save_experiment(self, experiment: Experiment, audit: dict[str, Any], is_new: bool) -> bool:
        put = {
            "TableName": self._table,
            "Item": {
                **_key(f"EXPERIMENT#{experiment.experiment_id}"),
                "experiment": {"S": experiment.model_dump_json()},
            },
            "ConditionExpression": "attribute_not_exists(pk)" if is_new else "attribute_exists(pk)",
        }
        saved = write_transaction(self._client, [{"Put": put}, audit])
        self._cache.invalidate()
        return saved


@cache
def _catalog_cache() -> CatalogCache:
    return CatalogCache(config.whole_number("PRICING_CATALOG_MAX_AGE_SECONDS", 60))


def pricing_table() -> PricingTable:
    return PricingTable(config.text("PRICING_TABLE_NAME"), clients.dynamodb(), _catalog_cache())
