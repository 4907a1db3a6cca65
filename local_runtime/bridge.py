"""Asynchronous delivery, as AWS would do it for the template's functions:

- EventBridge rules: moto matches events against the rules and queues them on a delivery queue
  per rule; they are drained into the target function, which Lambda invokes asynchronously: an event the
  function fails is tried again (at once here, 1 and 2 minutes later on AWS), 3 attempts in all, then
  given up (on AWS, to the function's dead-letter queue).
- SNS subscriptions: a topic's messages go to a delivery queue per subscription; each is drained into the
  function as the one-record event SNS invokes it with, asynchronously as above.
- SQS event sources: the queue's messages are passed in batches, as Lambda's poller would, and
  the ones a function reports in `batchItemFailures` (or all, when it raises) stay on the queue,
  visible again at once, so the queue's redrive policy moves them to its dead-letter queue after
  maxReceiveCount attempts.
"""

from __future__ import annotations

import json
import threading
import uuid
from typing import Any

from local_runtime.emulator import Emulator, delivery_queue_name
from local_runtime.lambdas import LocalFunction
from local_runtime.template import ACCOUNT_ID, REGION, BusRule, QueueSource, Template, TopicSource

# Lambda's asynchronous invocation: the first attempt and 2 retries.
ASYNC_ATTEMPTS = 3


class BridgeDelivery:
    def __init__(
        self,
        emulator: Emulator,
        rules: list[BusRule],
        functions: dict[str, LocalFunction],
        sources: list[QueueSource] | None = None,
        template: Template | None = None,
        topics: list[TopicSource] | None = None,
    ) -> None:
        self._sqs = emulator.client("sqs")
        targets = [(rule.name, rule.function_id, _rule_event) for rule in rules]
        targets += [(topic.name, topic.function_id, _sns_event) for topic in topics or []]
        self._targets = [
            (self._sqs.get_queue_url(QueueName=delivery_queue_name(name))["QueueUrl"], functions[function_id], event)
            for name, function_id, event in targets
        ]
        self._sources = [
            (self._sqs.get_queue_url(QueueName=template.physical_name(source.queue_id))["QueueUrl"], source)
            for source in (sources or [])
            if template is not None
        ]
        self._functions = functions
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        self.delivered: list[dict[str, Any]] = []

    def start(self) -> None:
        """Deliver in the background until stop()."""
        self._stopped.clear()
        self._thread = threading.Thread(target=self._run, name="async-delivery", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def deliver_pending(self) -> int:
        """Deliver what is queued now; returns how many events or messages were handed to functions."""
        count = 0
        for queue_url, function, event_of in self._targets:
            messages = self._sqs.receive_message(
                QueueUrl=queue_url, MaxNumberOfMessages=10, AttributeNames=["ApproximateReceiveCount"]
            ).get("Messages", [])
            for message in messages:
                self._invoke_async(queue_url, function, event_of(message["Body"]), message)
                count += 1
        for queue_url, source in self._sources:
            count += self._poll(queue_url, source)
        return count

    def drain(self, max_rounds: int = 10_000) -> int:
        """Deliver until every queue is empty (or `max_rounds` polls found work); returns the total."""
        total = 0
        for _ in range(max_rounds):
            delivered = self.deliver_pending()
            if not delivered:
                return total
            total += delivered
        return total

    def _invoke_async(
        self, queue_url: str, function: LocalFunction, event: dict[str, Any], message: dict[str, Any]
    ) -> None:
        handle = message["ReceiptHandle"]
        try:
            result = function.invoke(event)
        except Exception as error:  # noqa: BLE001 - Lambda would retry the event
            attempt = int(message.get("Attributes", {}).get("ApproximateReceiveCount", ASYNC_ATTEMPTS))
            self.delivered.append({"function": function.spec.logical_id, "error": repr(error), "attempt": attempt})
            if attempt < ASYNC_ATTEMPTS:
                self._sqs.change_message_visibility(QueueUrl=queue_url, ReceiptHandle=handle, VisibilityTimeout=0)
                return
            print(f"{function.spec.logical_id} failed {attempt} times, event given up: {error!r}", flush=True)
        else:
            self.delivered.append({"function": function.spec.logical_id, "result": result})
        self._sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=handle)

    def _poll(self, queue_url: str, source: QueueSource) -> int:
        messages = self._sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=min(source.batch_size, 10), AttributeNames=["All"]
        ).get("Messages", [])
        if not messages:
            return 0
        function = self._functions[source.function_id]
        event = {"Records": [_sqs_record(queue_url, message) for message in messages]}
        try:
            result = function.invoke(event)
            failed = {item["itemIdentifier"] for item in (result or {}).get("batchItemFailures", [])}
        except Exception as error:  # noqa: BLE001 - Lambda would retry the whole batch
            print(f"{source.function_id} failed, messages will be retried: {error!r}", flush=True)
            result, failed = None, {message["MessageId"] for message in messages}
        self.delivered.append({"function": source.function_id, "result": result})
        for message in messages:
            handle = message["ReceiptHandle"]
            if message["MessageId"] in failed:
                self._sqs.change_message_visibility(QueueUrl=queue_url, ReceiptHandle=handle, VisibilityTimeout=0)
            else:
                self._sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=handle)
        return len(messages)

    def _run(self) -> None:
        while not self._stopped.wait(0.2):
            try:
                self.deliver_pending()
            except Exception as error:  # noqa: BLE001 - a failed delivery is retried on the next poll
                print(f"delivery failed, will retry: {error!r}", flush=True)


def _rule_event(body: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(body)
    return loaded


def _sns_event(body: str) -> dict[str, Any]:
    """The event SNS invokes a subscribed function with, from the notification SNS put on the queue."""
    notification = json.loads(body)
    topic_arn = notification["TopicArn"]
    return {
        "Records": [
            {
                "EventVersion": "1.0",
                "EventSubscriptionArn": f"{topic_arn}:{uuid.uuid4()}",
                "EventSource": "aws:sns",
                "Sns": {
                    "Type": notification.get("Type", "Notification"),
                    "MessageId": notification["MessageId"],
                    "TopicArn": topic_arn,
                    "Subject": notification.get("Subject"),
                    "Message": notification["Message"],
                    "Timestamp": notification.get("Timestamp"),
                    "SignatureVersion": notification.get("SignatureVersion", "1"),
                    "Signature": notification.get("Signature", ""),
                    "SigningCertUrl": notification.get("SigningCertURL", ""),
                    "UnsubscribeUrl": notification.get("UnsubscribeURL", ""),
                    "MessageAttributes": notification.get("MessageAttributes", {}),
                },
            }
        ]
    }


def _sqs_record(queue_url: str, message: dict[str, Any]) -> dict[str, Any]:
    queue_name = queue_url.rsplit("/", 1)[1]
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": {},
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{queue_name}",
        "awsRegion": REGION,
    }


def scheduled_event(rule_name: str) -> dict[str, Any]:
    """The event an EventBridge schedule rule sends its target."""
    from datetime import UTC, datetime

    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT_ID,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/{rule_name}"],
        "detail": {},
    }
