"""The catalog table: brands' products and surveys.

Item shapes (nothing outside this module builds these keys):
- product: pk=PRODUCT#<product_id>, sk=PRODUCT, a Product (with `brand_id` and `version`), and
  `announced` once `product.launched` went out on the bus.
- survey:  pk=SURVEY#<survey_id>, sk=SURVEY, a Survey, and `announced` once `survey.published` went out.
- candidates: pk=CANDIDATES#<category>, sk=CANDIDATES, `entries` (the category's candidate list of product
  recommendations: product_id, name, launched_at, views) and `version`; nudge.product_recommendations
  alone encodes the entries.
- views:   pk=PRODUCT#<product_id>, sk=VIEWS, `views`: how many product_view events were counted for it.
- pending views: pk=PENDING_VIEWS#<shard 0-7>, sk=<random id>, `counts` (product_id -> views) of one
  ingested batch, written in ingestion's transaction and folded into the views by the scheduled refresh,
  which deletes it. No user id and no time: the shard is a hash of the user id modulo 8.

Product and survey ids are global (users read them without a brand in the path); the brand that first
wrote an id owns it. Writes are conditional on the version read, so two writers never lose a change.
No personal data: who changed what is not stored here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from nudge import clients, config
from nudge.item_codec import ItemRead, batch_get, batch_get_items, conditional, delete_all, from_item, to_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    # Loaded where products and surveys are decoded: event ingestion writes pending views without the models.
    from nudge.catalog.catalog_models import Product, Survey

PRODUCT_SK, SURVEY_SK = "PRODUCT", "SURVEY"
CANDIDATES_SK, VIEWS_SK = "CANDIDATES", "VIEWS"
PENDING_VIEWS_PREFIX = "PENDING_VIEWS#"
PENDING_SHARDS = 8


class PendingViews(NamedTuple):
    keys: list[dict[str, Any]]
    counts: dict[str, int]  # product_id -> views not counted yet


class StoredList(NamedTuple):
    entries: list[dict[str, Any]]  # as stored: DynamoDB attribute values (a request decodes up to 1,200)
    version: int  # 0: no list yet


class StoredProduct(NamedTuple):
    product: Product
    announced: bool


class StoredSurvey(NamedTuple):
    survey: Survey
    announced: bool


def _product_key(product_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"PRODUCT#{product_id}"}, "sk": {"S": PRODUCT_SK}}


def _survey_key(survey_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"SURVEY#{survey_id}"}, "sk": {"S": SURVEY_SK}}


def _candidates_key(category: str) -> dict[str, Any]:
    return {"pk": {"S": f"CANDIDATES#{category}"}, "sk": {"S": CANDIDATES_SK}}


def _views_key(product_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"PRODUCT#{product_id}"}, "sk": {"S": VIEWS_SK}}


def _decode_product(item: dict[str, Any] | None) -> StoredProduct | None:
    if item is None:
        return None
    values = from_item(item)
    announced = bool(values.pop("announced", False))
    from nudge.catalog.catalog_models import Product

    return StoredProduct(Product.model_validate(values), announced)


def _decode_survey(item: dict[str, Any] | None) -> StoredSurvey | None:
    if item is None:
        return None
    values = from_item(item)
    announced = bool(values.pop("announced", False))
    from nudge.catalog.catalog_models import Survey

    return StoredSurvey(Survey.model_validate(values), announced)


class CatalogTable:
    def __init__(self, table_name: str, client: DynamoDBClient) -> None:
        self._table = table_name
        self._client = client

    def survey_read(self, survey_id: str) -> ItemRead:
        """The survey item's key, for reading it together with another table's items."""
        return ItemRead(self._table, _survey_key(survey_id))

    decode_survey = staticmethod(_decode_survey)

    def survey_brand(self, survey_id: str) -> str | None:
        """The brand owning the survey (None when there is no such survey), without decoding the survey."""
        [item] = batch_get_items(self._client, [self.survey_read(survey_id)], consistent=True)
        return str(item["brand_id"]["S"]) if item else None

    def product(self, product_id: str) -> StoredProduct | None:
        [item] = batch_get_items(self._client, [ItemRead(self._table, _product_key(product_id))], consistent=True)
        return _decode_product(item)

    def survey_with_product(self, survey_id: str, product_id: str | None) -> tuple[StoredSurvey | None, Product | None]:
        """The survey and (when named) a product, in one BatchGetItem."""
        reads = [self.survey_read(survey_id)]
        reads += [ItemRead(self._table, _product_key(product_id))] if product_id else []
        items = batch_get_items(self._client, reads, consistent=True)
        stored = _decode_product(items[1]) if product_id else None
        return _decode_survey(items[0]), stored.product if stored else None

    def save_product(self, product: Product, announced: bool) -> bool:
        """False when the stored product is no longer the version before `product`'s."""
        item = {"pk": f"PRODUCT#{product.product_id}", "sk": PRODUCT_SK, **product.model_dump(exclude_none=True)}
        return self._save(item | {"announced": announced}, product.version - 1)

    def save_survey(self, survey: Survey, announced: bool) -> bool:
        item = {"pk": f"SURVEY#{survey.survey_id}", "sk": SURVEY_SK, **survey.model_dump(exclude_none=True)}
        return self._save(item | {"announced": announced}, survey.version - 1)

    def mark_product_announced(self, product_id: str) -> None:
        self._mark(_product_key(product_id))

    def mark_survey_announced(self, survey_id: str) -> None:
        self._mark(_survey_key(survey_id))

    def candidates_read(self, category: str) -> ItemRead:
        return ItemRead(self._table, _candidates_key(category))

    @staticmethod
    def decode_candidates(item: dict[str, Any] | None) -> StoredList:
        if item is None:
            return StoredList([], 0)
        return StoredList([entry["M"] for entry in item.get("entries", {}).get("L", [])], int(item["version"]["N"]))

    def candidates_with_views(self, category: str, product_id: str | None) -> tuple[StoredList, int]:
        """A category's list and (when named) a product's view count, in one BatchGetItem."""
        reads = [self.candidates_read(category)]
        reads += [ItemRead(self._table, _views_key(product_id))] if product_id else []
        found = batch_get_items(self._client, reads, consistent=True)
        counted = found[1] if product_id else None
        return self.decode_candidates(found[0]), int(counted["views"]["N"]) if counted else 0

    def save_candidates(self, category: str, entries: list[dict[str, Any]], previous_version: int) -> bool:
        """False when the list is no longer at `previous_version`."""
        item = {
            "pk": f"CANDIDATES#{category}",
            "sk": CANDIDATES_SK,
            "entries": entries,
            "version": previous_version + 1,
        }
        return self._save(item, previous_version)

    def pending_views_put(self, user_id: str, counts: dict[str, int]) -> dict[str, Any]:
        """A TransactWriteItems Put of a batch's product views, for the refresh to count."""
        import hashlib
        import uuid

        shard = int.from_bytes(hashlib.sha256(user_id.encode()).digest()[:4], "big") % PENDING_SHARDS
        item = {"pk": f"{PENDING_VIEWS_PREFIX}{shard}", "sk": uuid.uuid4().hex, "counts": counts}
        return {"Put": {"TableName": self._table, "Item": to_item(item)}}

    def pending_views(self, limit: int) -> PendingViews:
        """Up to about `limit` pending items per shard, summed."""
        keys: list[dict[str, Any]] = []
        counts: dict[str, int] = {}
        for shard in range(PENDING_SHARDS):
            items = self._client.query(
                TableName=self._table,
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues={":pk": {"S": f"{PENDING_VIEWS_PREFIX}{shard}"}},
                Limit=limit,
            )["Items"]
            for item in items:
                keys.append({"pk": item["pk"], "sk": item["sk"]})
                for product_id, value in item["counts"]["M"].items():
                    counts[product_id] = counts.get(product_id, 0) + int(value["N"])
        return PendingViews(keys, counts)

    def add_views(self, product_id: str, views: int) -> int:
        """Count `views` more for the product; returns its total."""
        response = self._client.update_item(
            TableName=self._table,
            Key=_views_key(product_id),
            UpdateExpression="ADD #views :views",
            ExpressionAttributeNames={"#views": "views"},
            ExpressionAttributeValues={":views": {"N": str(views)}},
            ReturnValues="UPDATED_NEW",
        )
        return int(response["Attributes"]["views"]["N"])

    def delete_pending(self, keys: list[dict[str, Any]]) -> None:
        delete_all(self._client, self._table, keys)

    def products(self, product_ids: list[str]) -> list[Product]:
        items = batch_get(self._client, self._table, [_product_key(p) for p in product_ids], consistent=False)
        return [stored.product for stored in map(_decode_product, items) if stored is not None]

    def _save(self, values: dict[str, Any], previous_version: int) -> bool:
        arguments: dict[str, Any] = {"TableName": self._table, "Item": to_item(values)}
        if previous_version == 0:
            arguments["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            arguments["ConditionExpression"] = "version = :previous"
            arguments["ExpressionAttributeValues"] = {":previous": {"N": str(previous_version)}}
        return conditional(self._client.put_item, **arguments)

    def _mark(self, key: dict[str, Any]) -> None:
        self._client.update_item(
            TableName=self._table,
            Key=key,
            UpdateExpression="SET announced = :true",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":true": {"BOOL": True}},
        )


def catalog_table() -> CatalogTable:
    return CatalogTable(config.text("CATALOG_TABLE_NAME"), clients.dynamodb())
