"""Fixtures shared by the integration and e2e suites: one emulator per test session.

Every resource comes from template.yaml (local_runtime provisions it). Tests isolate themselves
by using user ids of their own rather than by recreating tables.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from local_runtime.runtime import LocalStack


@pytest.fixture(scope="session")
def stack() -> Iterator[LocalStack]:
    local = LocalStack.start(seed=False, deliver_events=False)
    yield local
    local.stop()


@pytest.fixture
def user() -> str:
    """A user id of this test's own, so tests never see each other's data."""
    return f"user-{uuid.uuid4().hex[:12]}"
