"""The demo user's export from the emulator `make run` seeds: every table's section, the survey they completed
without a tracked start included."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from local_runtime.template import ROOT


def test_the_demo_users_export_answers_with_every_section(tmp_path: Path) -> None:
    command = [
        *(sys.executable, "-m", "local_runtime", "invoke", "export_user_data", "get_export.json"),
        *("--state-file", str(tmp_path / "none.json")),
    ]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=180, check=False)  # noqa: S603
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["statusCode"] == 200, result["body"]
    exported = json.loads(result["body"])
    assert exported["user_id"] == "demo-user"
    assert exported["tables"]["ProfileTable"]["profile"] is not None
    reminders = exported["tables"]["DeliveryTable"]["survey_reminders"]
    assert {(reminder["started_at"], reminder["outcome"]) for reminder in reminders} == {(None, "completed")}
