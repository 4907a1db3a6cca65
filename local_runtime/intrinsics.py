"""What `Ref` and `Fn::GetAtt` return for each resource type, as CloudFormation documents it.

Physical names are the resource's own name property when it has one, else derived from the stack
name and the logical id (CloudFormation adds a random suffix; locally names stay predictable).
Generated ids (key ids, user pool ids) are stable hashes of the stack and logical id. A type or
attribute missing here is an error naming it, never a guess.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from local_runtime.template import Template

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
_DIGITS_LOWER = "0123456789abcdefghijklmnopqrstuvwxyz"
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


class UnsupportedIntrinsic(ValueError):
    """A Ref or Fn::GetAtt the local runtime cannot resolve the way CloudFormation would."""


# The property that names a resource of each type, when the template sets it.
_NAME_PROPERTIES = {
    "AWS::DynamoDB::Table": "TableName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::SNS::Topic": "TopicName",
    "AWS::SES::ConfigurationSet": "Name",
    "AWS::SES::EmailIdentity": "EmailIdentity",
    "AWS::Events::EventBus": "Name",
    "AWS::Events::Rule": "Name",
    "AWS::Scheduler::Schedule": "Name",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::Serverless::Function": "FunctionName",
    "AWS::IAM::Role": "RoleName",
    "AWS::Cognito::UserPoolClient": "ClientName",
    "AWS::SecretsManager::Secret": "Name",
    "AWS::KMS::Alias": "AliasName",
    "AWS::SSM::Parameter": "Name",
    "AWS::Lambda::LayerVersion": "LayerName",
    "AWS::Serverless::LayerVersion": "LayerName",
}


def arn(service: str, resource: str, region: str = REGION) -> str:
    return f"arn:aws:{service}:{region}:{ACCOUNT_ID}:{resource}"


class Resolver:
    """Ref and GetAtt for one template's resources."""

    def __init__(self, template: Template) -> None:
        self._template = template

    def _resource(self, logical_id: str) -> dict[str, Any]:
        resources = self._template.data.get("Resources", {})
        if logical_id not in resources:
            raise UnsupportedIntrinsic(f"{logical_id} is neither a parameter nor a resource of the template")
        return dict(resources[logical_id])

    def property(self, logical_id: str, name: str, default: Any = None) -> Any:
        value = self._resource(logical_id).get("Properties", {}).get(name)
        return default if value is None else self._template.resolve(value)

    def physical_name(self, logical_id: str) -> str:
        resource_type = self._resource(logical_id)["Type"]
        name_property = _NAME_PROPERTIES.get(resource_type)
        explicit = self.property(logical_id, name_property) if name_property else None
        if explicit:
            return str(explicit)
        generated = f"{self._template.stack_name}-{logical_id}"
        fifo = resource_type == "AWS::SQS::Queue" and str(self.property(logical_id, "FifoQueue", "")).lower() == "true"
        return f"{generated}.fifo" if fifo else generated

    def stable_id(self, logical_id: str, length: int, alphabet: str = "0123456789abcdef") -> str:
        digest = int(hashlib.sha256(f"{self._template.stack_name}/{logical_id}".encode()).hexdigest(), 16)
        characters = []
        for _ in range(length):
            digest, index = divmod(digest, len(alphabet))
            characters.append(alphabet[index])
        return "".join(characters)

    def ref(self, logical_id: str) -> str:
        resource_type = self._resource(logical_id)["Type"]
        build = _REF.get(resource_type)
        if build is None:
            raise UnsupportedIntrinsic(f"Ref to {logical_id} ({resource_type}) is not supported by the local runtime")
        return build(self, logical_id)

    def get_att(self, logical_id: str, attribute: str) -> str:
        resource_type = self._resource(logical_id)["Type"]
        build = _GET_ATT.get((resource_type, attribute))
        if build is None:
            raise UnsupportedIntrinsic(
                f"Fn::GetAtt {logical_id}.{attribute} ({resource_type}) is not supported by the local runtime"
            )
        return build(self, logical_id)

    # Names, ids and ARNs per type, shared by Ref and GetAtt.

    def queue_url(self, logical_id: str) -> str:
        # Locally the host is the loopback address: SQS clients send to AWS_ENDPOINT_URL and find the
        # queue by the account and name in the path.
        return f"http://127.0.0.1/{ACCOUNT_ID}/{self.physical_name(logical_id)}"

    def table_arn(self, logical_id: str) -> str:
        return arn("dynamodb", f"table/{self.physical_name(logical_id)}")

    def table_stream_arn(self, logical_id: str) -> str:
        if not self.property(logical_id, "StreamSpecification"):
            raise UnsupportedIntrinsic(f"Fn::GetAtt {logical_id}.StreamArn: the table has no StreamSpecification")
        return f"{self.table_arn(logical_id)}/stream/1970-01-01T00:00:00.000"

    def key_id(self, logical_id: str) -> str:
        return str(uuid.UUID(self.stable_id(logical_id, 32)))

    def alias_target_key_id(self, logical_id: str) -> str:
        """The id of the key a KMS alias points at (its TargetKeyId takes a key id or a key ARN)."""
        return str(self.property(logical_id, "TargetKeyId")).rsplit("key/", 1)[-1]

    def bus_arn(self, logical_id: str) -> str:
        return arn("events", f"event-bus/{self.physical_name(logical_id)}")

    def _rule_bus(self, logical_id: str) -> str:
        bus = str(self.property(logical_id, "EventBusName", "default"))
        return bus.rsplit("/", 1)[-1]  # the property takes a bus name or ARN

    def rule_ref(self, logical_id: str) -> str:
        bus = self._rule_bus(logical_id)
        name = self.physical_name(logical_id)
        return name if bus == "default" else f"{bus}|{name}"

    def rule_arn(self, logical_id: str) -> str:
        bus = self._rule_bus(logical_id)
        name = self.physical_name(logical_id)
        return arn("events", f"rule/{name}" if bus == "default" else f"rule/{bus}/{name}")

    def schedule_arn(self, logical_id: str) -> str:
        group = self.property(logical_id, "GroupName", "default")
        return arn("scheduler", f"schedule/{group}/{self.physical_name(logical_id)}")

    def role_arn(self, logical_id: str) -> str:
        path = self.property(logical_id, "Path", "/")
        return f"arn:aws:iam::{ACCOUNT_ID}:role{path}{self.physical_name(logical_id)}"

    def user_pool_id(self, logical_id: str) -> str:
        return f"{REGION}_{self.stable_id(logical_id, 9, '0123456789' + _LETTERS)}"

    def secret_arn(self, logical_id: str) -> str:
        # CloudFormation's ARN ends in a random suffix the emulator picks for itself; the partial ARN
        # (without it) is one Secrets Manager accepts everywhere a secret id is.
        return arn("secretsmanager", f"secret:{self.physical_name(logical_id)}")


