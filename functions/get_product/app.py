"""GET /v1/products/{product_id}: a launched product, for any signed-in user."""

from nudge.api import ApiCall, Endpoint, endpoint
from nudge.catalog.catalog_models import Product
from nudge.catalog.catalog_table import catalog_table
from nudge.catalog.products import ProductPath, product_for_actor

GET_PRODUCT = Endpoint(
    method="GET",
    path="/v1/products/{product_id}",
    summary="Read a launched product (one not launched yet: its brand and admins only)",
    path_parameters=ProductPath,
    response=Product,
    errors=(404,),
    tag="catalog",
)


@endpoint(GET_PRODUCT)
def lambda_handler(call: ApiCall, path: ProductPath) -> Product:
    return product_for_actor(catalog_table(), call.actor, path.product_id)
