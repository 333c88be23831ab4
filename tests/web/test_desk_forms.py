"""The desk's forms in a real Chromium against a real node: corridors and orbits drawn and filed, a notice
revised and cancelled, the altitude filter, the frequencies and the legend, reroute and time-share
proposals, and the keyboard."""

from __future__ import annotations

from typing import Any

import pytest
from desk_support import Desk, forgive_console_errors
from palmyra import rus_strike, usa_strike

pytestmark = pytest.mark.slow


def _post(desk: Desk, who: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = desk.running.desk(who).client.post(f"/api/v1{path}", json=body)
    assert answer.status_code in (200, 201), answer.text
    result: dict[str, Any] = answer.json()
    return result


def _features(desk: Desk, who: str, notice_id: str) -> list[dict[str, Any]]:
    answer = desk.running.desk(who).client.get(f"/api/v1/notices/{notice_id}")
    assert answer.status_code == 200, answer.text
    features: list[dict[str, Any]] = answer.json()["features"]
    return features


def _centre(desk: Desk) -> tuple[float, float]:
    box = desk.page.locator("#map").bounding_box()
    assert box is not None
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def test_a_corridor_and_an_orbit_are_drawn_and_filed(desk: Desk) -> None:
    desk.open("tur_duty")
    page = desk.page
    x, y = _centre(desk)
    # A corridor: a line of three points (a click on the last one ends it), then its width in the form.
    page.click(".ap-draw-corridor")
    for point in [(x - 120, y), (x - 20, y - 50), (x + 100, y - 40)]:
        page.mouse.click(*point)
    page.mouse.click(x + 100, y - 40)
    page.wait_for_selector("#pane-file:not([hidden])")
    assert page.inner_text("#nf-shape") == "corridor, 3 points"
    page.fill("#nf-half_width_nm", "4")
    page.fill("#nf-notice_id", "TUR-0401")
    page.fill("#nf-lower", "100")
    page.fill("#nf-upper", "200")
    page.select_option("#nf-kind", "transit")
    page.fill("#nf-callsigns", "KARTAL5")
    page.fill("#nf-frequency_mhz", "243.0")
    page.fill("#nf-private", "tanker track for the night package")
    assert page.inner_text(".private-box legend") == "🔒 Gizli — asla paylaşılmaz"  # a Turkish desk: "never shared"
    page.click("#nf-submit")
    page.wait_for_selector("#nf-result:has-text('Gönderildi TUR-0401 v1')")
    (corridor,) = _features(desk, "tur_duty", "TUR-0401")
    assert corridor["geometry"]["type"] == "LineString"
    assert len(corridor["geometry"]["coordinates"]) == 3
    props = corridor["properties"]
    assert props["shape"] == "corridor"
    assert props["half_width_nm"] == 4
    assert props["kind"] == "transit"
    assert props["callsigns"] == ["KARTAL5"]
    assert props["frequency_mhz"] == 243.0
    assert props["private"] == {"notes": "tanker track for the night package"}
    # An orbit: two points (the second ends it), a racetrack of the radius given in the form.
    page.click(".ap-draw-orbit")
    page.mouse.click(x - 80, y + 80)
    page.mouse.click(x + 40, y + 90)
    page.wait_for_selector("#nf-shape:has-text('orbit, 2 points')")
    page.fill("#nf-radius_nm", "8")
    page.fill("#nf-notice_id", "TUR-0402")
    page.select_option("#nf-kind", "orbit")
    page.select_option("[name='upper.ref']", "MSL")
    page.fill("#nf-upper", "31000")
    page.click("#nf-submit")
    page.wait_for_selector("#nf-result:has-text('Gönderildi TUR-0402 v1')")
    (orbit,) = _features(desk, "tur_duty", "TUR-0402")
    assert orbit["geometry"]["type"] == "LineString"
    assert len(orbit["geometry"]["coordinates"]) == 2
    assert orbit["properties"]["shape"] == "orbit"
    assert orbit["properties"]["radius_nm"] == 8
    assert orbit["properties"]["upper"] == {"value": 31000, "unit": "ft", "ref": "MSL"}
    # Both drawn on the map as their widened outlines.
    page.click("[data-tab=notices]")
    page.wait_for_selector("#notices [data-notice='TUR-0402']")
    assert page.locator(".leaflet-volumes-pane path").count() == 2


def test_a_notice_is_revised_with_a_field_error_then_cancelled_after_confirmation(desk: Desk) -> None:
    _post(desk, "usa_duty", "/notices", usa_strike())
    desk.open("usa_duty")
    page = desk.page
    page.click("[data-tab=notices]")
    page.click("#notices [data-notice='USA-0101'] [data-action=revise]")
    page.wait_for_selector("#pane-file:not([hidden])")
    assert "Revising USA-0101 v1" in page.inner_text("#file-form .revising")
    assert page.get_attribute("#nf-notice_id", "readonly") is not None
    assert page.input_value("#nf-radius_nm") == "15"
    assert "TGT-4471" in page.input_value("#nf-private")  # the private part comes back, to be kept
    page.fill("#nf-lower", "350")  # above the upper FL300
    page.click("#nf-submit")
    error = page.locator("#file-form [data-error-for=lower]")
    error.wait_for()
    assert "above upper" in error.inner_text()
    assert page.evaluate("document.activeElement.id") == "nf-lower"  # the focus goes to the field at fault
    page.fill("#nf-lower", "250")
    page.fill("#nf-radius_nm", "12")
    page.click("#nf-submit")
    page.wait_for_selector("#nf-result:has-text('Revised USA-0101 v2')")
    (feature,) = _features(desk, "usa_duty", "USA-0101")
    assert feature["properties"]["version"] == 2
    assert feature["properties"]["lower"] == {"value": 250, "unit": "ft", "ref": "FL"}
    assert feature["properties"]["radius_nm"] == 12
    assert feature["properties"]["private"]["targets"] == ["TGT-4471"]
    assert forgive_console_errors(desk, 422, "/api/v1/notices/USA-0101") == 1
    # Cancel: a confirmation first; Escape closes it and nothing happens.
    page.click("[data-tab=notices]")
    card = page.locator("#notices [data-notice='USA-0101']")
    card.locator("[data-action=cancel]").click()
    page.wait_for_selector("#confirm-dialog[open]")
    page.keyboard.press("Escape")
    page.wait_for_selector("#confirm-dialog", state="hidden")
    assert _features(desk, "usa_duty", "USA-0101")[0]["properties"]["state"] == "filed"
    card.locator("[data-action=cancel]").click()
    page.click("#confirm-yes")
    page.wait_for_selector("#notices [data-notice='USA-0101'][data-state=cancelled]")
    assert _features(desk, "usa_duty", "USA-0101")[0]["properties"]["state"] == "cancelled"
    assert page.locator("#notices [data-notice='USA-0101'] [data-action=revise]").count() == 0


def test_the_altitude_filter_hides_and_shows_volumes_overlaps_and_tracks(desk: Desk) -> None:
    _post(desk, "usa_duty", "/notices", usa_strike())  # FL200-30,000 ft
    _post(desk, "rus_duty", "/notices", rus_strike())  # the overlap: FL190-FL260
    desk.open("usa_duty")
    page = desk.page
    with desk.running.node.write() as tx:
        tx.append_event(
            "tracks.update",
            ["USA"],
            {
                "USA": {
                    "tracks": [
                        {
                            "id": "t1",
                            "lat": 34.7,
                            "lon": 38.4,
                            "alt_ft": 25000,
                            "gs_kt": 450,
                            "trk_deg": 90,
                            "callsign": "VIPER11",
                        },
                    ]
                }
            },
            desk.running.clock(),
        )
    page.wait_for_selector(".track-label:has-text('VIPER11')")
    volumes, overlaps = ".leaflet-volumes-pane path", ".leaflet-conflicts-pane path"
    assert page.locator(volumes).count() == 1
    assert page.locator(overlaps).count() == 1
    # FL350-FL450: above all of it.
    page.fill("#alt-lower", "350")
    page.fill("#alt-upper", "450")
    page.press("#alt-upper", "Enter")
    page.wait_for_selector("#alt-status:has-text('FL350–FL450')")
    assert page.locator(volumes).count() == 0
    assert page.locator(overlaps).count() == 0
    page.wait_for_selector(".track-label:has-text('VIPER11')", state="detached")  # after the label fades
    # 27,000-28,000 ft: within the notice (FL200-FL300), above the overlap (to FL260) and the track (25,000 ft).
    page.select_option("#alt-unit", "ft")
    page.fill("#alt-lower", "27000")
    page.fill("#alt-upper", "28000")
    page.click("#alt-apply")
    page.wait_for_selector("#alt-status:has-text('27,000–28,000 ft')")
    assert page.locator(volumes).count() == 1
    assert page.locator(overlaps).count() == 0
    assert page.locator(".track-label:has-text('VIPER11')").count() == 0  # still hidden
    # A band upside down is refused by the field.
    page.fill("#alt-upper", "1000")
    page.click("#alt-apply")
    assert page.inner_text("[data-error-for=band_upper]") != ""
    page.click("#alt-clear")
    page.wait_for_selector(".track-label:has-text('VIPER11')")
    assert page.locator(volumes).count() == 1
    assert page.locator(overlaps).count() == 1


def test_the_frequencies_panel_and_layer_and_a_legend_of_every_layer(desk: Desk) -> None:
    desk.open("usa_duty")
    page = desk.page
    page.click("[data-tab=frequencies]")
    page.wait_for_selector("#frequencies [data-mhz='121.5']")
    assert (
        page.locator("#frequencies [data-mhz='243.0'] .badge.guard, #frequencies [data-mhz='243'] .badge.guard").count()
        == 1
    )
    assert page.locator("#frequencies [data-mhz='121.5'] .badge.guard").count() == 1
    # A frequency agreed while the desk looks on (USA proposes, RUS signs), with an area the map can place.
    uhf = {"name": "Palmyra common", "mhz": 251.3, "area": "Palmyra", "notes": "agreed 25 Nov"}
    proposal = {"parties": ["USA", "RUS"], "start": "2026-11-26T00:00:00Z", "terms": {"frequencies": [uhf]}}
    agreement = _post(desk, "usa_duty", "/agreements", proposal)
    _post(desk, "rus_duty", f"/agreements/{agreement['agreement_id']}/versions/1/sign", {})
    page.wait_for_selector("#frequencies [data-mhz='251.3']")
    assert "Palmyra common" in page.inner_text("#frequencies [data-mhz='251.3']")
    page.wait_for_selector(".frequency-label:has-text('251.3 MHz')")
    assert page.locator("#frequency-choices option[value='251.3']").count() == 1  # offered in the notice form
    # The legend: every layer with its checkbox, every alert colour.
    legend = page.locator("#legend")
    for layer in ("notices", "conflicts", "tracks", "alerts", "frequencies", "places"):
        assert legend.locator(f"[data-layer={layer}] input[type=checkbox]").is_checked(), layer
    for level in ("none", "caution", "preventive", "corrective", "warning", "non_responsive", "drawing"):
        assert legend.locator(f"[data-level={level}] .swatch").count() == 1, level
    page.uncheck("#layer-frequencies")
    assert page.get_attribute("#map", "data-layer-frequencies") == "off"
    page.wait_for_selector(".frequency-label", state="detached")
    page.check("#layer-frequencies")
    page.wait_for_selector(".frequency-label:has-text('251.3 MHz')")


def test_reroute_and_time_share_proposals_land_in_the_case(desk: Desk) -> None:
    _post(desk, "usa_duty", "/notices", usa_strike())
    _post(desk, "rus_duty", "/notices", rus_strike())
    (conflict,) = desk.running.desk("rus_duty").client.get("/api/v1/conflicts").json()
    case_id = _post(desk, "rus_duty", "/cases", {"subject": {"kind": "conflict", "conflict_id": conflict["id"]}})[
        "case"
    ]["case_id"]
    desk.open("usa_duty")
    page = desk.page
    page.click("[data-tab=cases]")
    card = page.locator(f"#cases li[data-case='{case_id}']")
    card.locator("[data-move=propose]").click()
    form = card.locator("form.case-form")
    form.locator("[name='terms.kind']").select_option("reroute")
    form.locator("[name='terms.party']").select_option("USA")
    # The new footprint drawn on the map: four corners, then the first again.
    form.locator("[data-action=draw-reroute]").click()
    x, y = _centre(desk)
    corners = [(x - 200, y + 60), (x - 120, y + 60), (x - 120, y + 130), (x - 200, y + 130)]
    for corner in corners:
        page.mouse.click(*corner)
    page.mouse.click(*corners[0])
    page.wait_for_function("document.querySelector(\"[name='terms.geometry']\").value.split('\\n').length === 4")
    card.locator("input.case-note").fill("We move west")  # the card's one Note goes with the proposal
    form.locator("button[type=submit]").click()
    page.wait_for_selector(f"#cases li[data-case='{case_id}'] .proposal:has-text('USA reroutes')")
    proposal = desk.running.desk("rus_duty").client.get(f"/api/v1/cases/{case_id}").json()["case"]["proposal"]
    terms = proposal["terms"]
    assert terms["kind"] == "reroute"
    assert terms["party"] == "USA"
    assert terms["geometry"]["type"] == "Polygon"
    ring = terms["geometry"]["coordinates"][0]
    assert len(ring) == 5
    assert ring[0] == ring[-1]
    assert proposal["text"] == "We move west"
    # RUS counters; USA counters again with a time share, first with overlapping slots (refused by the field).
    _post(
        desk, "rus_duty", f"/cases/{case_id}/counter", {"terms": {"kind": "shift_time", "party": "USA", "minutes": 30}}
    )
    card.locator("[data-move=counter]").wait_for()
    card.locator("[data-move=counter]").click()
    form = card.locator("form.case-form")
    form.locator("[name='terms.kind']").select_option("time_share")
    assert form.locator("li.slot").count() == 2
    form.locator("[name='terms.slots.0.party']").select_option("USA")
    form.locator("[name='terms.slots.0.start']").fill("2026-11-26T02:00Z")
    form.locator("[name='terms.slots.0.end']").fill("2026-11-26T03:00Z")
    form.locator("[name='terms.slots.1.party']").select_option("RUS")
    form.locator("[name='terms.slots.1.start']").fill("2026-11-26T02:30Z")
    form.locator("[name='terms.slots.1.end']").fill("2026-11-26T04:00Z")
    form.locator("button[type=submit]").click()
    slot_error = form.locator("[data-error-for='terms.slots.1.start']")
    slot_error.wait_for()
    assert "time order" in slot_error.inner_text()
    assert forgive_console_errors(desk, 422, f"/api/v1/cases/{case_id}/counter") == 1
    form.locator("[name='terms.slots.1.start']").fill("2026-11-26T03:00Z")
    form.locator("[data-action=add-slot]").click()
    assert form.locator("li.slot").count() == 3
    form.locator("li.slot").nth(2).locator("[data-action=remove-slot]").click()
    form.locator("button[type=submit]").click()
    page.wait_for_selector(f"#cases li[data-case='{case_id}'] .proposal:has-text('time share')")
    terms = desk.running.desk("rus_duty").client.get(f"/api/v1/cases/{case_id}").json()["case"]["proposal"]["terms"]
    assert terms == {
        "kind": "time_share",
        "slots": [
            {"party": "USA", "start": "2026-11-26T02:00:00Z", "end": "2026-11-26T03:00:00Z"},
            {"party": "RUS", "start": "2026-11-26T03:00:00Z", "end": "2026-11-26T04:00:00Z"},
        ],
    }


def _tab_until(page: Any, selector: str, limit: int = 120) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def _focus_ring(page: Any) -> dict[str, Any]:
    ring: dict[str, Any] = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return {style: s.outlineStyle, width: parseFloat(s.outlineWidth), color: s.outlineColor}; }"
    )
    return ring


