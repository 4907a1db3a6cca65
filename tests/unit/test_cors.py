"""CORS as the local gateway applies the template's CorsConfiguration: preflight answered before routing,
allowed origins echoed, everything else left without CORS headers."""

from __future__ import annotations

import argparse

import pytest

from local_runtime.__main__ import _parameter
from local_runtime.cors import CorsGateway, CorsRules
from local_runtime.gateway import GatewayResponse
from local_runtime.template import Template

APP = "https://app.example.com"
PREFLIGHT = {"Origin": APP, "Access-Control-Request-Method": "PATCH", "Access-Control-Request-Headers": "authorization"}


def rules(origins: str = "") -> CorsRules:
    template = Template.load()
    if origins:
        template.parameter_overrides["AllowedOrigins"] = origins
    found = CorsRules.from_template(template)
    assert found is not None
    return found


def test_the_template_allows_no_origin_by_default() -> None:
    assert rules().allow_origins == ()
    assert rules().preflight("OPTIONS", PREFLIGHT) == GatewayResponse(204, {}, b"")


def test_the_allowed_origins_parameter_is_a_comma_separated_list() -> None:
    assert rules(f"{APP}, http://localhost:5173").allow_origins == (APP, "http://localhost:5173")


def test_a_preflight_from_an_allowed_origin_gets_the_configured_methods_headers_and_max_age() -> None:
    answer = rules(APP).preflight("OPTIONS", PREFLIGHT)
    assert answer is not None
    assert answer.status == 204
    assert answer.headers == {
        "access-control-allow-origin": APP,
        "access-control-allow-methods": "GET,POST,PUT,PATCH,DELETE",
        "access-control-allow-headers": "authorization,content-type,idempotency-key",
        "access-control-max-age": "600",
    }


def test_a_preflight_from_another_origin_gets_no_cors_headers() -> None:
    answer = rules(APP).preflight("OPTIONS", {**PREFLIGHT, "Origin": "https://evil.example"})
    assert answer == GatewayResponse(204, {}, b"")


def test_only_an_options_request_with_a_requested_method_is_a_preflight() -> None:
    assert rules(APP).preflight("OPTIONS", {"Origin": APP}) is None
    assert rules(APP).preflight("GET", PREFLIGHT) is None


def test_responses_to_an_allowed_origin_carry_allow_origin_and_others_are_unchanged() -> None:
    response = GatewayResponse(404, {"content-type": "application/json"}, b"{}")
    decorated = rules(APP).decorate({"origin": APP}, response)
    assert decorated.headers == {"content-type": "application/json", "access-control-allow-origin": APP}
    assert rules(APP).decorate({"origin": "https://evil.example"}, response) == response
    assert rules(APP).decorate({}, response) == response


def test_the_gateway_answers_a_preflight_without_routing_or_a_token() -> None:
    gateway = CorsGateway([], {}, rules(APP))  # no route at all: routing would be a 404
    answer = gateway.handle("OPTIONS", "/v1/events", PREFLIGHT, b"", "127.0.0.1")
    assert (answer.status, answer.headers["access-control-allow-origin"]) == (204, APP)
    not_found = gateway.handle("GET", "/v1/nothing", {"Origin": APP}, b"", "127.0.0.1")
    assert (not_found.status, not_found.headers["access-control-allow-origin"]) == (404, APP)


def test_without_a_cors_configuration_a_preflight_is_routed_like_any_request() -> None:
    template = Template.load()
    del template.data["Resources"]["NudgeApi"]["Properties"]["CorsConfiguration"]
    assert CorsRules.from_template(template) is None
    answer = CorsGateway([], {}, None).handle("OPTIONS", "/v1/events", PREFLIGHT, b"", "127.0.0.1")
    assert answer.status == 404
    assert "access-control-allow-origin" not in answer.headers


def test_the_local_server_takes_template_parameters_like_sam_deploy() -> None:
    assert _parameter(f"AllowedOrigins={APP},http://localhost:5173") == (
        "AllowedOrigins",
        f"{APP},http://localhost:5173",
    )
    for wrong in ("AllowedOrigins", "NoSuchParameter=1"):
        with pytest.raises(argparse.ArgumentTypeError):
            _parameter(wrong)
