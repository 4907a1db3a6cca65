"""Brands, products and surveys over HTTP: a brand writes a product and a survey with its token, a user
reads them and responds once; another brand's token finds nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from local_runtime.tokens import issue_token
from tests.e2e.conftest import Client


def test_a_brand_publishes_and_a_user_responds(client: Client, user: str) -> None:
    suffix = uuid.uuid4().hex[:8]
    acme, globex = issue_token("ana", brand=f"acme-{suffix}"), issue_token("gus", brand=f"globex-{suffix}")
    product, survey = (
        f"/v1/brands/acme-{suffix}/products/watch-{suffix}",
        f"/v1/brands/acme-{suffix}/surveys/fit-{suffix}",
    )
    launched = (datetime.now(UTC) - timedelta(hours=2)).isoformat()
    body = {
        "name": "Acme Watch",
        "category": "ELECTRONICS",
        "url": "https://acme.nudge.example/watch",
        "launched_at": launched,
    }
    questions = [
        {"question_id": "nps", "type": "nps", "text": "Would you recommend it?"},
        {"question_id": "fit", "type": "choice", "text": "How does it fit?", "options": ["small", "right", "large"]},
    ]
    written = client.request("PUT", product, body, acme)
    stranger = client.request("PUT", product, body, globex)
    shown = client.request("GET", f"/v1/products/watch-{suffix}", token=client.as_user(user))
    assert (written.status, stranger.status, shown.status) == (200, 404, 200)
    assert shown.body["name"] == "Acme Watch"

    survey_body = {"title": "Fit", "category": "ELECTRONICS", "product_id": f"watch-{suffix}", "questions": questions}
    assert client.request("PUT", survey, survey_body | {"status": "published"}, acme).status == 200
    path = f"/v1/surveys/fit-{suffix}/responses"
    response = {
        "answers": [{"question_id": "nps", "value": 10}, {"question_id": "fit", "value": "right"}],
        "channel": "app",
    }
    first = client.request("POST", path, response, client.as_user(user))
    second = client.request("POST", path, response, client.as_user(user))

    assert (first.status, first.body["user_id"], first.body["engagement"]) == (201, user, "not_tracked")
    assert second.status == 409
