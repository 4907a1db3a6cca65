"""openapi.json, generated from the handlers' own routes and pydantic models."""

from __future__ import annotations

import json

from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

from local_runtime.lambdas import LocalFunction
from local_runtime.template import Template

TITLE = "Nudge API"
VERSION = "1.0.0"
DESCRIPTION = (
    "Behavioral personalization for marketplaces. Every route needs a bearer JWT; "
    'errors are `{"error": {"code", "message", "fields": [{"field", "problem"}]}}`.'
)


def generate(template: Template) -> str:
    merger = OpenAPIMerge(
        title=TITLE,
        version=VERSION,
        description=DESCRIPTION,
        security_schemes={"bearerAuth": HTTPBearer(bearerFormat="JWT")},
        security=[{"bearerAuth": []}],
        on_conflict="error",
    )
    routed = {route.function_id for route in template.http_routes()}
    for spec in sorted(template.functions(), key=lambda spec: spec.logical_id):
        if spec.logical_id in routed:
            merger.add_schema(LocalFunction(spec).module.app.get_openapi_schema())
    return json.dumps(json.loads(merger.get_openapi_json_schema()), indent=2, sort_keys=True) + "\n"
