"""Unit tests run with the network switched off: nothing here may reach AWS or anything else."""

import pytest
from pytest_socket import disable_socket, enable_socket

from tests.fakes import InMemoryBehaviorStore


@pytest.fixture(autouse=True)
def _no_network() -> object:
    disable_socket(allow_unix_socket=True)
    yield
    enable_socket()


@pytest.fixture
def store() -> InMemoryBehaviorStore:
    return InMemoryBehaviorStore()
