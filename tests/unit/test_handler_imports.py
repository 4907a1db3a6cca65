"""What a cold start loads: importing a handler, in a fresh interpreter as Lambda's init does, loads no
`cryptography` (about 12 ms of import on this machine), not even for the sensitive attribute handlers, which load it
on their first encryption or decryption only; and no `pydantic.functional_serializers` (about 4 ms), which Nudge's
models do without. The export loads none of the defaults capability's detection or selection rules: its section
records archetypes and options by name and value only."""

from __future__ import annotations

import json
import subprocess
import sys

from local_runtime.template import ROOT, Template

IMPORT_EVERY_HANDLER = """
import importlib.util, json, sys
loaded = {}
for index, path in enumerate(sys.argv[1:]):
    spec = importlib.util.spec_from_file_location(f"handler_{index}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    loaded[path] = sorted(
        name for name in sys.modules
        if name.split(".")[0] == "cryptography" or name == "pydantic.functional_serializers"
    )
print(json.dumps(loaded))
"""


LOADED_BY_EXPORT = """
import importlib, json, sys
importlib.import_module("nudge.privacy.user_data")
for table in ("recommendation_table", "recommendation_export"):
    importlib.import_module(f"nudge.defaults.{table}")
print(json.dumps(sorted(name for name in sys.modules if name.startswith("nudge.defaults."))))
"""


def _fresh_interpreter(code: str, *arguments: str) -> object:
    done = subprocess.run(  # noqa: S603 - this interpreter, our own code
        [sys.executable, "-c", code, *arguments],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT / "layers" / "nudge",
        env={"PYTHONPATH": str(ROOT / "layers" / "nudge"), "PYDANTIC_DISABLE_PLUGINS": "__all__"},
    )
    return json.loads(done.stdout)


def test_no_handler_loads_cryptography_or_pydantics_serializer_module_when_imported() -> None:
    handlers = [str(spec.code_uri / "app.py") for spec in Template.load().functions()]
    assert any("put_sensitive_attribute" in handler for handler in handlers)
    assert _fresh_interpreter(IMPORT_EVERY_HANDLER, *handlers) == {handler: [] for handler in handlers}


def test_the_export_loads_no_archetype_detection_or_selection_rules() -> None:
    assert _fresh_interpreter(LOADED_BY_EXPORT) == [
        "nudge.defaults.archetype_names",
        "nudge.defaults.options",
        "nudge.defaults.recommendation_export",
        "nudge.defaults.recommendation_log",
        "nudge.defaults.recommendation_table",
        "nudge.defaults.transaction_option",
        "nudge.defaults.urgency",
    ]
