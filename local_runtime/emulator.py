"""The embedded AWS emulator: a moto server on 127.0.0.1 with the template's resources created in it, and the
notification channels moto lacks or does not fully keep (local_runtime/channels.py)."""

from __future__ import annotations

import errno
import json
import logging
import os
import secrets
import socket
import threading
from dataclasses import dataclass
from typing import Any

import boto3
from moto.core.model_instances import model_data
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server

from local_runtime.channels import ChannelEndpoints
from local_runtime.intrinsics import Resolver
from local_runtime.outbox import Outbox
from local_runtime.template import REGION, Template
from local_runtime.whatsapp_events import WABA_ID

# Fake credentials: moto accepts anything, and they keep a developer's real ones out of reach.
EMULATOR_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_SESSION_TOKEN": "local",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
}


class OneDynamoDBWriteAtATime:
    """WSGI guard: DynamoDB's writes one at a time. moto applies a transaction item by item and, when one item
    fails, puts back every table the transaction touched as it copied it at the start, undoing what another
    request wrote meanwhile; DynamoDB never loses such a write, so the emulator does not let one run meanwhile.

    It also forgets the DynamoDB objects moto keeps for its dashboard: moto holds every model object it ever
    made, each table's copy before each transaction included, so a long run would grow without bound."""

    WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})

    def __init__(self, app: Any) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        service, _, operation = str(environ.get("HTTP_X_AMZ_TARGET", "")).partition(".")
        if service.startswith("DynamoDB_") and operation in self.WRITES:
            with self._lock:  # the backend's work is done before the app returns its response
                response = self._app(environ, start_response)
                for model in model_data["dynamodb"].values():
                    model.instances_tracked = []  # type: ignore[attr-defined]
                return response
        return self._app(environ, start_response)


class PortInUse(OSError):
    """The port asked for is taken by another process."""


def listening_socket(port: int, backlog: int = 128) -> socket.socket:
    """A socket listening on 127.0.0.1:`port`, or PortInUse."""
    listening = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers do: TIME_WAIT is no obstacle
    try:
        listening.bind(("127.0.0.1", port))
    except OSError as error:
        listening.close()
        if error.errno == errno.EADDRINUSE:
            raise PortInUse(error.errno, f"port {port} is in use") from error
        raise
    listening.listen(backlog)
    return listening


@dataclass
class Emulator:
    server: BaseWSGIServer | None  # None when attached to another process's emulator
    endpoint_url: str
    outbox: Outbox | None = None  # what its channels accepted; kept by the process that runs the emulator

    @classmethod
    def start(cls, port: int = 0) -> Emulator:
        """Start on `port` (0: any free port). A port in use is an immediate PortInUse: moto's own
        ThreadedMotoServer binds in its thread and then waits forever, and werkzeug exits the process."""
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        outbox = Outbox()
        with listening_socket(port) as listening:
            server = make_server(
                "127.0.0.1",
                port,
                ChannelEndpoints(OneDynamoDBWriteAtATime(DomainDispatcherApplication(create_backend_app)), outbox),
                threaded=True,
                request_handler=MotoRequestHandler,
                fd=listening.fileno(),  # werkzeug serves a duplicate of it
            )
        threading.Thread(target=server.serve_forever, name="aws-emulator", daemon=True).start()
        host, bound = server.server_address[:2]
        emulator = cls(server=server, endpoint_url=f"http://{host!s}:{bound}", outbox=outbox)
        os.environ.update(emulator.environment)
        return emulator

    @classmethod
    def connect(cls, endpoint_url: str) -> Emulator:
        emulator = cls(server=None, endpoint_url=endpoint_url)
        os.environ.update(emulator.environment)
        return emulator

    @property
    def environment(self) -> dict[str, str]:
        """The AWS variables a function gets from the Lambda runtime, pointed at this emulator."""
        return {**EMULATOR_ENVIRONMENT, "AWS_ENDPOINT_URL": self.endpoint_url}

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def client(self, service: str) -> Any:
        return boto3.client(service, endpoint_url=self.endpoint_url, region_name=REGION)  # type: ignore[call-overload]


def delivery_queue_name(rule_name: str) -> str:
    """Locally, each EventBridge rule targets an SQS queue the runtime drains into the function."""
    return f"local-delivery-{rule_name}"


