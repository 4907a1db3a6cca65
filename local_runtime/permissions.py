"""Least privilege, checked locally: each AWS call a function makes, against its role's policies.

The policies are those of the template as the SAM translator expands it (the lint step's own
translation, `.ci/translate_template.py`), with intrinsics resolved by the local template reader.
Calls are recorded from botocore's `before-parameter-build` event on the default boto3 session,
which every client the layer creates inherits, and attributed to the function whose invocation
made them. A call is described as IAM authorizes it: a transaction needs PutItem, UpdateItem,
DeleteItem or ConditionCheckItem on the table of each of its items, a query on an index acts on
the index's ARN, a batch send needs sqs:SendMessage on the queue, and so on.

Only the roles' inline policies are read: the managed policies SAM attaches (basic execution,
X-Ray) grant logging and tracing, which the runtime does, not the functions' code.
"""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from local_runtime.intrinsics import REGION, Resolver, arn
from local_runtime.lambdas import invoking_function
from local_runtime.template import ROOT, Template

TRANSLATOR_PYTHON = ROOT / ".venv-sam" / "bin" / "python"
TRANSLATE_SCRIPT = ROOT / ".ci" / "translate_template.py"


@dataclass(frozen=True)
class Access:
    """One IAM authorization a call needs: an action on a resource."""

    action: str
    resource: str


@dataclass(frozen=True)
class AwsCall:
    function_id: str
    operation: str  # service:Operation, as botocore names it
    accesses: tuple[Access, ...]


@dataclass(frozen=True)
class Denial:
    call: AwsCall
    access: Access

    def __str__(self) -> str:
        needs = f"{self.access.action} on {self.access.resource}"
        return f"{self.call.function_id}: {self.call.operation} needs {needs}, which its role does not allow"


