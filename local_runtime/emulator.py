"""The embedded AWS emulator: a moto server on 127.0.0.1 with the template's resources created in it."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

from local_runtime.template import REGION, Template

# Fake credentials: moto accepts anything, and they keep a developer's real ones out of reach.
EMULATOR_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_SESSION_TOKEN": "local",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
}


@dataclass
class Emulator:
    server: ThreadedMotoServer | None  # None when attached to another process's emulator
    endpoint_url: str

    @classmethod
    def start(cls, port: int = 0) -> Emulator:
        """Start on `port` (0: any free port)."""
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        emulator = cls(server=server, endpoint_url=f"http://{host}:{port}")
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
            self.server.stop()

    def client(self, service: str) -> Any:
        return boto3.client(service, endpoint_url=self.endpoint_url, region_name=REGION)  # type: ignore[call-overload]


def delivery_queue_name(rule_name: str) -> str:
    """Locally, each EventBridge rule targets an SQS queue the runtime drains into the function."""
    return f"local-delivery-{rule_name}"


def provision(emulator: Emulator, template: Template) -> None:
    """Create every table, bus, queue and rule that template.yaml declares."""
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
    for logical_id in template.resources_of_type("AWS::Events::EventBus"):
        events.create_event_bus(Name=template.ref(logical_id))
    for rule in template.bus_rules():
        queue_url = sqs.create_queue(QueueName=delivery_queue_name(rule.name))["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events.put_rule(Name=rule.name, EventBusName=rule.bus_name, EventPattern=json.dumps(rule.pattern))
        events.put_targets(
            Rule=rule.name, EventBusName=rule.bus_name, Targets=[{"Id": "local-delivery", "Arn": queue_arn}]
        )


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
