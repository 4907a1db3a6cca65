"""Running the template's functions in-process, the way the Lambda runtime would load them."""

from __future__ import annotations

import importlib.util
import os
import sys
import threading
import uuid
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from local_runtime.template import ACCOUNT_ID, REGION, ROOT, FunctionSpec, Template

LAYER_PATH = ROOT / "layers" / "nudge"


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


class LocalFunction:
    """One function: its handler module, loaded once under a unique name, and one invocation at a time."""

    def __init__(self, spec: FunctionSpec) -> None:
        self.spec = spec
        module_name, self._handler_name = spec.handler.rsplit(".", 1)
        self._module_path = spec.code_uri / f"{module_name.replace('.', '/')}.py"
        self._module: ModuleType | None = None
        self._lock = threading.Lock()

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
        return self._load()

    def invoke(self, event: dict[str, Any]) -> Any:
        with self._lock:
            handler = getattr(self._load(), self._handler_name)
            context = LambdaContext(self.spec.logical_id, self.spec.memory_mb, self.spec.timeout_seconds)
            return handler(event, context)


def function_environment(template: Template) -> dict[str, str]:
    """Every function's variables, merged: in one process they share os.environ, so they must agree."""
    merged: dict[str, str] = {}
    for spec in template.functions():
        for key, value in spec.environment.items():
            if merged.setdefault(key, value) != value:
                raise ValueError(f"functions disagree on {key}: {merged[key]!r} vs {value!r}")
    return merged


def load_functions(template: Template) -> dict[str, LocalFunction]:
    os.environ.update(function_environment(template))
    return {spec.logical_id: LocalFunction(spec) for spec in template.functions()}
