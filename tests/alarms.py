"""The template's alarms and dashboard read as data, for the tests that check what they watch."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, NamedTuple

from local_runtime.template import Template


class WatchedMetric(NamedTuple):
    """One metric an alarm reads: intrinsic functions are left as the template writes them."""

    namespace: Any
    name: str
    dimensions: dict[str, Any]
    stat: str
    period: int


def alarms(template: Template) -> dict[str, dict[str, Any]]:
    return {
        logical_id: resource["Properties"]
        for logical_id, resource in template.resources.items()
        if resource["Type"] == "AWS::CloudWatch::Alarm"
    }


def _dimensions(listed: list[dict[str, Any]]) -> dict[str, Any]:
    return {dimension["Name"]: dimension["Value"] for dimension in listed}


def watched(alarm: dict[str, Any]) -> list[WatchedMetric]:
    """The metrics of a single-metric alarm, or those a metric-math alarm's expressions combine."""
    if "Metrics" not in alarm:
        stat = alarm.get("Statistic") or alarm["ExtendedStatistic"]
        dimensions = _dimensions(alarm.get("Dimensions", []))
        return [WatchedMetric(alarm["Namespace"], alarm["MetricName"], dimensions, stat, alarm["Period"])]
    found = []
    for query in alarm["Metrics"]:
        if "MetricStat" in query:
            stat, metric = query["MetricStat"], query["MetricStat"]["Metric"]
            dimensions = _dimensions(metric.get("Dimensions", []))
            found.append(
                WatchedMetric(metric["Namespace"], metric["MetricName"], dimensions, stat["Stat"], stat["Period"])
            )
    return found


def expression(alarm: dict[str, Any]) -> str:
    """The one expression a metric-math alarm returns, as written (a !Sub's text)."""
    [returned] = [query for query in alarm["Metrics"] if query.get("ReturnData", True)]
    text = returned["Expression"]
    return str(text["Fn::Sub"] if isinstance(text, dict) else text)


def metrics_namespace(template: Template) -> Any:
    """Where Powertools Metrics writes (as the template writes it)."""
    return template.data["Globals"]["Function"]["Environment"]["Variables"]["POWERTOOLS_METRICS_NAMESPACE"]


def nudge_metrics_alarmed_on(template: Template) -> set[str]:
    """The names of Nudge's own metrics (Powertools EMF) that some alarm watches."""
    namespace = metrics_namespace(template)
    return {
        metric.name for alarm in alarms(template).values() for metric in watched(alarm) if metric.namespace == namespace
    }


def dashboard_widgets(template: Template, logical_id: str = "OperationsDashboard") -> list[dict[str, Any]]:
    """The dashboard body with each ${...} of its !Sub left as the name it substitutes."""
    body = template.resources[logical_id]["Properties"]["DashboardBody"]["Fn::Sub"]
    return list(json.loads(re.sub(r"\$\{([^}]+)\}", r"\1", body))["widgets"])


def dashboard_metrics(template: Template) -> Iterator[list[Any]]:
    """Every metric line of every widget: [namespace, name, dimension, value, ...] (expressions skipped)."""
    for widget in dashboard_widgets(template):
        for line in widget["properties"]["metrics"]:
            if isinstance(line[0], str):
                yield line
