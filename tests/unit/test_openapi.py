import json

from local_runtime.openapi import generate
from local_runtime.server import OPENAPI_PATH
from local_runtime.template import Template


def test_committed_openapi_matches_the_code() -> None:
    assert OPENAPI_PATH.read_text() == generate(Template.load()), "run `make openapi` and commit openapi.json"


def test_document_covers_every_route_with_jwt_security_and_error_shapes() -> None:
    document = json.loads(OPENAPI_PATH.read_text())
    assert document["openapi"].startswith("3.1")
    assert set(document["paths"]) == {route.path for route in Template.load().http_routes()}
    assert document["security"] == [{"bearerAuth": []}]
    post = document["paths"]["/v1/events"]["post"]
    assert post["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")
    assert document["components"]["schemas"]["IngestEventsRequest"]["additionalProperties"] is False