def provision(emulator: Emulator, template: Template) -> None:
    """Create every table, bus, queue, rule, secret and KMS key that template.yaml declares."""
    dynamodb, sqs, events = emulator.client("dynamodb"), emulator.client("sqs"), emulator.client("events")
    for logical_id, resource in template.resources_of_type("AWS::DynamoDB::Table").items():
        _create_table(dynamodb, template.physical_name(logical_id), resource["Properties"])
    queues = template.resources_of_type("AWS::SQS::Queue")
    for logical_id, resource in queues.items():
        sqs.create_queue(QueueName=template.physical_name(logical_id), Attributes=_queue_attributes(template, resource))
    for logical_id, resource in queues.items():  # dead-letter queues exist now, so redrive can point at them
        redrive = resource.get("Properties", {}).get("RedrivePolicy")
        if redrive:
            sqs.set_queue_attributes(
                QueueUrl=sqs.get_queue_url(QueueName=template.physical_name(logical_id))["QueueUrl"],
                Attributes={"RedrivePolicy": json.dumps(template.resolve(redrive))},
            )
    secretsmanager = emulator.client("secretsmanager")
    for logical_id in template.resources_of_type("AWS::SecretsManager::Secret"):
        # GenerateSecretString, as CloudFormation would: a fresh random value per emulator.
        secretsmanager.create_secret(Name=template.physical_name(logical_id), SecretString=secrets.token_urlsafe(48))
    _create_keys(emulator.client("kms"), template)
    for logical_id in template.resources_of_type("AWS::Events::EventBus"):
        events.create_event_bus(Name=template.ref(logical_id))
    _provision_email(emulator, template)
    for rule in template.bus_rules():
        queue_url = sqs.create_queue(QueueName=delivery_queue_name(rule.name))["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events.put_rule(Name=rule.name, EventBusName=rule.bus_name, EventPattern=json.dumps(rule.pattern))
        events.put_targets(
            Rule=rule.name, EventBusName=rule.bus_name, Targets=[{"Id": "local-delivery", "Arn": queue_arn}]
        )
    _provision_topics(emulator, template)


def _provision_topics(emulator: Emulator, template: Template) -> None:
    """Every SNS topic; each function's subscription goes to a delivery queue the runtime drains into it, as
    for rules."""
    sns, sqs = emulator.client("sns"), emulator.client("sqs")
    for logical_id in template.resources_of_type("AWS::SNS::Topic"):
        sns.create_topic(Name=template.physical_name(logical_id))
    for source in template.topic_sources():
        queue_url = sqs.create_queue(QueueName=delivery_queue_name(source.name))["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=template.ref(source.topic_id), Protocol="sqs", Endpoint=queue_arn)


def point_whatsapp_events(emulator: Emulator, template: Template, enabled: bool = True) -> None:
    """Set (or clear) the WhatsApp Business Account's event destination to the WhatsApp events topic, the
    operator's one step on AWS (README, Delivery feedback). `make run` sets it; a test that wants statuses sets
    it for itself, so no other test's sends put statuses on the topic it did not ask for."""
    destinations = [{"eventDestinationArn": template.ref("WhatsAppEventsTopic")}] if enabled else []
    emulator.client("socialmessaging").put_whatsapp_business_account_event_destinations(
        id=WABA_ID, eventDestinations=destinations
    )


def _provision_email(emulator: Emulator, template: Template) -> None:
    """SES v2 configuration sets and sender identities; moto treats a created identity as verified, as SES does
    once its owner has confirmed it, so the functions can send."""
    sesv2 = emulator.client("sesv2")
    for logical_id in template.resources_of_type("AWS::SES::ConfigurationSet"):
        sesv2.create_configuration_set(ConfigurationSetName=template.physical_name(logical_id))
    for logical_id, resource in template.resources_of_type("AWS::SES::EmailIdentity").items():
        attributes = template.resolve(resource["Properties"].get("ConfigurationSetAttributes", {}))
        arguments = {"ConfigurationSetName": attributes["ConfigurationSetName"]} if attributes else {}
        sesv2.create_email_identity(EmailIdentity=template.physical_name(logical_id), **arguments)


def _create_keys(kms: Any, template: Template) -> None:
    """Every KMS key and alias. The emulator picks its own key ids, so the functions reach a key through its
    alias (`Ref` of the alias is its name, the same locally and deployed); the least-privilege check maps
    the alias to the template's key ARN (permissions.py)."""
    created: dict[str, str] = {}
    for logical_id, resource in template.resources_of_type("AWS::KMS::Key").items():
        properties = resource.get("Properties", {})
        arguments = {"Description": str(template.resolve(properties.get("Description", logical_id)))}
        if "KeyPolicy" in properties:
            arguments["Policy"] = json.dumps(template.resolve(properties["KeyPolicy"]))
        key_id = kms.create_key(**arguments)["KeyMetadata"]["KeyId"]
        if template.resolve(properties.get("EnableKeyRotation", False)) is True:
            kms.enable_key_rotation(KeyId=key_id)
        created[template.ref(logical_id)] = key_id
    for logical_id in template.resources_of_type("AWS::KMS::Alias"):
        target = Resolver(template).alias_target_key_id(logical_id)
        kms.create_alias(AliasName=template.ref(logical_id), TargetKeyId=created[target])


def _queue_attributes(template: Template, resource: dict[str, Any]) -> dict[str, str]:
    properties = resource.get("Properties", {})
    names = ("VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds")
    return {name: str(template.resolve(properties[name])) for name in names if name in properties}


def _create_table(dynamodb: Any, name: str, properties: dict[str, Any]) -> None:
    arguments: dict[str, Any] = {
        "TableName": name,
        "KeySchema": properties["KeySchema"],
        "AttributeDefinitions": properties["AttributeDefinitions"],
        "BillingMode": properties.get("BillingMode", "PAY_PER_REQUEST"),
    }
    for index_kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        if index_kind in properties:
            arguments[index_kind] = properties[index_kind]
    dynamodb.create_table(**arguments)
    ttl = properties.get("TimeToLiveSpecification")
    if ttl:
        dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
