"""Command line of the local runtime: serve, token, invoke, recalculate-archetypes, apply-retention, endpoint,
openapi."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any, NoReturn

from local_runtime.state import STATE_PATH
from local_runtime.template import ROOT


def _busy_port(arguments: argparse.Namespace) -> str | None:
    """Why serve cannot start on the ports asked for, in one line; None when both are free."""
    from local_runtime.emulator import PortInUse, listening_socket

    if arguments.port and arguments.port == arguments.emulator_port:
        return f"PORT and EMULATOR_PORT are both {arguments.port}: give them different ports"
    for port, variable, what in (
        (arguments.port, "PORT", "API"),
        (arguments.emulator_port, "EMULATOR_PORT", "AWS emulator"),
    ):
        try:
            listening_socket(port).close()
        except PortInUse:
            return _port_message(port, variable, what)
    return None


def _port_message(port: int, variable: str, what: str) -> str:
    return f"port {port} ({variable}, the {what}) is in use: stop what uses it, or try make run {variable}={port + 1}"


def _serve(arguments: argparse.Namespace) -> int:
    from local_runtime import state
    from local_runtime.emulator import PortInUse
    from local_runtime.runtime import LocalStack
    from local_runtime.server import LocalHttpServer

    busy = _busy_port(arguments)
    if busy:
        print(busy, file=sys.stderr)
        return 1
    recorder = _recorder(arguments)
    try:
        stack = LocalStack.start(
            seed=not arguments.no_seed,
            emulator_port=arguments.emulator_port,
            recorder=recorder,
            # Links in emails (unsubscribe, clicks) lead to this server unless the developer names another base.
            parameter_overrides={"PublicApiUrl": f"http://127.0.0.1:{arguments.port}"}
            | dict(arguments.parameter_overrides),
        )
    except PortInUse:  # taken since the check
        print(_port_message(arguments.emulator_port, "EMULATOR_PORT", "AWS emulator"), file=sys.stderr)
        return 1
    try:
        server = LocalHttpServer(arguments.port, stack.gateway, outbox=stack.emulator.outbox)
    except PortInUse:
        stack.stop()
        print(_port_message(arguments.port, "PORT", "API"), file=sys.stderr)
        return 1
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state.record(server.url, stack.emulator.endpoint_url, arguments.state_file)
    try:
        _print_banner(server.url, stack)
        with contextlib.suppress(KeyboardInterrupt):
            stopping.wait()
        print("stopping...", flush=True)
    finally:
        state.forget(arguments.state_file)
        server.shutdown()
        server.server_close()
        stack.stop()
    return _exit_now()


def _exit_now() -> NoReturn:
    """End `serve` without the interpreter's teardown: the emulator's state dies with the process anyway,
    and collecting its millions of objects one by one made Ctrl-C take seconds on a busy machine."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _print_banner(url: str, stack: Any) -> None:
    from local_runtime.tokens import issue_token

    print(f"Nudge API        {url}", flush=True)
    print(f"Swagger UI       {url}/docs", flush=True)
    print(f"Local outbox     {url}/_local/outbox.html  (every message the emulator accepted)", flush=True)
    print(f"AWS emulator     {stack.emulator.endpoint_url}  (moto; `make endpoint` prints it)", flush=True)
    print(f"Event bus        {stack.template.ref('NudgeEventBus')}", flush=True)
    print(f"Demo users       {', '.join(stack.demo_users) or '(not seeded)'}", flush=True)
    print(f"User token       {issue_token('demo-user')}", flush=True)
    print(f"Admin token      {issue_token('demo-admin', admin=True)}", flush=True)
    print(f"Brand token      {issue_token('demo-acme', brand='acme')}  (brand acme)", flush=True)
    print("Ctrl-C stops.", flush=True)


def _recorder(arguments: argparse.Namespace) -> Any:
    """With --check-permissions, every AWS call a function makes that its role does not allow is printed."""
    if not arguments.check_permissions:
        return None
    from local_runtime.permissions import CallRecorder, Policies, print_denial
    from local_runtime.template import TEMPLATE_PATH, Template

    return CallRecorder(Policies.of_template_file(TEMPLATE_PATH, Template.load()), on_denial=print_denial)


