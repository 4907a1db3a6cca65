"""`python -m local_runtime serve` (what `make run` runs): starts, prints what a developer needs, stops on Ctrl-C."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from local_runtime.template import ROOT


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_prints_urls_and_tokens_serves_demo_data_and_stops_on_ctrl_c() -> None:
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 - our own module
        [sys.executable, "-m", "local_runtime", "serve", "--port", str(port), "--emulator-port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        lines = _read_until(process, "Ctrl-C stops.", timeout=60)
        banner = "\n".join(lines)
        assert f"http://127.0.0.1:{port}" in banner
        assert f"http://127.0.0.1:{port}/docs" in banner
        token = re.search(r"User token\s+(\S+)", banner)
        assert token is not None
        request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/users/demo-user/signals")
        request.add_header("authorization", f"Bearer {token.group(1)}")
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - our own local server
            assert json.loads(response.read())["events_count"] > 0
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()


def _read_until(process: subprocess.Popen[str], marker: str, timeout: float) -> list[str]:
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    lines: list[str] = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip())
        if marker in line:
            return lines
    raise AssertionError("server did not start:\n" + "\n".join(lines))


def test_invoke_prints_only_the_function_result_on_stdout() -> None:
    command = [sys.executable, "-m", "local_runtime", "invoke", "ingest_events", "post_events.json"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)  # noqa: S603
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["statusCode"] == 200
    assert json.loads(result["body"])["accepted_event_ids"] == ["evt-sample-1", "evt-sample-2"]


def test_invoke_names_the_choices_when_the_function_is_unknown() -> None:
    command = [sys.executable, "-m", "local_runtime", "invoke", "no_such_function", "x.json"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)  # noqa: S603
    assert done.returncode == 2
    assert "ingest_events" in done.stderr
