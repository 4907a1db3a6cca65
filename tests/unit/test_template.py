"""template.yaml is the single source of truth: these check what the local runtime reads from it."""

import json
from pathlib import Path

from local_runtime.template import ROOT, HttpRoute, Template

template = Template.load()


def test_every_function_is_a_package_with_a_thin_handler() -> None:
    for spec in template.functions():
        assert (spec.code_uri / "__init__.py").is_file(), spec.logical_id
        assert (spec.code_uri / "app.py").is_file(), spec.logical_id
        assert spec.handler == "app.lambda_handler"
        assert spec.code_uri.parent == ROOT / "functions"


def test_routes_come_from_the_http_api_events() -> None:
    keys = {route.route_key: route for route in template.http_routes()}
    assert keys["POST /v1/events"].function_id == "IngestEventsFunction"
    assert keys["GET /v1/users/{user_id}/signals"].function_id == "GetUserSignalsFunction"
    # Only the links in emails go without a token (Auth: Authorizer: NONE); they carry a signed token of their own.
    public = {key for key, route in keys.items() if not route.authorized}
    assert public == {"GET /v1/unsubscribe/{token}", "POST /v1/unsubscribe/{token}", "GET /v1/r/{token}"}


def test_route_templates_match_paths_and_extract_parameters() -> None:
    route = HttpRoute("GET", "/v1/users/{user_id}/signals", "Fn", authorized=True)
    assert route.match("GET", "/v1/users/u-1/signals") == {"user_id": "u-1"}
    assert route.match("GET", "/v1/users/u-1/signals/extra") is None
    assert route.match("POST", "/v1/users/u-1/signals") is None


def test_function_environment_resolves_refs_to_local_names() -> None:
    ingest = template.function("ingest_events")
    assert ingest.environment["BEHAVIOR_TABLE_NAME"] == "nudge-local-BehaviorTable"
    assert ingest.environment["IDEMPOTENCY_TABLE_NAME"] == "nudge-local-IdempotencyTable"
    assert ingest.environment["POWERTOOLS_SERVICE_NAME"] == "nudge"


def test_the_bridge_rule_listens_on_the_nudge_bus_for_transaction_types() -> None:
    [rule] = [rule for rule in template.bus_rules() if rule.function_id == "IngestBridgeEventsFunction"]
    assert rule.bus_name == "nudge-local-events"
    assert rule.pattern["source"] == ["marketplace.transactions"]
    assert "date_change_request.created" in rule.pattern["detail-type"]


def test_ses_events_of_the_configuration_set_reach_the_feedback_function_from_the_default_bus() -> None:
    [rule] = [rule for rule in template.bus_rules() if rule.function_id == "RecordDeliveryFeedbackFunction"]
    assert rule.bus_name == "default"
    assert rule.pattern["source"] == ["aws.ses"]
    assert rule.pattern["detail"]["mail"]["tags"]["ses:configuration-set"] == ["nudge-local-notifications"]
    destination = template.resources["NotificationEventDestination"]["Properties"]["EventDestination"]
    assert sorted(destination["MatchingEventTypes"]) == ["bounce", "click", "complaint", "delivery", "open", "send"]


def test_a_host_bus_parameter_moves_the_rule() -> None:
    moved = Template.load()
    moved.parameter_overrides["TransactionEventBusName"] = "host-platform-bus"
    assert moved.bus_rules()[0].bus_name == "host-platform-bus"


def test_no_wildcard_actions_in_inline_policies() -> None:
    text = (ROOT / "template.yaml").read_text()
    assert "Action: '*'" not in text
    assert 'Action: "*"' not in text


def test_every_function_has_sample_events_for_its_routes() -> None:
    routes = {route.function_id: route for route in template.http_routes()}
    for spec in template.functions():
        samples = sorted((ROOT / "events" / spec.folder).glob("*.json"))
        assert samples, f"events/{spec.folder}/ has no sample event"
        for sample in samples:
            payload = json.loads(sample.read_text())
            if spec.logical_id in routes:
                assert payload["routeKey"] == routes[spec.logical_id].route_key, sample


def test_env_json_matches_the_template() -> None:
    env = json.loads(Path(ROOT / "env.json").read_text())
    shared = template.data["Globals"]["Function"]["Environment"]["Variables"]
    for spec in template.functions():
        expected = {key: value for key, value in spec.environment.items() if key not in shared}
        assert env[spec.logical_id] == expected, spec.logical_id


def test_two_stacks_in_one_emulator_have_rules_of_their_own_on_the_shared_default_bus() -> None:
    other = Template.load(stack_name="cmp-12345678")
    ours = {rule.name for rule in template.bus_rules() if rule.bus_name == "default"}
    theirs = {rule.name for rule in other.bus_rules() if rule.bus_name == "default"}
    assert ours == {"nudge-local-RecordDeliveryFeedbackFunction-SesEvents"}
    assert theirs == {"cmp-12345678-RecordDeliveryFeedbackFunction-SesEvents"}
