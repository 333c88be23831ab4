"""A Python client generated from the node's OpenAPI document works (issue 19 item 1): openapi-python-client
writes a typed client from the document alone, and calls made through it against a real node on 127.0.0.1
come back as its typed models, equal to what the node answered. Generation takes a second or two."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from node_support import Running
from palmyra import rus_strike, usa_strike

from airparley.web import desk_app


def _generate(running: Running, where: Path) -> Any:
    """The client package, generated into ``where`` and imported."""
    document = where / "openapi.json"
    document.write_text(json.dumps(desk_app(running.node).openapi()), encoding="utf-8")
    config = where / "config.yaml"
    config.write_text("post_hooks: []\n", encoding="utf-8")  # no formatter run over the generated code
    generator = Path(sys.executable).parent / "openapi-python-client"
    output = where / "airparley_client"
    arguments = ["generate", "--path", str(document), "--config", str(config), "--meta", "none"]
    result = subprocess.run(
        [str(generator), *arguments, "--output-path", str(output)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Warning" not in result.stdout + result.stderr, result.stdout + result.stderr
    for name in [name for name in sys.modules if name.split(".")[0] == "airparley_client"]:
        del sys.modules[name]  # one generated per database the test runs on: import this one
    sys.path.insert(0, str(where))
    try:
        return importlib.import_module("airparley_client")
    finally:
        sys.path.remove(str(where))


def test_a_generated_client_calls_a_real_node_and_reads_typed_answers(running: Running, tmp_path: Path) -> None:
    desk = running.desk("usa_duty")
    assert desk.client.post("/api/v1/notices", json=usa_strike()).status_code == 201
    assert running.desk("rus_duty").client.post("/api/v1/notices", json=rus_strike()).status_code == 201
    package = _generate(running, tmp_path)
    me_api = importlib.import_module("airparley_client.api.default.me_api_v1_me_get")
    conflicts_api = importlib.import_module("airparley_client.api.default.list_conflicts_api_v1_conflicts_get")
    models = importlib.import_module("airparley_client.models")
    with package.AuthenticatedClient(base_url=running.url, token=desk.token) as client:
        me = me_api.sync(client=client)
        assert isinstance(me, models.Me)
        assert (me.officer.party, me.officer.tier, me.party.code) == ("USA", "duty", "USA")
        conflicts = conflicts_api.sync(client=client)
    assert isinstance(conflicts, list)
    assert conflicts
    assert all(isinstance(conflict, models.Conflict) for conflict in conflicts)
    raw = desk.client.get("/api/v1/conflicts").json()
    assert [c.to_dict() for c in conflicts] == raw
    assert conflicts[0].other.party == "RUS"
    assert conflicts[0].buffers.lateral_nm == raw[0]["buffers"]["lateral_nm"]