def _wildcard(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    """IAM's wildcards: `*` any run of characters, `?` any one character."""
    parts = (".*" if part == "*" else "." if part == "?" else re.escape(part) for part in re.split(r"([*?])", pattern))
    return re.compile("".join(parts), re.IGNORECASE if ignore_case else 0)


def _patterns(value: Any, ignore_case: bool) -> tuple[re.Pattern[str], ...] | None:
    if value is None:
        return None
    values = value if isinstance(value, list) else [value]
    return tuple(_wildcard(str(item), ignore_case) for item in values)


def _any_match(patterns: tuple[re.Pattern[str], ...], text: str) -> bool:
    return any(pattern.fullmatch(text) for pattern in patterns)


@dataclass(frozen=True)
class Statement:
    effect: str
    actions: tuple[re.Pattern[str], ...] | None
    not_actions: tuple[re.Pattern[str], ...] | None
    resources: tuple[re.Pattern[str], ...] | None
    not_resources: tuple[re.Pattern[str], ...] | None

    @classmethod
    def parse(cls, statement: dict[str, Any]) -> Statement:
        if "Condition" in statement:
            raise ValueError(f"policy conditions are not evaluated locally: {statement}")
        return cls(
            effect=str(statement["Effect"]),
            actions=_patterns(statement.get("Action"), ignore_case=True),  # action names are case-insensitive
            not_actions=_patterns(statement.get("NotAction"), ignore_case=True),
            resources=_patterns(statement.get("Resource"), ignore_case=False),
            not_resources=_patterns(statement.get("NotResource"), ignore_case=False),
        )

    def applies_to(self, access: Access) -> bool:
        action = _any_match(self.actions, access.action) if self.actions is not None else True
        if self.not_actions is not None and _any_match(self.not_actions, access.action):
            action = False
        resource = _any_match(self.resources, access.resource) if self.resources is not None else True
        if self.not_resources is not None and _any_match(self.not_resources, access.resource):
            resource = False
        return action and resource


class Policies:
    """The inline IAM statements of each function's role, and the template's KMS aliases (name -> key ARN)."""

    def __init__(self, statements: dict[str, list[Statement]], key_aliases: dict[str, str] | None = None) -> None:
        self.statements = statements
        self.key_aliases = key_aliases or {}

    @classmethod
    def of_translated(cls, translated: dict[str, Any], template: Template) -> Policies:
        """`translated` is plain CloudFormation; `template` supplies the stack name and parameter values."""
        resolver = Template(template.stack_name, translated, dict(template.parameter_overrides))
        resources = translated["Resources"]
        statements: dict[str, list[Statement]] = {}
        for logical_id, resource in resources.items():
            if resource["Type"] != "AWS::Lambda::Function":
                continue
            role = resource["Properties"]["Role"]
            if not isinstance(role, dict) or "Fn::GetAtt" not in role:
                raise ValueError(f"{logical_id}: Role must be !GetAtt <role>.Arn of a role in the template")
            policies = resources[role["Fn::GetAtt"][0]]["Properties"].get("Policies", [])
            documents = [resolver.resolve(policy["PolicyDocument"]) for policy in policies]
            statements[logical_id] = [
                Statement.parse(statement) for document in documents for statement in _as_list(document["Statement"])
            ]
        return cls(statements, _key_aliases(resolver))

    @classmethod
    def of_template_file(cls, path: Path, template: Template) -> Policies:
        return cls.of_translated(translate(path), template)

    def allows(self, function_id: str, access: Access) -> bool:
        statements = [statement for statement in self.statements.get(function_id, []) if statement.applies_to(access)]
        return bool(statements) and all(statement.effect == "Allow" for statement in statements)

    def denials(self, call: AwsCall) -> list[Denial]:
        return [Denial(call, access) for access in call.accesses if not self.allows(call.function_id, access)]


def _key_aliases(template: Template) -> dict[str, str]:
    aliases = template.resources_of_type("AWS::KMS::Alias")
    return {
        template.ref(alias): arn("kms", f"key/{Resolver(template).alias_target_key_id(alias)}") for alias in aliases
    }


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def translate(path: Path) -> dict[str, Any]:
    """The template at `path` as plain CloudFormation, by the lint step's translation. It runs in
    .venv-sam: aws-sam-translator pins an older pydantic than the layer ships, so it cannot live in .venv."""
    if not TRANSLATOR_PYTHON.exists():
        raise RuntimeError(f"{TRANSLATOR_PYTHON.relative_to(ROOT)} is missing: run `make install-sam`")
    with tempfile.TemporaryDirectory() as directory:
        destination = Path(directory) / "translated.json"
        done = subprocess.run(  # noqa: S603 - our own script, our own interpreter
            [str(TRANSLATOR_PYTHON), str(TRANSLATE_SCRIPT), str(path), str(destination)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"translating {path} failed:\n{done.stderr}")
        translated: dict[str, Any] = json.loads(destination.read_text())
        return translated


# ---------- What each call needs ----------


def _table(name: str) -> str:
    return name if name.startswith("arn:") else arn("dynamodb", f"table/{name}")


_TRANSACT_WRITE_ACTIONS = {
    "Put": "dynamodb:PutItem",
    "Update": "dynamodb:UpdateItem",
    "Delete": "dynamodb:DeleteItem",
    "ConditionCheck": "dynamodb:ConditionCheckItem",
}


def _dynamodb(operation: str, params: dict[str, Any]) -> list[Access]:
    if operation in ("BatchGetItem", "BatchWriteItem"):
        return [Access(f"dynamodb:{operation}", _table(name)) for name in params.get("RequestItems", {})]
    if operation == "TransactGetItems":
        return [Access("dynamodb:GetItem", _table(item["Get"]["TableName"])) for item in params["TransactItems"]]
    if operation == "TransactWriteItems":
        return [
            Access(action, _table(item[kind]["TableName"]))
            for item in params["TransactItems"]
            for kind, action in _TRANSACT_WRITE_ACTIONS.items()
            if kind in item
        ]
    if "TableName" not in params:
        return [Access(f"dynamodb:{operation}", "*")]
    resource = _table(params["TableName"])
    if params.get("IndexName"):
        resource = f"{resource}/index/{params['IndexName']}"
    return [Access(f"dynamodb:{operation}", resource)]


def _queue_arn(params: dict[str, Any]) -> str:
    if "QueueUrl" in params:
        account, name = urlsplit(params["QueueUrl"]).path.strip("/").split("/")[-2:]
        return f"arn:aws:sqs:{REGION}:{account}:{name}"
    if "QueueName" in params:
        return arn("sqs", params["QueueName"])
    return "*"


def _sqs(operation: str, params: dict[str, Any]) -> list[Access]:
    # A batch call is authorized as its single-message action.
    return [Access(f"sqs:{operation.removesuffix('Batch')}", _queue_arn(params))]


def _bus(name: str) -> str:
    return name if name.startswith("arn:") else arn("events", f"event-bus/{name}")


def _events(operation: str, params: dict[str, Any]) -> list[Access]:
    if operation == "PutEvents":
        buses = {entry.get("EventBusName") or "default" for entry in params.get("Entries", [])}
        return [Access("events:PutEvents", _bus(bus)) for bus in sorted(buses)]
    if "EventBusName" in params:
        return [Access(f"events:{operation}", _bus(params["EventBusName"]))]
    return [Access(f"events:{operation}", "*")]


def _sns(operation: str, params: dict[str, Any]) -> list[Access]:
    topic = params.get("TopicArn") or params.get("TargetArn") or "*"
    return [Access(f"sns:{operation.removesuffix('Batch')}", topic)]


def _secretsmanager(operation: str, params: dict[str, Any]) -> list[Access]:
    # A secret is named by its ARN or by its name; IAM checks the ARN.
    named = str(params.get("SecretId", ""))
    resource = named if named.startswith("arn:") or not named else arn("secretsmanager", f"secret:{named}")
    return [Access(f"secretsmanager:{operation}", resource or "*")]


def _ses(operation: str, params: dict[str, Any]) -> list[Access]:
    """SES v2 (signing name `ses`). SendEmail is authorized on the sender's identity (the address, or its
    domain when only the domain is verified: locally the address) and on the configuration set it names."""
    if operation != "SendEmail":
        return [Access(f"ses:{operation}", "*")]
    sender = str(params.get("FromEmailAddress", "")).rsplit("<", 1)[-1].rstrip(">")
    needed = [Access("ses:SendEmail", arn("ses", f"identity/{sender}"))]
    if params.get("ConfigurationSetName"):
        needed.append(Access("ses:SendEmail", arn("ses", f"configuration-set/{params['ConfigurationSetName']}")))
    return needed


def _social_messaging(operation: str, params: dict[str, Any]) -> list[Access]:
    """End User Messaging Social authorizes a WhatsApp send on the origination phone number: its API id
    `phone-number-id-<id>` is the ARN's `phone-number-id/<id>`."""
    named = str(params.get("originationPhoneNumberId", ""))
    if not named:
        return [Access(f"social-messaging:{operation}", "*")]
    resource = named if named.startswith("arn:") else arn("social-messaging", named.replace("-id-", "-id/", 1))
    return [Access(f"social-messaging:{operation}", resource)]


def _kms(operation: str, params: dict[str, Any], key_aliases: Mapping[str, str]) -> list[Access]:
    """IAM authorizes a key named by its alias (name or ARN) as the key the alias points to."""
    named = str(params.get("KeyId", ""))
    if not named:  # a Decrypt that leaves the key to the ciphertext: which one it is is not known here
        return [Access(f"kms:{operation}", "*")]
    alias = "alias/" + named.split(":alias/", 1)[1] if ":alias/" in named else named
    if alias.startswith("alias/"):
        resource = key_aliases.get(alias, arn("kms", alias))
    else:
        resource = named if named.startswith("arn:") else arn("kms", f"key/{named}")
    return [Access(f"kms:{operation}", resource)]


_DESCRIBERS: dict[str, Callable[[str, dict[str, Any]], list[Access]]] = {
    "dynamodb": _dynamodb,
    "secretsmanager": _secretsmanager,
    "sqs": _sqs,
    "events": _events,
    "sns": _sns,
    "ses": _ses,
    "social-messaging": _social_messaging,
}


def accesses(
    service: str, operation: str, params: dict[str, Any], key_aliases: Mapping[str, str] | None = None
) -> tuple[Access, ...]:
    """What IAM checks for this call (`key_aliases`: KMS alias name -> key ARN). A service not described here
    needs its action on `*`, which only a statement with `Resource: "*"` grants: add the service's resources
    here when a function uses it."""
    if service == "kms":
        return tuple(_kms(operation, params, key_aliases or {}))
    describe = _DESCRIBERS.get(service)
    if describe is None:
        return (Access(f"{service}:{operation}", "*"),)
    return tuple(describe(operation, params))


# ---------- Recording ----------


class CallRecorder:
    """Checks every AWS call made inside a function's invocation against `policies`. Denials go to
    `on_denial` when given (`make run` prints them), else are kept for take_denials() (the tests)."""

    def __init__(self, policies: Policies, on_denial: Callable[[Denial], None] | None = None) -> None:
        self.policies = policies
        self._on_denial = on_denial
        self._lock = threading.Lock()
        self._denials: list[Denial] = []
        self._captures: list[list[AwsCall]] = []

    def install(self) -> None:
        """Listen on the default boto3 session; clients created from then on report their calls."""
        import boto3

        if boto3.DEFAULT_SESSION is None:
            boto3.setup_default_session()
        assert boto3.DEFAULT_SESSION is not None
        boto3.DEFAULT_SESSION.events.register(
            "before-parameter-build", self._record, unique_id="nudge-local-least-privilege"
        )

    def _record(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        function_id = invoking_function()
        if function_id is None:  # the runtime's own calls (provisioning, delivery, tests' reads)
            return
        service = model.service_model.signing_name
        needs = accesses(service, model.name, params, self.policies.key_aliases)
        call = AwsCall(function_id, f"{service}:{model.name}", needs)
        denied = self.policies.denials(call)
        with self._lock:
            for captured in self._captures:
                captured.append(call)
            if self._on_denial is None:
                self._denials.extend(denied)
        for denial in denied:
            if self._on_denial is not None:
                self._on_denial(denial)

    def take_denials(self) -> list[Denial]:
        """The denials recorded since the last call."""
        with self._lock:
            taken, self._denials = self._denials, []
        return taken

    @contextlib.contextmanager
    def capture(self) -> Iterator[list[AwsCall]]:
        """The calls recorded while the block runs."""
        captured: list[AwsCall] = []
        with self._lock:
            self._captures.append(captured)
        try:
            yield captured
        finally:
            with self._lock:
                self._captures = [other for other in self._captures if other is not captured]


def report(denials: list[Denial]) -> str:
    lines = sorted({str(denial) for denial in denials})
    return "calls the template's policies do not allow:\n" + "\n".join(f"  {line}" for line in lines)


def print_denial(denial: Denial) -> None:
    print(f"least privilege: {denial}", file=sys.stderr, flush=True)