def test_the_keyboard_reaches_login_send_and_file_notice_with_a_visible_focus_ring(desk: Desk) -> None:
    page = desk.page
    desk.open()
    page.wait_for_selector("#login:not([hidden])")
    page.mouse.click(2, 2)
    _tab_until(page, "#login-token")
    page.keyboard.type(desk.running.desk("tur_duty").token)
    page.keyboard.press("Enter")
    page.wait_for_selector("body[data-ready=true]")
    page.wait_for_selector("#link[data-state=live]")
    page.mouse.click(2, 2)
    # The hotline's composer: open it with Enter, Tab to Send; Escape closes it again.
    _tab_until(page, "#compose-toggle")
    page.keyboard.press("Enter")
    page.wait_for_selector("#compose:not([hidden])")
    _tab_until(page, "#compose button[type=submit]")
    ring = _focus_ring(page)
    assert ring["style"] != "none"
    assert ring["width"] >= 2
    page.keyboard.press("Escape")
    page.wait_for_selector("#compose", state="hidden")
    # File a notice without the mouse: its tab, its coordinates typed in, File notice.
    _tab_until(page, "[data-tab=file]")
    page.keyboard.press("Enter")
    page.wait_for_selector("#pane-file:not([hidden])")
    _tab_until(page, "#nf-coords-box summary")
    page.keyboard.press("Enter")
    _tab_until(page, "#nf-coord_shape")
    page.keyboard.press("End")  # the last choice: orbit
    assert page.input_value("#nf-coord_shape") == "orbit"
    _tab_until(page, "#nf-coords")
    page.keyboard.type("37.5 36.1\n38.0 36.2")
    _tab_until(page, "#nf-coords-draw")
    page.keyboard.press("Enter")
    page.wait_for_selector("#nf-shape:has-text('orbit, 2 points')")
    _tab_until(page, "#nf-notice_id")
    page.keyboard.press("Control+A")
    page.keyboard.type("TUR-0501")
    _tab_until(page, "#nf-submit")
    assert _focus_ring(page)["style"] != "none"
    page.keyboard.press("Enter")
    page.wait_for_selector("#nf-result:has-text('Gönderildi TUR-0501 v1')")
    (orbit,) = _features(desk, "tur_duty", "TUR-0501")
    assert orbit["geometry"]["coordinates"] == [[37.5, 36.1], [38.0, 36.2]]
    assert orbit["properties"]["radius_nm"] == 10
