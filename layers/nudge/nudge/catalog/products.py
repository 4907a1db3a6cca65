"""Brands write their products; any user reads a launched one.

A product is launched once it has a `launched_at`: a brand sets it when the product launches, so it is
never in the future (beyond the 5 minutes of clock drift events are allowed too). The first write that
launches it publishes `product.launched`; after that the launch time stays as it is.
"""

from datetime import datetime
from typing import Protocol

from nudge.behavior.event_base import FUTURE_TOLERANCE
from nudge.catalog.announcements import Announcer
from nudge.catalog.catalog_models import BrandId, Product, ProductFields, refused_link
from nudge.catalog.catalog_table import CatalogTable, StoredProduct
from nudge.errors import Conflict, InvalidInput, NotFound
from nudge.identifiers import Identifier
from nudge.models import NudgeModel
from nudge.users.actor import Actor


class BrandProductPath(NudgeModel):
    brand_id: BrandId
    product_id: Identifier


class ProductPath(NudgeModel):
    product_id: Identifier


class ProductListener(Protocol):
    def product_written(self, product: Product, previous: Product | None) -> None:
        """Called after each successful write (the product recommendations' candidate lists)."""


def next_product(
    current: StoredProduct | None, brand_id: str, product_id: str, fields: ProductFields, now: datetime
) -> Product:
    """The product after a brand's PUT; raises when the brand may not write it this way."""
    if current is not None and current.product.brand_id != brand_id:
        raise NotFound("there is no such product of this brand", field="product_id")
    if fields.launched_at is not None and fields.launched_at > now + FUTURE_TOLERANCE:
        raise InvalidInput("must not be in the future: set it when the product launches", field="launched_at")
    launched = current.product.launched_at if current else None
    if launched is not None and fields.launched_at != launched:
        raise Conflict(f"the product launched at {launched.isoformat()}; that time stays", field="launched_at")
    created = current.product.created_at if current else now
    version = current.product.version + 1 if current else 1
    return Product(
        **fields.model_dump(),
        product_id=product_id,
        brand_id=brand_id,
        created_at=created,
        updated_at=now,
        version=version,
    )


def put_product(
    table: CatalogTable,
    announcer: Announcer,
    listener: ProductListener,
    path: BrandProductPath,
    fields: ProductFields,
    now: datetime,
    link_domains: frozenset[str],
) -> Product:
    """`link_domains`: the click redirect's (RedirectAllowedDomains); the product's `url` must be one of them, since a
    launch campaign's emails link to it through the redirect."""
    refused_link(fields.url, link_domains)
    current = table.product(path.product_id)
    product = next_product(current, path.brand_id, path.product_id, fields, now)
    announced = current.announced if current else False
    if not table.save_product(product, announced):
        raise Conflict("the product changed while it was written; retry the request")
    listener.product_written(product, current.product if current else None)
    if product.launched_at is not None and not announced:
        announcer.announce("product.launched", _launch_detail(product))
        table.mark_product_announced(product.product_id)
    return product


def _launch_detail(product: Product) -> dict[str, object]:
    return {
        "event_id": f"product.launched:{product.product_id}",
        "product_id": product.product_id,
        "brand_id": product.brand_id,
        "category": product.category,
        "name": product.name,
        "url": product.url,
        "launched_at": product.launched_at.isoformat() if product.launched_at else None,
    }


def product_for_actor(table: CatalogTable, actor: Actor, product_id: str) -> Product:
    """A launched product for anyone; one not launched yet only for its brand and admins."""
    stored = table.product(product_id)
    if stored is None or (stored.product.launched_at is None and not actor.may_manage_brand(stored.product.brand_id)):
        raise NotFound("there is no such product", field="product_id")
    return stored.product
