"""The HTTP adapter's public routes (no token), HTML answers, redirects and form bodies."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from local_runtime.lambdas import LambdaContext
from nudge.api import ApiCall, Endpoint, endpoint
from nudge.api.http import FORM, WebAnswer
from nudge.errors import Forbidden
from nudge.models import NudgeModel


class _Form(NudgeModel):
    list_unsubscribe: str = Field(alias="List-Unsubscribe")


SEEN: list[Any] = []
CONTEXT = LambdaContext("Fn", 128, 3)


@endpoint(Endpoint("POST", "/x/{token}", "x", WebAnswer, access="public", body=_Form, content_types=(FORM,), web=True))
def _post(call: ApiCall, body: _Form) -> WebAnswer:
    SEEN.append((call.actor, body))
    if body.list_unsubscribe == "refuse":
        raise Forbidden("this link <b>was</b> altered", field="token")
    return WebAnswer(status=302, location="https://nudge.example/")


def _event(body: str, content_type: str = FORM) -> dict[str, Any]:
    return {
        "headers": {"content-type": content_type},
        "body": body,
        "requestContext": {"http": {"sourceIp": "203.0.113.7", "userAgent": "Mail/1"}},
        "pathParameters": {"token": "t"},
    }


def test_a_public_route_runs_without_claims_as_nobody_from_the_requests_ip_and_agent() -> None:
    SEEN.clear()
    answer = _post(_event("List-Unsubscribe=One-Click"), CONTEXT)
    assert (answer["statusCode"], answer["headers"]["location"]) == (302, "https://nudge.example/")
    [(actor, body)] = SEEN
    assert (actor.user_id, actor.is_admin, actor.source_ip, actor.user_agent) == ("", False, "203.0.113.7", "Mail/1")
    assert body.list_unsubscribe == "One-Click"


def test_errors_of_a_web_route_are_html_pages_with_the_message_escaped() -> None:
    answer = _post(_event("List-Unsubscribe=refuse"), CONTEXT)
    assert (answer["statusCode"], answer["headers"]["content-type"]) == (403, "text/html; charset=utf-8")
    assert "this link &lt;b&gt;was&lt;/b&gt; altered" in answer["body"]
    assert "<li>token: " in answer["body"]
    assert answer["headers"]["x-frame-options"] == "DENY"


def test_a_form_field_sent_twice_or_a_json_body_is_refused_before_the_domain() -> None:
    SEEN.clear()
    twice = _post(_event("List-Unsubscribe=a&List-Unsubscribe=b"), CONTEXT)
    as_json = _post(_event('{"List-Unsubscribe": "x"}', "application/json"), CONTEXT)
    unknown = _post(_event("List-Unsubscribe=a&other=1"), CONTEXT)
    assert (twice["statusCode"], as_json["statusCode"], unknown["statusCode"]) == (400, 415, 422)
    assert SEEN == []
