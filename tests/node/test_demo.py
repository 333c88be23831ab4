"""The headless demo plays the scenario's story on a real node."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from node_support import _free_port


@pytest.mark.slow
def test_the_demo_tells_the_story() -> None:
    port = _free_port()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "airparley.cli",
            "demo",
            "syria-iraq",
            "--headless",
            "--speed",
            "8",
            "--duration",
            "470",
            "--port",
            str(port),
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads(result.stdout[result.stdout.index("{") :])
    assert summary["conflicts"] >= 3  # Palmyra, the corridor and the E-3 orbit, al-Bab
    assert summary["alerts_by_level"].get("warning", 0) >= 1  # the Su-35 passing the E-3
    assert summary["incidents"] >= 1  # ...within half a mile and 500 ft
    assert summary["case_escalations"] == 1  # the Palmyra case nobody answers goes to the generals
    assert summary["safety_calls_escalated"] >= 1  # the Russian pilot who does not answer
    # ...is flagged non-responsive (no acknowledgement, no manoeuvre in 180 s); GRACH31, who turns, is not.
    flagged = [f["callsign"] for f in summary["non_responsive_flags"]]
    assert flagged == ["BERKUT21"], summary["non_responsive_flags"]
    assert summary["non_responsive_flags"][0] == {
        "callsign": "BERKUT21",
        "track": "RUS-SU35-1",
        "owner": "RUS",
        "caller": "USA",
    }
    assert "USA duty   token: ap_" in result.stdout