def _parameter(text: str) -> tuple[str, str]:
    """KEY=VALUE, KEY one of template.yaml's parameters (as `sam deploy --parameter-overrides` takes them)."""
    from local_runtime.template import Template

    name, separator, value = text.partition("=")
    known = Template.load().data["Parameters"]
    if not separator or name not in known:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE with KEY one of: {', '.join(known)}")
    return name, value


def _token(arguments: argparse.Namespace) -> int:
    from local_runtime.tokens import issue_token

    print(issue_token(arguments.user, admin=arguments.admin, brand=arguments.brand))
    return 0


def _invoke(arguments: argparse.Namespace) -> int:
    from local_runtime.template import Template

    try:
        spec = Template.load().function(arguments.function)
    except KeyError as error:
        print(
            f"{error.args[0]}; functions: {', '.join(s.folder for s in Template.load().functions())}", file=sys.stderr
        )
        return 2
    event_path = Path(arguments.event)
    if not event_path.exists():
        event_path = ROOT / "events" / spec.folder / arguments.event
    if not event_path.is_file():
        samples = ", ".join(sorted(path.name for path in (ROOT / "events" / spec.folder).glob("*.json")))
        print(f"no event file {arguments.event}; samples for {spec.folder}: {samples}", file=sys.stderr)
        return 2
    event = json.loads(event_path.read_text())
    stack = _local_stack(arguments)
    if stack is None:
        return 2
    # Like `sam local invoke`: the function's own output (logs, metrics) on stderr, its result on stdout.
    try:
        with contextlib.redirect_stdout(sys.stderr):
            result = stack.function(spec.logical_id).invoke(event)
    finally:
        stack.stop()
    print(json.dumps(result, indent=2))
    return 0


def _recalculate(arguments: argparse.Namespace) -> int:
    """Run the nightly recalculation now: against `serve`'s emulator when one is up, else a fresh seeded one."""
    stack = _local_stack(arguments)
    if stack is None:
        return 2
    try:
        with contextlib.redirect_stdout(sys.stderr):
            run = _run_recalculation(stack, arguments.timeout)
    finally:
        stack.stop()
    print(json.dumps(run, indent=2))
    return 0 if run.get("status") == "completed" else 1


def _retention(arguments: argparse.Namespace) -> int:
    """Run the daily retention job now, then the erasures it requested, and print what it did."""
    stack = _local_stack(arguments)
    if stack is None:
        return 2
    try:
        with contextlib.redirect_stdout(sys.stderr):
            stack.bridge.drain()  # what was queued before the job (a fresh seed's events) is not its doing
            summary = stack.run_schedule("apply_data_retention")
            summary["erasures_delivered"] = stack.bridge.drain()
    finally:
        stack.stop()
    print(json.dumps(summary, indent=2))
    return 0


def _local_stack(arguments: argparse.Namespace) -> Any:
    """The functions over `serve`'s emulator (--emulator-url, else the one this clone's `make run` recorded)
    when it answers, else over a fresh emulator with demo data. None, said why, when the URL is not an emulator."""
    from local_runtime import state
    from local_runtime.runtime import LocalStack

    running = state.running(arguments.state_file)
    url = arguments.emulator_url or (running.emulator_url if running else None)
    if url and _reachable(url):
        try:
            stack = LocalStack.attach(url)
        except Exception as error:  # noqa: BLE001 - an unrelated service on the port: say so plainly
            print(f"cannot use the emulator at {url}: {error!r}", file=sys.stderr)
            return None
        print(f"using the emulator at {url}", file=sys.stderr)
        return stack
    where = f"no emulator at {url}" if url else "no `make run` is up in this clone"
    print(f"{where}; starting one with demo data", file=sys.stderr)
    return LocalStack.start(deliver_events=False)


def _endpoint(arguments: argparse.Namespace) -> int:
    from local_runtime import state

    running = state.running(arguments.state_file)
    if running is None:
        print("no `make run` is up in this clone", file=sys.stderr)
        return 1
    print(running.emulator_url)
    return 0


def _reachable(endpoint_url: str) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(f"{endpoint_url}/moto-api/", timeout=1):  # noqa: S310 - a local URL
            return True
    except OSError:
        return False


