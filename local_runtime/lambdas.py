"""Running the template's functions in-process, the way the Lambda runtime would load them.

Each invocation sees exactly its function's environment: the template's variables for it (Globals
and its own) and the variables the Lambda runtime sets. Functions share one process, so one
invocation runs at a time, os.environ is swapped for it, and the layer forgets the settings it
cached from the previous environment. Between invocations the process holds the operator's
environment (every function's variables merged), which the runtime's own code and tests use.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import sys
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from local_runtime.template import ACCOUNT_ID, REGION, ROOT, FunctionSpec, Template

LAYER_PATH = ROOT / "layers" / "nudge"

# Lambda sets its own PATH, LANG, TZ and library paths; locally the host's stand in. The test runner
# writes PYTEST_CURRENT_TEST from its own thread, so a swap must never remove or restore it.
HOST_VARIABLES = frozenset({"PATH", "LANG", "TZ", "LD_LIBRARY_PATH", "PYTHONPATH", "PYTEST_CURRENT_TEST"})

# One invocation at a time in this process (re-entrant: an invocation may deliver to another function).
_INVOCATION_LOCK = threading.RLock()
_invoking = threading.local()


def add_layer_to_path() -> None:
    """Lambda puts a layer's python/ folder on sys.path; locally the layer's source folder stands in."""
    if str(LAYER_PATH) not in sys.path:
        sys.path.insert(0, str(LAYER_PATH))


@dataclass
class LambdaContext:
    """The attributes of the Lambda context object that Nudge's handlers and Powertools read."""

    function_name: str
    memory_limit_in_mb: int
    timeout_seconds: int
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_group_name: str = "local"
    log_stream_name: str = "local"

    def __post_init__(self) -> None:
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return self.timeout_seconds * 1000


def invoking_function() -> str | None:
    """The logical id of the function this thread is running, if any."""
    name: str | None = getattr(_invoking, "function_id", None)
    return name


def lambda_environment(spec: FunctionSpec, aws: dict[str, str]) -> dict[str, str]:
    """What a function's process sees: its template variables, then the Lambda runtime's own variables
    (`aws`: region, credentials and, locally, AWS_ENDPOINT_URL to the emulator)."""
    return {
        **spec.environment,
        **aws,
        "AWS_LAMBDA_FUNCTION_NAME": spec.name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "local",
        "_HANDLER": spec.handler,
    }


def _replace_environment(target: dict[str, str]) -> None:
    """Make os.environ hold exactly `target` (host variables aside). Values both sides share, such as
    the region and endpoint, are never removed, so other threads always find them."""
    for key, value in target.items():
        if key not in HOST_VARIABLES and os.environ.get(key) != value:
            os.environ[key] = value
    for key in [key for key in os.environ if key not in target and key not in HOST_VARIABLES]:
        os.environ.pop(key, None)


@contextlib.contextmanager
def running_as(function_id: str, environment: dict[str, str]) -> Iterator[None]:
    """Run the block as `function_id`, with exactly `environment`; the previous one is restored after."""
    with _INVOCATION_LOCK:
        if invoking_function() == function_id:  # already this function's environment (see LocalFunction.warm)
            yield
            return
        saved, caller = dict(os.environ), invoking_function()
        _replace_environment(environment)
        _invoking.function_id = function_id
        try:
            yield
        finally:
            _invoking.function_id = caller
            _replace_environment(saved)


class LocalFunction:
    """One function: its handler module, loaded once under a unique name (in its own environment, as
    Lambda's init phase does), and invoked with its environment only."""

    def __init__(self, spec: FunctionSpec, aws_environment: dict[str, str]) -> None:
        self.spec = spec
        self.environment = lambda_environment(spec, aws_environment)
        module_name, self._handler_name = spec.handler.rsplit(".", 1)
        self._module_path = spec.code_uri / f"{module_name.replace('.', '/')}.py"
        self._module: ModuleType | None = None

    def _load(self) -> ModuleType:
        if self._module is None:
            add_layer_to_path()
            name = f"nudge_function_{self.spec.folder}"
            module_spec = importlib.util.spec_from_file_location(name, self._module_path)
            if module_spec is None or module_spec.loader is None:
                raise ImportError(f"cannot load {self._module_path}")
            module = importlib.util.module_from_spec(module_spec)
            sys.modules[name] = module
            module_spec.loader.exec_module(module)
            self._module = module
        return self._module

    @property
    def module(self) -> ModuleType:
        with running_as(self.spec.logical_id, self.environment):
            return self._load()

    @contextlib.contextmanager
    def warm(self) -> Iterator[None]:
        """Keep this function's environment in place for the block, as a warm Lambda process does: its
        invocations in the block skip the switch, so a benchmark times the function, not the runtime."""
        with running_as(self.spec.logical_id, self.environment):
            yield

    def invoke(self, event: dict[str, Any]) -> Any:
        with running_as(self.spec.logical_id, self.environment):
            handler = getattr(self._load(), self._handler_name)
            context = LambdaContext(self.spec.name, self.spec.memory_mb, self.spec.timeout_seconds)
            return handler(event, context)


def operator_environment(template: Template) -> dict[str, str]:
    """Every function's variables, merged: what the runtime's own code (seeding, `make recalc`'s
    progress reads, tests inspecting tables) sees between invocations. Functions must agree on them."""
    merged: dict[str, str] = {}
    for spec in template.functions():
        for key, value in spec.environment.items():
            if merged.setdefault(key, value) != value:
                raise ValueError(f"functions disagree on {key}: {merged[key]!r} vs {value!r}")
    return merged


def load_functions(template: Template, aws_environment: dict[str, str]) -> dict[str, LocalFunction]:
    os.environ.update(operator_environment(template))
    return {spec.logical_id: LocalFunction(spec, aws_environment) for spec in template.functions()}
