"""Operations, as template.yaml declares them: logs, alarms, the dashboard, API protection, data protection.

Each check covers every function, table or queue the template has, so a resource added without its
log group or alarms fails here.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from local_runtime.template import ROOT, Template
from tests.alarms import (
    alarms,
    dashboard_metrics,
    dashboard_widgets,
    expression,
    metrics_namespace,
    nudge_metrics_alarmed_on,
    watched,
)

template = Template.load()
resources = template.resources
functions = sorted(template.resources_of_type("AWS::Serverless::Function"))
tables = sorted(template.resources_of_type("AWS::DynamoDB::Table"))
queues = sorted(template.resources_of_type("AWS::SQS::Queue"))
ALARM_TOPIC = {"Ref": "AlarmTopic"}
# What a metric may be split by: a resource, an operation, the service. Never a user, booking or request.
ALLOWED_DIMENSIONS = {"FunctionName", "ApiId", "TableName", "Operation", "QueueName", "service"}


def _default(parameter: str) -> Any:
    return template.data["Parameters"][parameter]["Default"]


def _queue_of(arn: Any) -> str:
    assert arn["Fn::GetAtt"][1] == "Arn", arn
    return str(arn["Fn::GetAtt"][0])


def dead_letter_queues() -> set[str]:
    """Every queue something sends its failures to: a redrive target, a function's or a rule's DLQ."""
    found = set()
    for queue in queues:
        redrive = resources[queue]["Properties"].get("RedrivePolicy")
        if redrive:
            found.add(_queue_of(redrive["deadLetterTargetArn"]))
    for function in functions:
        properties = resources[function]["Properties"]
        if "DeadLetterQueue" in properties:
            found.add(_queue_of(properties["DeadLetterQueue"]["TargetArn"]))
        for event in properties.get("Events", {}).values():
            if "DeadLetterConfig" in event.get("Properties", {}):
                found.add(_queue_of(event["Properties"]["DeadLetterConfig"]["Arn"]))
    return found


def test_every_function_logs_to_a_declared_group_kept_for_the_retention_parameter() -> None:
    for function in functions:
        group = resources[function]["Properties"]["LoggingConfig"]["LogGroup"]
        assert group == {"Ref": f"{function}LogGroup"}, function
        declared = resources[group["Ref"]]
        assert declared["Type"] == "AWS::Logs::LogGroup"
        assert declared["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    assert resources["ApiAccessLogGroup"]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    assert _default("LogRetentionDays") == 30
    assert 30 in template.data["Parameters"]["LogRetentionDays"]["AllowedValues"]


def test_every_function_has_one_alarm_over_its_errors_and_throttles() -> None:
    for function in functions:
        alarm = alarms(template)[f"{function}ErrorRateAlarm"]
        metrics = {metric.name: metric for metric in watched(alarm)}
        assert set(metrics) == {"Errors", "Invocations", "Throttles"}, function
        for metric in metrics.values():
            assert (metric.namespace, metric.stat, metric.period) == ("AWS/Lambda", "Sum", 300)
            assert metric.dimensions == {"FunctionName": {"Ref": function}}
        assert "100 * (FILL(errors, 0) + FILL(throttles, 0)) / (FILL(invocations, 0) + FILL(throttles, 0))" in (
            expression(alarm)
        )
        assert (alarm["ComparisonOperator"], alarm["Threshold"]) == (
            "GreaterThanThreshold",
            {"Ref": "ErrorRateThresholdPercent"},
        )
    assert _default("ErrorRateThresholdPercent") == 1


def test_every_dead_letter_queue_has_an_alarm_on_a_visible_message() -> None:
    found = dead_letter_queues()
    assert found == {
        "BridgeEventsDeadLetterQueue",
        "ArchetypeRecalculationDeadLetterQueue",
        "UserErasureDeadLetterQueue",
        "CampaignDeadLetterQueue",
    }
    for queue in found:
        alarm = alarms(template)[f"{queue}Alarm"]
        [metric] = watched(alarm)
        assert metric.name == "ApproximateNumberOfMessagesVisible"
        assert metric.dimensions == {"QueueName": {"Fn::GetAtt": [queue, "QueueName"]}}
        assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("GreaterThanThreshold", 0)


def test_every_table_has_a_throttle_alarm_and_a_p99_latency_alarm() -> None:
    for table in tables:
        throttled = watched(alarms(template)[f"{table}ThrottleAlarm"])
        assert {metric.name for metric in throttled} == {"ReadThrottleEvents", "WriteThrottleEvents"}
        assert all(metric.dimensions == {"TableName": {"Ref": table}} for metric in throttled)

        latency = alarms(template)[f"{table}LatencyAlarm"]
        operations = {metric.dimensions.pop("Operation") for metric in watched(latency)}
        assert {"GetItem", "BatchGetItem", "Query", "TransactWriteItems"} <= operations
        for metric in watched(latency):
            assert (metric.name, metric.stat) == ("SuccessfulRequestLatency", "p99")
            assert metric.dimensions == {"TableName": {"Ref": table}, "Operation": metric.dimensions["Operation"]}
        assert latency["Threshold"] == {"Ref": "TableLatencyThresholdMs"}
    assert _default("TableLatencyThresholdMs") == 100


def test_the_api_has_a_5xx_rate_alarm_and_a_p99_latency_alarm() -> None:
    rate = alarms(template)["ApiServerErrorRateAlarm"]
    assert {metric.name for metric in watched(rate)} == {"5xx", "Count"}
    assert all(metric.dimensions == {"ApiId": {"Ref": "NudgeApi"}} for metric in watched(rate))
    assert rate["Threshold"] == {"Ref": "ErrorRateThresholdPercent"}
    latency = alarms(template)["ApiLatencyAlarm"]
    [metric] = watched(latency)
    assert (metric.name, metric.stat) == ("Latency", "p99")
    assert latency["Threshold"] == {"Ref": "ApiLatencyThresholdMs"}
    assert _default("ApiLatencyThresholdMs") == 1000


def test_every_alarm_notifies_the_alarm_topic_when_it_fires_and_when_it_clears() -> None:
    assert resources["AlarmTopic"]["Type"] == "AWS::SNS::Topic"
    assert len(alarms(template)) >= len(functions) + 2 * len(tables)
    for logical_id, alarm in alarms(template).items():
        assert alarm["AlarmActions"] == [ALARM_TOPIC], logical_id
        assert alarm["OKActions"] == [ALARM_TOPIC], logical_id
        assert alarm["AlarmDescription"], logical_id


def test_an_alarm_email_is_subscribed_only_when_given() -> None:
    subscription = resources["AlarmEmailSubscription"]
    assert subscription["Properties"] == {
        "TopicArn": ALARM_TOPIC,
        "Protocol": "email",
        "Endpoint": {"Ref": "AlarmEmail"},
    }
    assert subscription["Condition"] == "HasAlarmEmail"
    assert "AlarmEmailSubscription" not in template.resources_of_type("AWS::SNS::Subscription")
    given = Template.load()
    given.parameter_overrides["AlarmEmail"] = "oncall@example.com"
    assert "AlarmEmailSubscription" in given.resources_of_type("AWS::SNS::Subscription")


def test_no_metric_is_split_by_anything_with_many_values() -> None:
    service = template.data["Globals"]["Function"]["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"]
    for logical_id, alarm in alarms(template).items():
        for metric in watched(alarm):
            assert set(metric.dimensions) <= ALLOWED_DIMENSIONS, logical_id
            if metric.namespace == metrics_namespace(template):
                assert metric.dimensions == {"service": service}, logical_id
    for line in dashboard_metrics(template):
        dimension_names = set(line[2:-1:2]) if isinstance(line[-1], dict) else set(line[2::2])
        assert dimension_names <= ALLOWED_DIMENSIONS, line


@pytest.mark.parametrize(
    ("alarm", "metrics", "threshold"),
    [
        ("RecommendationSelectionRateAlarm", {"RecommendationImpressions", "RecommendationSelections"}, 20),
        ("TierSelectionRateAlarm", {"TierImpressions", "TierSelections"}, 20),
    ],
)
def test_selection_rates_below_20_percent_of_a_days_impressions_raise_an_alarm(
    alarm: str, metrics: set[str], threshold: int
) -> None:
    declared = alarms(template)[alarm]
    assert {metric.name for metric in watched(declared)} == metrics
    assert {metric.period for metric in watched(declared)} == {86400}
    assert declared["ComparisonOperator"] == "LessThanThreshold"
    assert declared["Threshold"] == {"Ref": "SelectionRateThresholdPercent"}
    assert _default("SelectionRateThresholdPercent") == threshold
    # A day with too few impressions is not evaluated against the threshold.
    assert expression(declared).startswith("IF(impressions >= ${BusinessAlarmMinimumVolume}, ")


def test_the_average_savings_moving_more_than_10_percent_day_over_day_raises_an_alarm() -> None:
    declared = alarms(template)["SavingsPercentageShiftAlarm"]
    assert {(metric.name, metric.stat, metric.period) for metric in watched(declared)} == {
        ("SavingsPercentage", "Average", 86400),
        ("SavingsPercentage", "SampleCount", 86400),
    }
    assert "ABS(DIFF(savings)) / (savings - DIFF(savings))" in expression(declared)
    assert "samples >= ${BusinessAlarmMinimumVolume}" in expression(declared)
    assert declared["Threshold"] == {"Ref": "SavingsShiftThresholdPercent"}
    assert _default("SavingsShiftThresholdPercent") == 10


def test_a_night_without_a_completed_recalculation_or_with_failed_users_raises_an_alarm() -> None:
    overdue = alarms(template)["RecalculationOverdueAlarm"]
    [completed] = watched(overdue)
    assert (completed.name, completed.period) == ("RecalculationCompleted", 3600)
    assert overdue["TreatMissingData"] == "breaching"  # no completion at all is the failure
    assert overdue["EvaluationPeriods"] == overdue["DatapointsToAlarm"] == {"Ref": "RecalculationOverdueHours"}
    assert _default("RecalculationOverdueHours") == 24 + 6  # the nightly cadence plus 6 hours
    [failed] = watched(alarms(template)["RecalculationFailedUsersAlarm"])
    assert failed.name == "RecalculationFailedUsers"
    assert alarms(template)["RecalculationFailedUsersAlarm"]["Threshold"] == 0


def test_business_alarms_read_the_namespace_the_functions_write() -> None:
    assert nudge_metrics_alarmed_on(template) == {
        "RecommendationImpressions",
        "RecommendationSelections",
        "TierImpressions",
        "TierSelections",
        "SavingsPercentage",
        "RecalculationCompleted",
        "RecalculationFailedUsers",
    }
    assert template.resolve(metrics_namespace(template)) == "Nudge/nudge-local"  # one namespace per stack


def test_the_dashboard_shows_the_api_every_function_queue_and_table_and_the_business_metrics() -> None:
    lines = list(dashboard_metrics(template))
    shown = {(line[0], line[1], line[3]) for line in lines if len(line) > 3}
    for function in functions:
        for name in ("Errors", "Throttles", "Duration"):
            assert ("AWS/Lambda", name, function) in shown, (function, name)
    for queue in queues:
        assert ("AWS/SQS", "ApproximateNumberOfMessagesVisible", f"{queue}.QueueName") in shown, queue
    for table in tables:
        for name in ("ReadThrottleEvents", "WriteThrottleEvents"):
            assert ("AWS/DynamoDB", name, table) in shown, table
    for name in ("Count", "4xx", "5xx", "Latency"):
        assert ("AWS/ApiGateway", name, "NudgeApi") in shown, name
    business = {line[1] for line in lines if line[0] == "Nudge/AWS::StackName"}
    assert nudge_metrics_alarmed_on(template) <= business
    assert all(widget["properties"]["region"] == "AWS::Region" for widget in dashboard_widgets(template))


def test_every_route_is_throttled_by_parameters() -> None:
    api = resources["NudgeApi"]["Properties"]
    assert api["DefaultRouteSettings"] == {
        "ThrottlingRateLimit": {"Ref": "ApiThrottlingRateLimit"},
        "ThrottlingBurstLimit": {"Ref": "ApiThrottlingBurstLimit"},
    }
    assert _default("ApiThrottlingBurstLimit") >= _default("ApiThrottlingRateLimit") > 0


def test_access_logs_are_json_lines_in_a_declared_group_without_paths_or_credentials() -> None:
    settings = resources["NudgeApi"]["Properties"]["AccessLogSettings"]
    assert settings["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    line = json.loads(settings["Format"])
    assert line["requestId"] == "$context.requestId"
    assert {"routeKey", "status", "latencyMs", "integrationError", "authorizerError"} <= set(line)
    # A raw path can carry a user id (an email address, with some identity providers); the route key cannot.
    assert "$context.path" not in settings["Format"]
    assert "authorization" not in settings["Format"].lower().replace("authorizer", "")


def test_cors_allows_only_the_allowed_origins_parameter_and_none_by_default() -> None:
    cors = resources["NudgeApi"]["Properties"]["CorsConfiguration"]
    assert cors["AllowOrigins"] == {"Ref": "AllowedOrigins"}
    assert {"authorization", "content-type", "idempotency-key"} <= set(cors["AllowHeaders"])
    assert template.data["Parameters"]["AllowedOrigins"] == {
        "Type": "CommaDelimitedList",
        "Default": "",
        "Description": template.data["Parameters"]["AllowedOrigins"]["Description"],
    }


def test_every_table_and_queue_survives_stack_deletion_and_replacement() -> None:
    assert tables
    assert queues
    for logical_id in tables + queues:
        assert resources[logical_id]["DeletionPolicy"] == "Retain", logical_id
        assert resources[logical_id]["UpdateReplacePolicy"] == "Retain", logical_id


def test_every_table_has_deletion_protection_on_by_default_and_point_in_time_recovery() -> None:
    for table in tables:
        properties = resources[table]["Properties"]
        assert properties["DeletionProtectionEnabled"] == {"Fn::If": ["ProtectTables", True, False]}, table
        assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}, table
    assert template.resolve({"Fn::If": ["ProtectTables", True, False]}) is True
    unprotected = Template.load()
    unprotected.parameter_overrides["TableDeletionProtection"] = "false"
    assert unprotected.resolve({"Fn::If": ["ProtectTables", True, False]}) is False


def test_the_recalculation_workers_concurrency_is_bounded_by_its_own_parameter() -> None:
    [source] = [
        event["Properties"]
        for event in resources["RecalculateArchetypesFunction"]["Properties"]["Events"].values()
        if event["Type"] == "SQS"
    ]
    assert source["ScalingConfig"]["MaximumConcurrency"] == {"Ref": "RecalculationMaxConcurrency"}
    assert _default("RecalculationMaxConcurrency") == 16


def test_no_function_pays_for_tracing() -> None:
    """Decided by measurement (README, Operations): the Powertools Tracer costs about 0.3x of the cold-start
    floor, and an HTTP API starts no trace for it to continue."""
    assert template.data["Globals"]["Function"]["Tracing"] == "PassThrough"
    assert all("Tracing" not in resources[function]["Properties"] for function in functions)
    sources = [*(ROOT / "layers" / "nudge" / "nudge").rglob("*.py"), *(ROOT / "functions").rglob("*.py")]
    assert not [path for path in sources if "Tracer" in path.read_text()]
