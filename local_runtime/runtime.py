"""The whole local stack in one object: emulator, resources, functions, gateway, EventBridge delivery."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from local_runtime.bridge import BridgeDelivery
from local_runtime.cors import CorsGateway, CorsRules
from local_runtime.emulator import Emulator, point_whatsapp_events, provision
from local_runtime.gateway import Gateway
from local_runtime.lambdas import LocalFunction, add_layer_to_path, load_functions
from local_runtime.template import Template

if TYPE_CHECKING:
    from local_runtime.permissions import CallRecorder


@dataclass
class LocalStack:
    template: Template
    emulator: Emulator
    functions: dict[str, LocalFunction]
    gateway: Gateway
    bridge: BridgeDelivery
    demo_users: list[str]
    recorder: CallRecorder | None = None

    @classmethod
    def start(
        cls,
        seed: bool = True,
        deliver_events: bool = True,
        emulator_port: int = 0,
        recorder: CallRecorder | None = None,
        parameter_overrides: dict[str, str] | None = None,
    ) -> LocalStack:
        """`recorder`, when given, checks every AWS call the functions make against their policies."""
        template = Template.load()
        template.parameter_overrides.update(parameter_overrides or {})
        emulator = Emulator.start(emulator_port)
        provision(emulator, template)
        if deliver_events:
            point_whatsapp_events(emulator, template)
        return cls._assemble(template, emulator, seed, deliver_events, recorder)

    @classmethod
    def attach(cls, endpoint_url: str) -> LocalStack:
        """The functions of an emulator another process (`serve`) started and provisioned."""
        return cls._assemble(Template.load(), Emulator.connect(endpoint_url), seed=False, deliver_events=False)

    @classmethod
    def _assemble(
        cls,
        template: Template,
        emulator: Emulator,
        seed: bool,
        deliver_events: bool,
        recorder: CallRecorder | None = None,
    ) -> LocalStack:
        functions = load_functions(template, emulator.environment)
        add_layer_to_path()
        from nudge import clients, observability, signing

        if recorder is not None:
            recorder.install()  # before any client exists: clients copy the session's event hooks
        clients.reset()
        signing.forget_key()
        # Created before the functions' environment was loaded (e.g. by an earlier test), they would lack
        # POWERTOOLS_METRICS_NAMESPACE and every flush would fail.
        observability.metrics.cache_clear()
        observability.logger.cache_clear()
        demo_users: list[str] = []
        if seed:
            from local_runtime.seed import seed_demo_data

            demo_users = seed_demo_data()
        bridge = BridgeDelivery(
            emulator, template.bus_rules(), functions, template.queue_sources(), template, template.topic_sources()
        )
        if deliver_events:
            bridge.start()
        gateway = CorsGateway(template.http_routes(), functions, CorsRules.from_template(template))
        return cls(template, emulator, functions, gateway, bridge, demo_users, recorder)

    def run_schedule(self, function_folder_or_id: str) -> Any:
        """Invoke a scheduled function now, with the event its schedule would send."""
        from local_runtime.bridge import scheduled_event

        spec = self.template.function(function_folder_or_id)
        if not any(schedule.function_id == spec.logical_id for schedule in self.template.schedules()):
            raise KeyError(f"{spec.logical_id} has no Schedule event in template.yaml")
        return self.functions[spec.logical_id].invoke(scheduled_event(f"{spec.logical_id}-schedule"))

    def function(self, folder_or_id: str) -> LocalFunction:
        return self.functions[self.template.function(folder_or_id).logical_id]

    def stop(self) -> None:
        self.bridge.stop()
        self.emulator.stop()
