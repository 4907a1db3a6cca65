"""Run in a fresh interpreter by run.py: import one handler and serve its first request.

Prints one JSON line: the wall time from before the import to after the response, the process's
peak memory, and (with --count, in a separate untimed run) the AWS calls the request made.

With --preload, boto3, pydantic and Powertools' Logger are imported and the DynamoDB client is created
before the clock starts (every boto3.client("dynamodb") then returns that client): what is left is the
handler's own code, its models' first-use builds and its AWS calls.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import resource
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast


def _context() -> Any:
    """A Lambda context of its own: importing local_runtime's would add to the time being measured."""
    return SimpleNamespace(
        function_name="probe",
        memory_limit_in_mb=512,
        invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:probe",
        aws_request_id="probe",
        get_remaining_time_in_millis=lambda: 900_000,  # a job may run for 15 minutes
    )


def _count_calls() -> list[str]:
    import boto3

    calls: list[str] = []
    boto3.setup_default_session()
    assert boto3.DEFAULT_SESSION is not None
    for service in ("dynamodb", "kms", "sqs", "events", "sesv2", "secretsmanager"):
        boto3.DEFAULT_SESSION.events.register(f"before-call.{service}", lambda model, **_: calls.append(model.name))
    return calls


def _preload() -> None:
    import boto3
    from aws_lambda_powertools import Logger  # noqa: F401 - imported for its cost, before the clock
    from pydantic import BaseModel, Field  # noqa: F401

    dynamodb, create = boto3.client("dynamodb"), cast(Any, boto3.client)

    def client(service: str, *args: Any, **kwargs: Any) -> Any:
        return dynamodb if service == "dynamodb" else create(service, *args, **kwargs)

    boto3.client = client  # type: ignore[assignment]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("module_path")
    parser.add_argument("handler")
    parser.add_argument("event_path")
    parser.add_argument("--layer", action="append", default=[])
    parser.add_argument("--count", action="store_true")
    parser.add_argument("--preload", action="store_true")
    arguments = parser.parse_args()
    event = json.loads(Path(arguments.event_path).read_text())
    calls = _count_calls() if arguments.count else []
    if arguments.preload:
        _preload()
    sys.path[:0] = [*arguments.layer, str(Path(arguments.module_path).parent)]

    started = time.perf_counter()
    spec = importlib.util.spec_from_file_location("probed_handler", arguments.module_path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result = getattr(module, arguments.handler)(event, _context())
    elapsed = time.perf_counter() - started

    status = result.get("statusCode", 200) if isinstance(result, dict) else None
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB
    print(json.dumps({"ms": elapsed * 1000, "calls": calls, "status": status, "peak_mb": peak_mb}))


if __name__ == "__main__":
    main()
