"""`python -m local_runtime apply-retention` (what `make retention` runs) with no emulator up."""

from __future__ import annotations

import json
import subprocess
import sys

from local_runtime.template import ROOT
from tests.e2e.test_recalculate_command import _free_port


def test_retention_starts_a_seeded_emulator_and_prints_what_the_job_did() -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    command = [sys.executable, "-m", "local_runtime", "apply-retention", "--emulator-url", url]

    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)  # noqa: S603

    assert done.returncode == 0, done.stderr
    assert f"no emulator at {url}; starting one with demo data" in done.stderr
    summary = json.loads(done.stdout)
    assert summary["complete"] is True
    assert summary["erasures_requested"] == summary["erasures_delivered"] == 0
    assert summary["inactive_users"] == 0
