"""`python -m local_runtime recalculate-archetypes` (what `make recalc` runs) with no emulator up."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

from local_runtime.template import ROOT


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_recalculate_starts_a_seeded_emulator_and_prints_the_completed_run() -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    command = [
        sys.executable,
        "-m",
        "local_runtime",
        "recalculate-archetypes",
        "--emulator-url",
        url,
        "--timeout",
        "60",
    ]

    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)  # noqa: S603

    assert done.returncode == 0, done.stderr
    assert f"no emulator at {url}; starting one with demo data" in done.stderr
    run = json.loads(done.stdout)
    assert (run["status"], run["trigger"], run["job"]) == ("completed", "manual", "archetype_recalculation")
    assert run["counts"]["users_scanned"] >= 4
    assert run["counts"]["recalculated"] == run["counts"]["changed"] == run["counts"]["users_scanned"]
    assert run["counts"]["failed"] == 0
    assert run["segments_done"] == run["total_segments"]
    assert run["ended_at"] >= run["started_at"]
    assert run["duration_seconds"] >= 0
