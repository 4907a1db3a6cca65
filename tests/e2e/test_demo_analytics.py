"""The demo brand's analytics `make run` seeds: acme's token reads acme-cloud-nps (the function's sample
event) from a seeded emulator, and every block has data, with the small cells hidden."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from local_runtime.template import ROOT


def test_every_analytics_block_of_the_demo_survey_has_data(tmp_path: Path) -> None:
    command = [
        *(sys.executable, "-m", "local_runtime", "invoke", "get_survey_analytics", "get_survey_analytics.json"),
        *("--state-file", str(tmp_path / "none.json")),
    ]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=180, check=False)  # noqa: S603
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["statusCode"] == 200
    shown = json.loads(result["body"])
    assert shown["response_count"] >= 40
    for breakdown in ("by_age", "by_location", "by_gender"):
        assert shown["demographics"][breakdown], breakdown
        assert all(cell["response_count"] >= 10 for cell in shown["demographics"][breakdown])
    assert {cell["country"] for cell in shown["demographics"]["by_location"]}.isdisjoint({"AU"})  # one respondent
    assert any(value for cell in shown["demographics"]["by_age"] for value in cell["sentiment"].values())
    assert shown["engagement"]["time_to_complete"]["median"] > 0
    assert shown["engagement"]["dropoff_rate"] > 0
    assert shown["engagement"]["completion_by_channel"]
    assert all(shown["funnel"][step] > 0 for step in shown["funnel"])
    assert len(shown["insights"]["top_keywords"]) == 10
    assert len(shown["insights"]["sentiment_trend"]) == 2
