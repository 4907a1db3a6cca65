"""EventBridge delivery: moto matches events against the template's rules and queues them; this
drains those queues into the target functions, as EventBridge would invoke them."""

from __future__ import annotations

import json
import threading
from typing import Any

from local_runtime.emulator import Emulator, delivery_queue_name
from local_runtime.lambdas import LocalFunction
from local_runtime.template import BusRule


class BridgeDelivery:
    def __init__(self, emulator: Emulator, rules: list[BusRule], functions: dict[str, LocalFunction]) -> None:
        self._sqs = emulator.client("sqs")
        self._targets = [
            (self._sqs.get_queue_url(QueueName=delivery_queue_name(rule.name))["QueueUrl"], functions[rule.function_id])
            for rule in rules
        ]
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        self.delivered: list[dict[str, Any]] = []

    def start(self) -> None:
        """Deliver in the background until stop()."""
        self._stopped.clear()
        self._thread = threading.Thread(target=self._run, name="eventbridge-delivery", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def deliver_pending(self) -> int:
        """Deliver what is queued now; returns how many events were handed to functions."""
        count = 0
        for queue_url, function in self._targets:
            messages = self._sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
            for message in messages:
                result = function.invoke(json.loads(message["Body"]))
                self.delivered.append({"function": function.spec.logical_id, "result": result})
                self._sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
                count += 1
        return count

    def _run(self) -> None:
        while not self._stopped.wait(0.2):
            try:
                self.deliver_pending()
            except Exception as error:  # noqa: BLE001 - a failed delivery is retried on the next poll
                print(f"EventBridge delivery failed, will retry: {error!r}", flush=True)
