"""Fixtures shared by the integration and e2e suites: one emulator per test session.

Every resource comes from template.yaml (local_runtime provisions it). Tests isolate themselves
by using user ids of their own rather than by recreating tables.

Least privilege is checked on every test that uses the stack: each AWS call a function makes is
checked against its role's policies in the translated template, and a call they do not allow
fails the test (calls from asynchronous deliveries fail the test during which they arrive, and the
session's end reports any left).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from local_runtime.permissions import CallRecorder, Policies, report
from local_runtime.runtime import LocalStack
from local_runtime.template import TEMPLATE_PATH, Template


@pytest.fixture(scope="session")
def stack() -> Iterator[LocalStack]:
    recorder = CallRecorder(Policies.of_template_file(TEMPLATE_PATH, Template.load()))
    local = LocalStack.start(seed=False, deliver_events=False, recorder=recorder)
    yield local
    local.stop()
    denied = recorder.take_denials()
    if denied:
        pytest.fail(report(denied), pytrace=False)


@pytest.fixture(autouse=True)
def _least_privilege(request: pytest.FixtureRequest) -> Iterator[None]:
    if "stack" not in request.fixturenames:
        yield
        return
    recorder = request.getfixturevalue("stack").recorder
    yield
    denied = recorder.take_denials()
    if denied:
        pytest.fail(report(denied), pytrace=False)


@pytest.fixture
def user() -> str:
    """A user id of this test's own, so tests never see each other's data."""
    return f"user-{uuid.uuid4().hex[:12]}"