def _run_recalculation(stack: Any, timeout_seconds: float) -> dict[str, Any]:
    """Start a run, deliver its queue messages to the worker until the run completes, return its log."""
    import time

    from nudge.jobs.job_models import RECALCULATION_JOB
    from nudge.jobs.job_table import job_table

    # What the schedule would start, marked as started by hand in the run log.
    started = stack.function("start_archetype_recalculation").invoke({"trigger": "manual"})
    if not started["started"]:
        print(f"a run is already in progress: {started['run_id']}", file=sys.stderr)
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        stack.bridge.deliver_pending()
        run = job_table().get_run(RECALCULATION_JOB, started["run_id"])
        if run is not None and run.status == "completed":
            return dict(run.model_dump(mode="json"))
        time.sleep(0.05)
    run = job_table().get_run(RECALCULATION_JOB, started["run_id"])
    return dict(run.model_dump(mode="json")) if run else {"run_id": started["run_id"], "status": "unknown"}


def _openapi(arguments: argparse.Namespace) -> int:
    from local_runtime.lambdas import add_layer_to_path
    from local_runtime.openapi import generate
    from local_runtime.server import OPENAPI_PATH
    from local_runtime.template import Template

    add_layer_to_path()
    document = generate(Template.load())
    if arguments.check:
        if not OPENAPI_PATH.exists() or OPENAPI_PATH.read_text() != document:
            print("openapi.json is out of date: run `make openapi` and commit it", file=sys.stderr)
            return 1
        print("openapi.json is up to date")
        return 0
    OPENAPI_PATH.write_text(document)
    print(f"wrote {OPENAPI_PATH.relative_to(ROOT)}")
    return 0


def _emulator_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument("--emulator-url", help="a running `serve` emulator (default: the one `make run` recorded)")
    # Where `serve` records its URLs; tests give their own so they never touch a developer's `make run`.
    command.add_argument("--state-file", type=Path, default=STATE_PATH, help=argparse.SUPPRESS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local_runtime", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the whole API locally on an embedded AWS emulator")
    serve.add_argument("--port", type=int, default=3000)
    serve.add_argument("--emulator-port", type=int, default=5000, help="port of the embedded moto server (0: any)")
    serve.add_argument("--no-seed", action="store_true", help="start without demo data")
    serve.add_argument(
        "--check-permissions",
        action="store_true",
        help="print every AWS call a function makes that its role in the template does not allow (needs .venv-sam)",
    )
    serve.add_argument("--state-file", type=Path, default=STATE_PATH, help=argparse.SUPPRESS)
    serve.add_argument(
        "--parameter-overrides",
        nargs="*",
        type=_parameter,
        default=[],
        metavar="KEY=VALUE",
        help="template parameters, e.g. AllowedOrigins=http://localhost:5173",
    )
    serve.set_defaults(run=_serve)
    token = commands.add_parser("token", help="print a bearer token the local server accepts")
    token.add_argument("user")
    token.add_argument("--admin", action="store_true", help="put the user in the admin group")
    token.add_argument("--brand", help="put the user in the brand group, acting for this brand id")
    token.set_defaults(run=_token)
    invoke = commands.add_parser("invoke", help="invoke one function with an event file, like sam local invoke")
    invoke.add_argument("function", help="function folder under functions/ (or logical id)")
    invoke.add_argument("event", help="event file: a path, or a name under events/<function>/")
    _emulator_arguments(invoke)
    invoke.set_defaults(run=_invoke)
    recalculate = commands.add_parser(
        "recalculate-archetypes", help="run the nightly archetype recalculation now and print its job log"
    )
    _emulator_arguments(recalculate)
    recalculate.add_argument("--timeout", type=float, default=600, help="seconds to wait for the run to finish")
    recalculate.set_defaults(run=_recalculate)
    retention = commands.add_parser(
        "apply-retention", help="run the daily retention job now (warnings, erasures of inactive users)"
    )
    _emulator_arguments(retention)
    retention.set_defaults(run=_retention)
    endpoint = commands.add_parser("endpoint", help="print the URL of the emulator of this clone's running `serve`")
    endpoint.add_argument("--state-file", type=Path, default=STATE_PATH, help=argparse.SUPPRESS)
    endpoint.set_defaults(run=_endpoint)
    openapi = commands.add_parser("openapi", help="regenerate openapi.json from the handlers")
    openapi.add_argument("--check", action="store_true", help="fail when the committed file differs")
    openapi.set_defaults(run=_openapi)
    arguments = parser.parse_args(argv)
    return int(arguments.run(arguments))


if __name__ == "__main__":
    sys.exit(main())
