"""PUT /v1/brands/{brand_id}/products/{product_id}: a brand writes one of its products."""

from datetime import UTC, datetime

from nudge.api import ApiCall, Endpoint, endpoint
from nudge.catalog.announcements import bus_announcer
from nudge.catalog.catalog_models import Product, ProductFields
from nudge.catalog.catalog_table import catalog_table
from nudge.catalog.products import BrandProductPath, put_product
from nudge.product_recommendations.candidate_store import candidate_lists
from nudge.subscribers.click_links import allowed_domains

PUT_PRODUCT = Endpoint(
    method="PUT",
    path="/v1/brands/{brand_id}/products/{product_id}",
    summary="Create or replace a product of the brand (that brand or an admin); its launch publishes product.launched",
    access="brand",
    path_parameters=BrandProductPath,
    body=ProductFields,
    response=Product,
    errors=(404, 409),
    tag="catalog",
)


@endpoint(PUT_PRODUCT)
def lambda_handler(call: ApiCall, path: BrandProductPath, body: ProductFields) -> Product:
    return put_product(
        catalog_table(), bus_announcer(), candidate_lists(), path, body, datetime.now(UTC), allowed_domains()
    )
