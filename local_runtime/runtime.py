"""The whole local stack in one object: emulator, resources, functions, gateway, EventBridge delivery."""

from __future__ import annotations

from dataclasses import dataclass

from local_runtime.bridge import BridgeDelivery
from local_runtime.emulator import Emulator, provision
from local_runtime.gateway import Gateway
from local_runtime.lambdas import LocalFunction, add_layer_to_path, load_functions
from local_runtime.template import Template


@dataclass
class LocalStack:
    template: Template
    emulator: Emulator
    functions: dict[str, LocalFunction]
    gateway: Gateway
    bridge: BridgeDelivery
    demo_users: list[str]

    @classmethod
    def start(cls, seed: bool = True, deliver_events: bool = True, emulator_port: int = 0) -> LocalStack:
        template = Template.load()
        emulator = Emulator.start(emulator_port)
        provision(emulator, template)
        functions = load_functions(template)
        add_layer_to_path()
        from nudge import clients, config

        config.settings.cache_clear()
        clients.reset()
        demo_users: list[str] = []
        if seed:
            from local_runtime.seed import seed_demo_data

            demo_users = seed_demo_data()
        bridge = BridgeDelivery(emulator, template.bus_rules(), functions)
        if deliver_events:
            bridge.start()
        return cls(template, emulator, functions, Gateway(template.http_routes(), functions), bridge, demo_users)

    def function(self, folder_or_id: str) -> LocalFunction:
        return self.functions[self.template.function(folder_or_id).logical_id]

    def stop(self) -> None:
        self.bridge.stop()
        self.emulator.stop()
