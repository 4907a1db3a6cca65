"""The API keeps its published contract: schemathesis drives every operation of openapi.json against
the local server (bounded: a few examples per operation, a time limit) and finds no failure.

Two of its checks are left out, for reasons of the contract itself rather than of the server:
- positive_data_acceptance: many rules cannot be written in JSON Schema (traffic splits that sum to
  100, a cursor this API returned, a body tier_id that matches the path, the catalog's state), so
  schema-valid requests are rightly refused with a 4xx that names the rule;
- unsupported_method: a method with no route is API Gateway's `404 {"message": "Not Found"}` (the
  local server answers the same), not a 405.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from local_runtime.template import ROOT
from local_runtime.tokens import issue_token
from tests.e2e.test_run_command import _free_port, _read_until, _running, _serve

SCHEMATHESIS = Path(sys.executable).parent / "st"
EXCLUDED_CHECKS = "positive_data_acceptance,unsupported_method"
TIME_LIMIT_SECONDS = 600


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[str]:
    """A `serve` of its own: the run deactivates tiers, starts experiments and so on as an admin, which must
    not reach the other tests' shared stack."""
    port = _free_port()
    with _running(_serve(port, _free_port(), tmp_path / "running.json")) as process:
        _read_until(process, "Ctrl-C stops.", timeout=90)
        # Keep reading what it logs, so a full pipe never blocks the server mid-run.
        assert process.stdout is not None
        threading.Thread(target=process.stdout.read, daemon=True).start()
        yield f"http://127.0.0.1:{port}"


@pytest.mark.e2e
def test_every_operation_keeps_the_published_contract(own_server: str) -> None:
    command = [
        str(SCHEMATHESIS),
        "run",
        str(ROOT / "openapi.json"),
        "--url",
        own_server,
        "--header",
        f"Authorization: Bearer {issue_token('contract-admin', admin=True)}",
        "--max-examples",
        "5",
        "--seed",
        "20261201",
        "--phases",
        "examples,fuzzing",
        "--exclude-checks",
        EXCLUDED_CHECKS,
        "--request-timeout",
        "30",
        "--no-color",
    ]
    run = subprocess.run(command, capture_output=True, text=True, timeout=TIME_LIMIT_SECONDS, check=False)  # noqa: S603
    summary = run.stdout[-6000:]
    assert run.returncode == 0, summary
    assert " passed" in summary