_Build = Callable[[Resolver, str], str]


def _name(resolver: Resolver, logical_id: str) -> str:
    return resolver.physical_name(logical_id)


def _function_arn(resolver: Resolver, logical_id: str) -> str:
    return arn("lambda", f"function:{resolver.physical_name(logical_id)}")


def _layer_arn(resolver: Resolver, logical_id: str) -> str:
    return arn("lambda", f"layer:{resolver.physical_name(logical_id)}:1")


def _api_id(resolver: Resolver, logical_id: str) -> str:
    return resolver.stable_id(logical_id, 10, _DIGITS_LOWER)


def _topic_arn(resolver: Resolver, logical_id: str) -> str:
    return arn("sns", resolver.physical_name(logical_id))


def _client_id(resolver: Resolver, logical_id: str) -> str:
    return resolver.stable_id(logical_id, 26, _DIGITS_LOWER)


def _user_pool_arn(resolver: Resolver, logical_id: str) -> str:
    return arn("cognito-idp", f"userpool/{resolver.user_pool_id(logical_id)}")


def _user_pool_provider(resolver: Resolver, logical_id: str) -> str:
    return f"cognito-idp.{REGION}.amazonaws.com/{resolver.user_pool_id(logical_id)}"


_REF: dict[str, _Build] = {
    "AWS::DynamoDB::Table": _name,
    "AWS::SQS::Queue": Resolver.queue_url,
    "AWS::SNS::Topic": _topic_arn,
    "AWS::KMS::Key": Resolver.key_id,
    "AWS::KMS::Alias": _name,  # alias/<name>, which KMS accepts wherever a key id is
    "AWS::SES::ConfigurationSet": _name,
    "AWS::SES::EmailIdentity": _name,
    "AWS::Events::EventBus": _name,
    "AWS::Events::Rule": Resolver.rule_ref,
    "AWS::Scheduler::Schedule": _name,
    "AWS::Lambda::Function": _name,
    "AWS::Serverless::Function": _name,
    "AWS::Lambda::LayerVersion": _layer_arn,
    "AWS::Serverless::LayerVersion": _layer_arn,
    "AWS::Serverless::HttpApi": _api_id,
    "AWS::ApiGatewayV2::Api": _api_id,
    "AWS::IAM::Role": _name,
    "AWS::Cognito::UserPool": Resolver.user_pool_id,
    "AWS::Cognito::UserPoolClient": _client_id,
    "AWS::SecretsManager::Secret": Resolver.secret_arn,
    "AWS::SSM::Parameter": _name,
}

