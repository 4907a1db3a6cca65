"""template.yaml read as data: parameters, conditions, intrinsic functions, functions and their events.

Only what the local runtime needs is resolved: Ref, Fn::GetAtt, Fn::Sub, Fn::If, Fn::Equals,
Fn::Not, Fn::Join. Physical names are derived from the stack name and the logical id, the way
CloudFormation would name them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import yaml

from local_runtime.intrinsics import ACCOUNT_ID, REGION, Resolver

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = ROOT / "template.yaml"
__all__ = ["ACCOUNT_ID", "REGION", "ROOT", "Template"]


class _CfnLoader(yaml.CSafeLoader):
    """YAML loader that turns CloudFormation short-form tags into their long form (libyaml's: the template is
    thousands of lines, which the pure-Python loader takes about 0.3 s to read)."""


def _construct_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


_CfnLoader.add_multi_constructor("!", _construct_tag)


@dataclass(frozen=True)
class HttpRoute:
    method: str
    path: str
    function_id: str
    authorized: bool

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"

    def match(self, method: str, path: str) -> dict[str, str] | None:
        """The path parameters when `path` (as sent, percent-encoded) is this route; decoded as API
        Gateway passes them (`auth0%7Cabc` is `auth0|abc`)."""
        if method != self.method:
            return None
        pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.path))
        found = re.fullmatch(pattern, path)
        return {name: unquote(value) for name, value in found.groupdict().items()} if found else None


@dataclass(frozen=True)
class BusRule:
    name: str
    function_id: str
    bus_name: str
    pattern: dict[str, Any]


@dataclass(frozen=True)
class QueueSource:
    """An SQS event source: Lambda polls the queue and invokes the function with batches of messages."""

    function_id: str
    queue_id: str
    batch_size: int
    reports_item_failures: bool


@dataclass(frozen=True)
class TopicSource:
    """An SNS subscription of a function: SNS invokes it (asynchronously) with one record per message."""

    name: str
    function_id: str
    topic_id: str


@dataclass(frozen=True)
class Schedule:
    function_id: str
    expression: str


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    name: str
    code_uri: Path
    handler: str
    environment: dict[str, str]
    timeout_seconds: int
    memory_mb: int

    @property
    def folder(self) -> str:
        return self.code_uri.name


@dataclass
class Template:
    stack_name: str
    data: dict[str, Any]
    parameter_overrides: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, stack_name: str = "nudge-local", path: Path = TEMPLATE_PATH) -> Template:
        return cls(stack_name=stack_name, data=yaml.load(path.read_text(), Loader=_CfnLoader))  # noqa: S506

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return dict(self.data["Resources"])

    def resources_of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {
            logical_id: resource
            for logical_id, resource in self.resources.items()
            if resource["Type"] == resource_type and self._condition_holds(resource.get("Condition"))
        }

    def physical_name(self, logical_id: str) -> str:
        return Resolver(self).physical_name(logical_id)

    def parameter(self, name: str) -> str:
        if name in self.parameter_overrides:
            return self.parameter_overrides[name]
        return str(self.data["Parameters"][name].get("Default", ""))

    def _condition_holds(self, name: str | None) -> bool:
        return name is None or bool(self.resolve(self.data["Conditions"][name]))

    def resolve(self, value: Any) -> Any:
        """Evaluate intrinsic functions in `value`."""
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            handler = _INTRINSICS.get(key)
            if handler:
                return handler(self, argument)
        return {key: self.resolve(inner) for key, inner in value.items()}

    def ref(self, name: str) -> str:
        pseudo = {
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::StackName": self.stack_name,
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::Partition": "aws",
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.data.get("Parameters", {}):
            return self.parameter(name)
        return Resolver(self).ref(name)

    def get_att(self, logical_id: str, attribute: str) -> str:
        return Resolver(self).get_att(logical_id, attribute)

    def functions(self) -> list[FunctionSpec]:
        defaults = self.data.get("Globals", {}).get("Function", {})
        specs = []
        for logical_id, resource in self.resources_of_type("AWS::Serverless::Function").items():
            properties = resource["Properties"]
            environment = {
                **defaults.get("Environment", {}).get("Variables", {}),
                **properties.get("Environment", {}).get("Variables", {}),
            }
            specs.append(
                FunctionSpec(
                    logical_id=logical_id,
                    name=self.ref(logical_id),
                    code_uri=(ROOT / properties["CodeUri"]).resolve(),
                    handler=properties["Handler"],
                    environment={key: str(self.resolve(value)) for key, value in environment.items()},
                    timeout_seconds=int(properties.get("Timeout", defaults.get("Timeout", 3))),
                    memory_mb=int(properties.get("MemorySize", defaults.get("MemorySize", 128))),
                )
            )
        return specs

    def function(self, folder_or_id: str) -> FunctionSpec:
        for spec in self.functions():
            if folder_or_id in (spec.logical_id, spec.folder):
                return spec
        raise KeyError(f"no function '{folder_or_id}' in template.yaml")

    def _function_events(self, event_type: str) -> list[tuple[str, str, dict[str, Any]]]:
        found = []
        for logical_id, resource in self.resources_of_type("AWS::Serverless::Function").items():
            for event_name, event in resource["Properties"].get("Events", {}).items():
                if event["Type"] == event_type:
                    found.append((logical_id, event_name, event.get("Properties", {})))
        return found

    def http_routes(self) -> list[HttpRoute]:
        api_auth = self._http_api_auth()
        routes = []
        for function_id, _, properties in self._function_events("HttpApi"):
            authorizer = properties.get("Auth", {}).get("Authorizer", api_auth)
            routes.append(
                HttpRoute(
                    method=properties["Method"].upper(),
                    path=properties["Path"],
                    function_id=function_id,
                    authorized=authorizer not in (None, "NONE"),
                )
            )
        return routes

    def _http_api_auth(self) -> str | None:
        apis = self.resources_of_type("AWS::Serverless::HttpApi")
        for api in apis.values():
            default: str | None = api.get("Properties", {}).get("Auth", {}).get("DefaultAuthorizer")
            return default
        return None

    def bus_rules(self) -> list[BusRule]:
        rules = []
        for function_id, event_name, properties in self._function_events("EventBridgeRule"):
            bus = properties.get("EventBusName")
            rules.append(
                BusRule(
                    # Stacks sharing one emulator share its default bus: a rule there is named for its stack.
                    name=f"{self.stack_name}-{function_id}-{event_name}",
                    function_id=function_id,
                    bus_name=str(self.resolve(bus)) if bus else "default",
                    pattern=self.resolve(properties["Pattern"]),
                )
            )
        return rules

    def queue_sources(self) -> list[QueueSource]:
        sources = []
        for function_id, _, properties in self._function_events("SQS"):
            queue = properties["Queue"]
            if "Fn::GetAtt" not in queue:
                raise ValueError(f"{function_id}: SQS Queue must be !GetAtt <queue>.Arn of a queue in the template")
            sources.append(
                QueueSource(
                    function_id=function_id,
                    queue_id=queue["Fn::GetAtt"][0],
                    batch_size=int(properties.get("BatchSize", 10)),
                    reports_item_failures="ReportBatchItemFailures" in properties.get("FunctionResponseTypes", []),
                )
            )
        return sources

    def topic_sources(self) -> list[TopicSource]:
        sources = []
        for function_id, event_name, properties in self._function_events("SNS"):
            topic = properties["Topic"]
            if "Ref" not in topic:
                raise ValueError(f"{function_id}: SNS Topic must be !Ref <topic> of a topic in the template")
            name = f"{self.stack_name}-{function_id}-{event_name}"
            sources.append(TopicSource(name=name, function_id=function_id, topic_id=topic["Ref"]))
        return sources

    def schedules(self) -> list[Schedule]:
        return [
            Schedule(function_id=function_id, expression=str(self.resolve(properties["Schedule"])))
            for function_id, _, properties in self._function_events("Schedule")
        ]


def _sub(template: Template, argument: Any) -> str:
    text, variables = (argument, {}) if isinstance(argument, str) else (argument[0], argument[1])

    def replace(found: re.Match[str]) -> str:
        name = found.group(1)
        if name in variables:
            return str(template.resolve(variables[name]))
        if "." in name:
            return template.get_att(*name.split(".", 1))
        return template.ref(name)

    return re.sub(r"\$\{([^}!]+)\}", replace, text)


_INTRINSICS: dict[str, Any] = {
    "Ref": lambda template, name: template.ref(name),
    "Fn::GetAtt": lambda template, args: template.get_att(*(args.split(".", 1) if isinstance(args, str) else args)),
    "Fn::Sub": _sub,
    "Fn::If": lambda template, args: template.resolve(args[1] if template._condition_holds(args[0]) else args[2]),
    "Fn::Equals": lambda template, args: template.resolve(args[0]) == template.resolve(args[1]),
    "Fn::Not": lambda template, args: not template.resolve(args[0]),
    "Fn::Join": lambda template, args: str(args[0]).join(str(part) for part in template.resolve(args[1])),
}
