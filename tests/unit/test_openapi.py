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


def _refs(node: object) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def test_every_reference_points_at_a_schema() -> None:
    document = json.loads(OPENAPI_PATH.read_text())
    schemas = document["components"]["schemas"]
    refs = _refs(document)
    assert refs
    missing = sorted({ref for ref in refs if ref.removeprefix("#/components/schemas/") not in schemas})
    assert missing == []


def test_only_the_routes_without_an_authorizer_drop_the_bearer_requirement_and_answer_html() -> None:
    document = json.loads(OPENAPI_PATH.read_text())
    public = {
        f"{method.upper()} {path}"
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if operation.get("security") == []
    }
    assert public == {f"{route.method} {route.path}" for route in Template.load().http_routes() if not route.authorized}
    redirect = document["paths"]["/v1/r/{token}"]["get"]["responses"]
    assert set(redirect["302"]["headers"]) == {"Location"}
    assert "401" not in redirect
    assert set(redirect["403"]["content"]) == {"text/html"}