_GET_ATT: dict[tuple[str, str], _Build] = {
    ("AWS::DynamoDB::Table", "Arn"): Resolver.table_arn,
    ("AWS::DynamoDB::Table", "StreamArn"): Resolver.table_stream_arn,
    ("AWS::SQS::Queue", "Arn"): lambda resolver, logical_id: arn("sqs", resolver.physical_name(logical_id)),
    ("AWS::SQS::Queue", "QueueName"): _name,
    ("AWS::SQS::Queue", "QueueUrl"): Resolver.queue_url,
    ("AWS::SNS::Topic", "TopicArn"): _topic_arn,
    ("AWS::SNS::Topic", "TopicName"): _name,
    ("AWS::KMS::Key", "Arn"): lambda resolver, logical_id: arn("kms", f"key/{resolver.key_id(logical_id)}"),
    ("AWS::KMS::Key", "KeyId"): Resolver.key_id,
    ("AWS::Events::EventBus", "Arn"): Resolver.bus_arn,
    ("AWS::Events::EventBus", "Name"): _name,
    ("AWS::Events::Rule", "Arn"): Resolver.rule_arn,
    ("AWS::Scheduler::Schedule", "Arn"): Resolver.schedule_arn,
    ("AWS::Lambda::Function", "Arn"): _function_arn,
    ("AWS::Serverless::Function", "Arn"): _function_arn,
    ("AWS::IAM::Role", "Arn"): Resolver.role_arn,
    ("AWS::IAM::Role", "RoleId"): lambda resolver, logical_id: (
        "AROA" + resolver.stable_id(logical_id, 17, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    ),
    ("AWS::Cognito::UserPool", "Arn"): _user_pool_arn,
    ("AWS::Cognito::UserPool", "UserPoolId"): Resolver.user_pool_id,
    ("AWS::Cognito::UserPool", "ProviderName"): _user_pool_provider,
    ("AWS::Cognito::UserPool", "ProviderURL"): lambda resolver, logical_id: (
        "https://" + _user_pool_provider(resolver, logical_id)
    ),
    ("AWS::Cognito::UserPoolClient", "ClientId"): _client_id,
    ("AWS::Cognito::UserPoolClient", "Name"): _name,
    ("AWS::SecretsManager::Secret", "Id"): Resolver.secret_arn,
    ("AWS::SSM::Parameter", "Type"): lambda resolver, logical_id: str(resolver.property(logical_id, "Type")),
    ("AWS::SSM::Parameter", "Value"): lambda resolver, logical_id: str(resolver.property(logical_id, "Value")),
}
