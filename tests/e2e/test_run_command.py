"""`python -m local_runtime serve` (what `make run` runs): starts, prints what a developer needs, records
where it runs for the other commands, refuses ports in use at once, and stops on Ctrl-C."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from local_runtime.template import ROOT


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _local_runtime(*arguments: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "local_runtime", *arguments]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False)  # noqa: S603


def _serve(port: int, emulator_port: int, state_file: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(  # noqa: S603 - our own module
        [
            sys.executable,
            "-m",
            "local_runtime",
            "serve",
            "--port",
            str(port),
            "--emulator-port",
            str(emulator_port),
            "--state-file",
            str(state_file),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


@contextmanager
def _running(process: subprocess.Popen[str]) -> Iterator[subprocess.Popen[str]]:
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


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


def _keep_reading(process: subprocess.Popen[str]) -> None:
    """Consume the server's request log so a full pipe can never hold it up."""
    assert process.stdout is not None
    threading.Thread(target=process.stdout.read, daemon=True).start()


def _signals(port: int, token: str, route: str = "signals") -> dict[str, object]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/users/demo-user/{route}")
    request.add_header("authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - our own local server
        return dict(json.loads(response.read()))


def test_two_serves_side_by_side_each_record_their_ports_serve_demo_data_and_stop_on_ctrl_c(
    tmp_path: Path,
) -> None:
    ports = [(_free_port(), _free_port()), (_free_port(), _free_port())]
    states = [tmp_path / "first.json", tmp_path / "second.json"]
    with _running(_serve(*ports[0], states[0])) as first, _running(_serve(*ports[1], states[1])) as second:
        for process, (port, emulator_port), state_file in zip((first, second), ports, states, strict=True):
            banner = "\n".join(_read_until(process, "Ctrl-C stops.", timeout=90))
            _keep_reading(process)
            assert f"Nudge API        http://127.0.0.1:{port}" in banner
            assert f"http://127.0.0.1:{port}/docs" in banner
            assert f"AWS emulator     http://127.0.0.1:{emulator_port}" in banner
            token = re.search(r"User token\s+(\S+)", banner)
            assert token is not None
            assert int(str(_signals(port, token.group(1))["events_count"])) > 0
            recommended = _signals(port, token.group(1), "product-recommendations")
            assert recommended["strategy"] == "personalized"
            assert isinstance(recommended["items"], list)
            reasons = {reason for item in recommended["items"] for reason in item["reasons"]}
            assert "Based on your interest in TECH_SAAS" in reasons
            assert "acme-cloud" not in {item["product_id"] for item in recommended["items"]}  # responded to
            recorded = json.loads(state_file.read_text())
            assert (recorded["api_url"], recorded["emulator_url"]) == (
                f"http://127.0.0.1:{port}",
                f"http://127.0.0.1:{emulator_port}",
            )
            endpoint = _local_runtime("endpoint", "--state-file", str(state_file))
            assert endpoint.stdout == f"http://127.0.0.1:{emulator_port}\n"

        invoked = _local_runtime("invoke", "get_user_signals", "get_signals.json", "--state-file", str(states[1]))
        assert invoked.returncode == 0, invoked.stderr
        assert f"using the emulator at http://127.0.0.1:{ports[1][1]}" in invoked.stderr

        for process, state_file in zip((first, second), states, strict=True):
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=60) == 0
            assert not state_file.exists()
    assert _local_runtime("endpoint", "--state-file", str(states[0])).returncode == 1


def test_a_port_in_use_is_one_clear_line_and_a_non_zero_exit(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = int(taken.getsockname()[1])
        for port, emulator_port, variable, what in (
            (busy, _free_port(), "PORT", "API"),
            (_free_port(), busy, "EMULATOR_PORT", "AWS emulator"),
        ):
            with _running(_serve(port, emulator_port, tmp_path / "state.json")) as process:
                output, _ = process.communicate(timeout=30)
                assert process.returncode == 1
                assert output.splitlines() == [
                    f"port {busy} ({variable}, the {what}) is in use: stop what uses it, "
                    f"or try make run {variable}={busy + 1}"
                ]
                assert not (tmp_path / "state.json").exists()


def test_invoke_prints_only_the_function_result_on_stdout(tmp_path: Path) -> None:
    done = _local_runtime("invoke", "ingest_events", "post_events.json", "--state-file", str(tmp_path / "none.json"))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["statusCode"] == 200
    assert json.loads(result["body"])["accepted_event_ids"] == ["evt-sample-1", "evt-sample-2"]


def test_invoke_without_make_run_starts_a_seeded_emulator(tmp_path: Path) -> None:
    done = _local_runtime("invoke", "get_user_signals", "get_signals.json", "--state-file", str(tmp_path / "none.json"))
    assert done.returncode == 0, done.stderr
    assert "no `make run` is up in this clone; starting one with demo data" in done.stderr
    signals = json.loads(json.loads(done.stdout)["body"])
    assert signals["user_id"] == "demo-user"
    assert signals["events_count"] > 0


def test_invoke_names_the_choices_when_the_function_is_unknown() -> None:
    done = _local_runtime("invoke", "no_such_function", "x.json", timeout=60)
    assert done.returncode == 2
    assert "ingest_events" in done.stderr
