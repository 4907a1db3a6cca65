"""Where this clone's running `serve` (`make run`) can be found.

`serve` writes its API and emulator URLs to .nudge-local/running.json once both listen, and removes
the file when it stops, so `make recalc`, `make invoke`, `make endpoint` and scripts in this clone
find its emulator whatever ports it was given, and a clone next to it finds its own.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from local_runtime.template import ROOT

STATE_PATH = ROOT / ".nudge-local" / "running.json"


@dataclass(frozen=True)
class Running:
    api_url: str
    emulator_url: str
    pid: int


def record(api_url: str, emulator_url: str, path: Path = STATE_PATH) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(Running(api_url, emulator_url, os.getpid()))) + "\n")


def forget(path: Path = STATE_PATH) -> None:
    """Remove the file if this process wrote it."""
    current = _read(path)
    if current is not None and current.pid == os.getpid():
        path.unlink(missing_ok=True)


def running(path: Path = STATE_PATH) -> Running | None:
    """The running `serve`, or None (no file, or its process is gone: killed without cleaning up)."""
    current = _read(path)
    if current is None:
        return None
    try:
        os.kill(current.pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:  # alive, under another user
        return current
    return current


def _read(path: Path) -> Running | None:
    try:
        return Running(**json.loads(path.read_text()))
    except (OSError, ValueError, TypeError):
        return None
