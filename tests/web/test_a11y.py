"""The desk is readable at 1280x800 and on a large screen, and can be worked from the keyboard (issue 6).

Every check is written over what the page holds (all focusable elements, all form fields, everything that
reacts to a click), not over a list of known elements, so a panel added later is checked too. A failing
check names the elements that fail it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from desk_support import Desk
from node_support import Running
from palmyra import rus_strike, usa_strike

pytestmark = pytest.mark.slow

# A short description of an element for failure messages: tag#id[attributes] "text".
DESCRIBE = """
const describe = (el) => {
  if (!el || el === document.body || el === document.documentElement) return String(el && el.tagName);
  let s = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "");
  if (!el.id && el.classList.length) s += "." + [...el.classList].slice(0, 3).join(".");
  for (const a of ["name", "type", "value", "role", "tabindex", "data-tab", "data-action", "data-move", "aria-label",
                   "title"]) {
    const v = el.getAttribute(a);
    if (!v || (a === "value" && el.type !== "checkbox" && el.type !== "radio")) continue;
    s += `[${a}=${JSON.stringify(v.slice(0, 30))}]`;
  }
  const text = (el.textContent || "").trim().replace(/\\s+/g, " ").slice(0, 30);
  return text ? `${s} "${text}"` : s;
};
"""

# The page's main panels: the layout blocks of the desk, wherever they are (a panel added later is found
# as a child of the side column or the map column).
PANELS = (
    ".topbar, #alarm, #map, .timebar, .mapcol > *, .side > *, .workspace > *, .panel, [role=tablist],"
    " [role=tabpanel], [role=region], .tabpanes"
)

# The desk's regions in reading order (top to bottom, then the map before the side column).
REGIONS = [".topbar", "#alarm", "#map", ".timebar", "#hotline", "[role=tablist]", ".tabpanes"]

FOCUSABLE = (
    "a[href], button, input:not([type=hidden]), select, textarea, summary, iframe, [contenteditable=''],"
    " [contenteditable=true], [tabindex]"
)


def _post(running: Running, who: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = running.desk(who).client.post(f"/api/v1{path}", json=body)
    assert answer.status_code in (200, 201), answer.text
    result: dict[str, Any] = answer.json()
    return result


def _seed(running: Running, safety: bool = True) -> str:
    """A desk with something in every panel: two notices in conflict, a case awaiting USA's answer, a
    routine message and (unless ``safety`` is false) an unacknowledged safety call to USA. -> the case id."""
    _post(running, "usa_duty", "/notices", usa_strike())
    _post(running, "rus_duty", "/notices", rus_strike())
    (conflict,) = running.desk("rus_duty").client.get("/api/v1/conflicts").json()
    opened = _post(running, "rus_duty", "/cases", {"subject": {"kind": "conflict", "conflict_id": conflict["id"]}})
    case_id: str = opened["case"]["case_id"]
    _post(
        running,
        "rus_duty",
        f"/cases/{case_id}/propose",
        {"terms": {"kind": "shift_time", "party": "USA", "minutes": 60}, "text": "One hour later, please"},
    )
    _post(running, "rus_duty", "/messages", {"recipients": ["USA"], "template": "stand_by"})
    if safety:
        _post(
            running,
            "rus_duty",
            "/messages",
            {
                "recipients": ["USA"],
                "urgency": "safety",
                "template": "traffic_turn",
                "params": {"callsign": "VIPER11", "distance_nm": 0.5, "direction": "left"},
            },
        )
    return case_id


def _open(new_desk: Callable[..., Desk], width: int, height: int) -> Desk:
    tab = new_desk(width, height)
    tab.open("usa_duty")
    tab.page.wait_for_selector("#map[data-basemap]")
    tab.page.wait_for_selector("#cases li[data-case] [data-move=accept]", state="attached")
    return tab


# -- layout ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (2560, 1440)])
def test_the_main_panels_do_not_overlap_and_nothing_scrolls_sideways(
    new_desk: Callable[..., Desk], running: Running, screenshots: Callable[[Any, str], Path], width: int, height: int
) -> None:
    _seed(running)
    tab = _open(new_desk, width, height)
    page = tab.page
    page.wait_for_selector("#alarm:not([hidden])")
    tracks = [  # the air picture too, as a track feed would send it (docs/ui.md, "Tracks")
        {"id": "t1", "lat": 34.7, "lon": 38.4, "alt_ft": 25000, "gs_kt": 450, "trk_deg": 90, "callsign": "VIPER11"},
        {"id": "t2", "lat": 34.8, "lon": 38.9, "alt_ft": 25300, "gs_kt": 480, "trk_deg": 270, "callsign": "GRACH31"},
    ]
    tracks[1]["alert_level"] = "warning"
    with running.node.write() as tx:
        tx.append_event("tracks.update", ["USA"], {"USA": {"tracks": tracks}}, running.clock())
    page.wait_for_selector(".track-label:has-text('GRACH31')")
    page.click("#compose-toggle")  # the composer open: the hotline at its fullest
    for pane in ("conflicts", "cases", "notices", "file"):
        page.click(f"[data-tab={pane}]")
        layout = page.evaluate(
            "([selector]) => {"
            + DESCRIBE
            + """
            const visible = (el) => {
              const r = el.getBoundingClientRect();
              return r.width > 0 && r.height > 0 && el.checkVisibility({ visibilityProperty: true });
            };
            const panels = [...new Set(document.querySelectorAll(selector))].filter(visible);
            // What of a box can be seen: its rectangle, cut by every ancestor that clips (a scrolling pane).
            const shown = (el) => {
              const r = el.getBoundingClientRect();
              let [left, top, right, bottom] = [r.left, r.top, r.right, r.bottom];
              for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
                const style = getComputedStyle(up);
                if (style.overflowX === "visible" && style.overflowY === "visible") continue;
                const c = up.getBoundingClientRect();
                [left, top, right, bottom] = [Math.max(left, c.left), Math.max(top, c.top),
                                              Math.min(right, c.right), Math.min(bottom, c.bottom)];
              }
              return { left, top, right, bottom };
            };
            const overlaps = [];
            for (let i = 0; i < panels.length; i++) {
              for (let j = i + 1; j < panels.length; j++) {
                const a = panels[i], b = panels[j];
                if (a.contains(b) || b.contains(a)) continue;
                const ra = shown(a), rb = shown(b);
                const w = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
                const h = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
                if (w <= 1 || h <= 1) continue;
                const size = `${Math.round(w)}x${Math.round(h)} px`;
                overlaps.push(`${describe(a).slice(0, 60)} × ${describe(b).slice(0, 60)}: ${size}`);
              }
            }
            const outside = panels.filter((el) => {
              const r = shown(el);
              return r.left < -1 || r.top < -1 || r.right > innerWidth + 1 || r.bottom > innerHeight + 1;
            }).map((el) => describe(el).slice(0, 80));
            // A scrolling box whose content is wider than it shows a horizontal scrollbar.
            const sideways = [...document.querySelectorAll("body *")].filter((el) => {
              if (!visible(el) || el.closest(".leaflet-container")) return false;
              const overflow = getComputedStyle(el).overflowX;
              return (overflow === "auto" || overflow === "scroll") && el.scrollWidth > el.clientWidth + 1;
            }).map((el) => `${describe(el).slice(0, 80)}: ${el.scrollWidth} > ${el.clientWidth}`);
            const root = document.documentElement;
            return {
              panels: panels.map((el) => describe(el).slice(0, 40)),
              overlaps, outside, sideways,
              page: [root.scrollWidth, root.clientWidth, document.body.scrollWidth, document.body.clientWidth],
            };
            }""",
            [PANELS],
        )
        where = f"{width}x{height}, {pane} tab"
        assert any(p.startswith("div#map") for p in layout["panels"]), layout["panels"]
        assert any(p.startswith("section#hotline") for p in layout["panels"]), layout["panels"]
        assert not layout["overlaps"], f"panels overlap at {where}: {layout['overlaps']}"
        assert not layout["outside"], f"panels reach outside the window at {where}: {layout['outside']}"
        root_scroll, root_client, body_scroll, body_client = layout["page"]
        assert root_scroll <= root_client, f"the page scrolls sideways at {where}"
        assert body_scroll <= body_client, f"the body scrolls sideways at {where}"
        assert not layout["sideways"], f"panels scroll sideways at {where}: {layout['sideways']}"
        if pane == "cases":
            screenshots(page, f"layout-{width}x{height}")


# -- keyboard --------------------------------------------------------------------------------------------

ACTIVE = (
    "() => {"
    + DESCRIBE
    + """
  const el = document.activeElement;
  return el && el !== document.body ? describe(el) : null;
}"""
)


def _tab_to(page: Any, selector: str, presses: int = 12) -> None:
    """Press Tab until the element ``selector`` has the focus (at most ``presses`` times)."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement === document.querySelector(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}; the focus is on {page.evaluate(ACTIVE)}")


def test_logging_in_with_the_keyboard_alone(new_desk: Callable[..., Desk], running: Running) -> None:
    tab = new_desk(1280, 800)
    tab.open()
    page = tab.page
    page.wait_for_selector("#login:not([hidden])")
    page.mouse.click(5, 5)  # nothing focused: the keyboard starts from the top of the page
    _tab_to(page, "#login-token")
    page.keyboard.type(running.desk("usa_duty").token)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "login-submit", page.evaluate(ACTIVE)
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.id") == "login-token"
    page.keyboard.press("Enter")
    page.wait_for_selector("body[data-ready=true]")
    page.wait_for_selector("#link[data-state=live]")
    assert page.inner_text("#who").startswith("USA duty · USA")


# Focus styles of every focusable element while nothing has the focus, to compare with the focused look.
BASELINE = (
    "([selector]) => {"
    + """
  document.activeElement && document.activeElement.blur();
  const look = (el) => {
    const s = getComputedStyle(el);
    return { outline: `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}`, shadow: s.boxShadow };
  };
  // Every element, not only those the selector finds focusable: a map shape, say, may take the focus too.
  const all = new Set([...document.querySelectorAll(selector), ...document.querySelectorAll("body *")]);
  window.__unfocused = new Map([...all].map((el) => [el, look(el)]));
  return window.__unfocused.size;
}"""
)

# What Tab just focused: where it is, whether it can be seen, and whether its focus can be seen.
STOP = (
    "([regions]) => {"
    + DESCRIBE
    + """
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const s = getComputedStyle(el);
  const now = { outline: `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}`, shadow: s.boxShadow };
  const before = window.__unfocused.get(el) || null;
  const outlined = s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0;
  const indicator = before === null
    ? null : (outlined && now.outline !== before.outline) || now.shadow !== before.shadow;
  const r = el.getBoundingClientRect();
  const cx = r.left + r.width / 2, cy = r.top + r.height / 2;
  const inView = r.width > 0 && r.height > 0 && cx >= 0 && cy >= 0 && cx <= innerWidth && cy <= innerHeight;
  const hit = inView ? document.elementFromPoint(cx, cy) : null;
  // (A shape on the map need not cover the middle of its box: an orbit, a corridor. Its box must show.)
  const svg = el instanceof SVGElement && !(el instanceof SVGSVGElement);
  const shown = inView && el.checkVisibility({ opacityProperty: true, visibilityProperty: true })
    && hit !== null && (svg || hit === el || el.contains(hit) || (hit.tagName === "LABEL" && hit.control === el));
  const region = regions.findIndex((selector) => el.closest(selector));
  if (!window.__stops) window.__stops = [];
  window.__stops.push(el);
  return { what: describe(el), index: window.__stops.length - 1, indicator, before, now, shown, region,
           covered: hit && !shown ? describe(hit) : null };
}"""
)


def _cycle(page: Any, limit: int = 250) -> list[dict[str, Any]]:
    """Press Tab from the top of the page until the focus comes back to where it started."""
    page.evaluate("window.__stops = []")
    page.mouse.move(1, 1)  # no hover styles on the controls
    page.mouse.click(1, 1)  # the top bar's corner: the next Tab is the first control of the page
    stops: list[dict[str, Any]] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        stop = page.evaluate(STOP, [REGIONS])
        if stop is None:
            continue  # the focus left the document (past the last control): the next Tab comes back
        if stops and page.evaluate("(i) => window.__stops[i] === window.__stops[0]", stop["index"]):
            page.evaluate("() => window.__stops.pop()")  # the first control again: the cycle is closed
            return stops
        stops.append(stop)
    raise AssertionError(f"Tab did not come back to the first control in {limit} presses: {stops[:5]} ...")


def test_tab_goes_through_the_main_controls_in_order_each_visibly_focused(
    new_desk: Callable[..., Desk], running: Running
) -> None:
    _seed(running)
    tab = _open(new_desk, 1280, 800)
    page = tab.page
    page.wait_for_selector("#alarm:not([hidden])")
    page.click("#compose-toggle")  # the composer open, so that its fields are in the cycle
    page.click("[data-tab=cases]")  # the case's moves, so that they are in the cycle
    positive = page.evaluate(
        "([s]) => [...document.querySelectorAll(s)].filter((el) => el.tabIndex > 0)"
        ".map((el) => el.outerHTML.slice(0, 80))",
        [FOCUSABLE],
    )
    assert positive == [], "a positive tabindex breaks the reading order"
    page.evaluate(BASELINE, [FOCUSABLE])
    stops = _cycle(page)
    order = [stop["what"] for stop in stops]

    # The main controls are all on the way.
    required = {
        "log out": "#logout",
        "the map": "#map",
        "map zoom": ".leaflet-control-zoom-in",
        "all times": "#time-all",
        "now": "#time-now",
        "time slider": "#time-slider",
        "new message": "#compose-toggle",
        "recipients": "#compose input[name=recipients]",
        "urgency": "#compose [name=urgency]",
        "phrase": "#compose [name=template]",
        "text": "#compose textarea",
        "send": "#compose button[type=submit]",
        "acknowledge in the alarm": "#alarm [data-action=ack]",
        "acknowledge in the hotline": "#messages [data-action=ack]",
        "the selected tab": "[role=tab][aria-selected=true]",
        "accept": "#cases [data-move=accept]",
        "reject": "#cases [data-move=reject]",
    }
    reached = page.evaluate(
        "([required]) => Object.fromEntries(Object.entries(required).map(([name, selector]) =>"
        " [name, window.__stops.some((el) => el.matches(selector))]))",
        [required],
    )
    missing = [name for name, ok in reached.items() if not ok]
    assert missing == [], f"Tab never reaches: {missing}; it goes {order}"

    # In a sensible order: the page's own order, region after region (top bar, alarm, map, time bar,
    # hotline, tabs, the open tab), never back.
    back = page.evaluate(
        "() => window.__stops.flatMap((el, i) => i && (window.__stops[i - 1].compareDocumentPosition(el)"
        " & Node.DOCUMENT_POSITION_PRECEDING) ? [i] : [])"
    )
    assert not back, f"Tab goes back up the page at {[order[i] for i in back]}; the whole order: {order}"
    regions = [stop["region"] for stop in stops if stop["region"] >= 0]
    assert regions == sorted(regions), f"Tab jumps between regions: {[(s['region'], s['what']) for s in stops]}"

    # Each focused control can be seen, and so can its focus.
    hidden = [(stop["what"], stop["covered"]) for stop in stops if not stop["shown"]]
    assert not hidden, f"controls focused but not visible (what covers them, if anything): {hidden}"
    # (None: the element was drawn anew while Tab went round, so it has no unfocused look to compare with.)
    no_ring = [(stop["what"], stop["before"], stop["now"]) for stop in stops if not stop["indicator"]]
    assert not no_ring, f"controls without a visible focus indicator (outline/box-shadow unchanged): {no_ring}"

    # Tabs: each is reachable, by Tab or (a roving tab list) by the arrow keys from the selected one.
    tabs = page.evaluate("() => [...document.querySelectorAll('[role=tab]')].map((t) => t.dataset.tab)")
    in_cycle = page.evaluate("() => window.__stops.filter((el) => el.matches('[role=tab]')).map((t) => t.dataset.tab)")
    if sorted(in_cycle) != sorted(tabs):
        page.focus("[role=tab][aria-selected=true]")
        seen = set()
        for _ in tabs:
            page.keyboard.press("ArrowRight")
            seen.add(page.evaluate("document.activeElement.dataset.tab"))
        assert set(tabs) - set(in_cycle) <= seen, f"tabs neither in the Tab order nor reached by arrows: {tabs}"


def test_the_desk_can_be_worked_from_the_keyboard(new_desk: Callable[..., Desk], running: Running) -> None:
    case_id = _seed(running)
    tab = _open(new_desk, 1280, 800)
    page = tab.page
    page.wait_for_selector("#alarm:not([hidden])")
    page.mouse.click(1, 1)
    _tab_to(page, "#alarm [data-action=ack]", presses=40)
    page.keyboard.press("Enter")  # acknowledge the safety call
    page.wait_for_selector("#alarm", state="hidden")
    page.mouse.click(1, 1)
    _tab_to(page, "[data-tab=cases]", presses=80)
    page.keyboard.press("Enter")  # open the Cases tab
    page.wait_for_selector("#pane-cases:not([hidden])")
    _tab_to(page, f"#cases li[data-case='{case_id}'] [data-move=accept]", presses=20)
    page.keyboard.press("Space")  # accept
    page.wait_for_selector(f"#cases li[data-case='{case_id}'][data-state=agreed]")


# -- names and roles -------------------------------------------------------------------------------------

# The accessible name of a form field from its label (for= or around it), aria-label or aria-labelledby
# (a placeholder is not a label: it goes when the officer types; a title is a tooltip, not a label).
FIELD_NAMES = (
    "() => {"
    + DESCRIBE
    + """
  const text = (el) => (el ? (el.textContent || "").trim() : "");
  const named = (el) => {
    if ((el.getAttribute("aria-label") || "").trim()) return true;
    const by = (el.getAttribute("aria-labelledby") || "").split(/\\s+/).filter(Boolean);
    if (by.length && by.map((id) => text(document.getElementById(id))).join("")) return true;
    return [...(el.labels || [])].some((label) => text(label));
  };
  return [...document.querySelectorAll("input:not([type=hidden]), select, textarea")]
    .filter((el) => !named(el)).map(describe);
}"""
)

# The accessible name of a control (button, link, anything focusable): its text, an image's alt, its
# aria-label or aria-labelledby, or its title.
CONTROL_NAMES = (
    "([selector]) => {"
    + DESCRIBE
    + """
  const named = (el) => {
    if ((el.getAttribute("aria-label") || "").trim() || (el.getAttribute("title") || "").trim()) return true;
    const by = (el.getAttribute("aria-labelledby") || "").split(/\\s+/).filter(Boolean);
    if (by.some((id) => (document.getElementById(id)?.textContent || "").trim())) return true;
    if ((el.innerText || el.textContent || "").trim()) return true;
    return [...el.querySelectorAll("img[alt], svg[aria-label]")]
      .some((i) => (i.alt || i.getAttribute("aria-label") || "").trim());
  };
  return [...document.querySelectorAll(selector)]
    .filter((el) => !el.matches("input, select, textarea") && el.tabIndex >= 0 && !named(el))
    .map((el) => describe(el) + " in " + describe(el.parentElement).slice(0, 60));
}"""
)


def _everything_rendered(page: Any) -> None:
    """Bring every form into the page: the composer with a phrase's parameters, a case's proposal form,
    the file-notice form with a circle drawn (its radius field)."""
    page.click("#compose-toggle")
    page.select_option("#compose select[name=template]", "traffic_turn")
    page.click("[data-tab=cases]")
    page.click("#cases [data-move=counter]")
    page.wait_for_selector("#cases form.case-form")
    box = page.locator("#map").bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.click(".leaflet-pm-icon-circle")
    page.mouse.click(x, y)
    page.mouse.click(x + 40, y)
    page.wait_for_selector("#nf-radius_nm")


def test_every_form_field_and_control_has_an_accessible_name(new_desk: Callable[..., Desk], running: Running) -> None:
    _seed(running)
    tab = _open(new_desk, 1280, 800)
    page = tab.page
    _everything_rendered(page)
    fields = page.evaluate(FIELD_NAMES)
    controls = page.evaluate(CONTROL_NAMES, [FOCUSABLE])
    unnamed = [f"form field without a label (label for=, around it, aria-label, aria-labelledby): {x}" for x in fields]
    unnamed += [f"control without a name (text, aria-label, aria-labelledby, title): {x}" for x in controls]
    assert not unnamed, "\n".join(unnamed)


# Everything that reacts to a click: an element with a click listener (asked of the browser, through the
# DevTools protocol) or the pointer cursor. Map features drawn in Leaflet's panes are left out: each has
# its card with the same actions (Zoom, Open case) in the lists beside the map.
CLICKABLE_OK = (
    "function () {"
    + """
  const el = this;
  if (el === document.body || el === document.documentElement) return "ok";
  if (el.closest(".leaflet-pane")) return "ok";
  // Leaflet marks the boxes where it stops clicks from reaching the map (the attribution, a control's
  // frame); its listeners there only stop propagation (and emulate a double click on touch screens).
  if (el._leaflet_disable_click) return "ok";
  // (Inside a control, a part of it: an icon, a count, a label's text inherit its pointer cursor.)
  if (el.closest("button, a[href], input, select, textarea, summary, option, label")) return "ok";
  if (el.matches("[role]") && el.tabIndex >= 0 && el.hasAttribute("tabindex")) return "ok";
  const tag = el.tagName.toLowerCase();
  let s = tag + (el.id ? "#" + el.id : "") + (el.classList.length ? "." + [...el.classList].slice(0, 3).join(".") : "");
  for (const a of ["role", "tabindex", "title", "aria-label"]) {
    if (el.hasAttribute(a)) s += `[${a}=${JSON.stringify(el.getAttribute(a))}]`;
  }
  const text = (el.textContent || "").trim().replace(/\\s+/g, " ").slice(0, 30);
  return text ? `${s} "${text}"` : s;
}"""
)


def test_every_clickable_control_is_a_button_a_link_or_has_a_role_and_tabindex(
    new_desk: Callable[..., Desk], running: Running
) -> None:
    _seed(running)
    tab = _open(new_desk, 1280, 800)
    page = tab.page
    _everything_rendered(page)
    cdp = page.context.new_cdp_session(page)
    listed = cdp.send(
        "Runtime.evaluate",
        {"expression": "[...document.querySelectorAll('body, body *')]", "returnByValue": False},
    )
    elements = cdp.send("Runtime.getProperties", {"objectId": listed["result"]["objectId"], "ownProperties": True})
    wrong = []
    for prop in elements["result"]:
        if not prop["name"].isdigit():
            continue
        element = prop["value"]["objectId"]
        verdict = cdp.send(
            "Runtime.callFunctionOn", {"objectId": element, "functionDeclaration": CLICKABLE_OK, "returnByValue": True}
        )["result"]["value"]
        if verdict == "ok":
            continue
        listeners = cdp.send("DOMDebugger.getEventListeners", {"objectId": element})["listeners"]
        clicked = any(listener["type"] in ("click", "dblclick", "pointerup", "mouseup") for listener in listeners)
        pointer = cdp.send(
            "Runtime.callFunctionOn",
            {
                "objectId": element,
                "functionDeclaration": "function () { return getComputedStyle(this).cursor === 'pointer'; }",
                "returnByValue": True,
            },
        )["result"]["value"]
        if clicked or pointer:
            wrong.append(f"{verdict} ({'click listener' if clicked else 'pointer cursor'})")
    cdp.detach()
    assert not wrong, f"clickable elements not a button or link and without role and tabindex: {wrong}"


# -- the alarm is announced --------------------------------------------------------------------------------


def test_a_safety_call_is_announced_in_an_assertive_live_region(
    new_desk: Callable[..., Desk], running: Running
) -> None:
    tab = new_desk(1280, 800)
    tab.open("usa_duty")
    page = tab.page
    # The live regions the page has before the call arrives: a screen reader announces changes only
    # within a region it already knows.
    page.evaluate(
        "() => { window.__regions = new Set(document.querySelectorAll("
        "'[aria-live]:not([aria-live=off]), [role=alert], [role=status], [role=log]')); }"
    )
    _post(
        running,
        "rus_duty",
        "/messages",
        {
            "recipients": ["USA"],
            "urgency": "safety",
            "template": "traffic_turn",
            "params": {"callsign": "VIPER11", "distance_nm": 0.5, "direction": "left"},
        },
    )
    page.wait_for_selector("#alarm:not([hidden])")
    announced = page.evaluate(
        "() => {"
        + DESCRIBE
        + """
      const found = [];
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      while (walker.nextNode()) {
        const node = walker.currentNode;
        if (!node.textContent.includes("VIPER11")) continue;
        const region = node.parentElement.closest(
          "[aria-live]:not([aria-live=off]), [role=alert], [role=status], [role=log]");
        if (!region || !window.__regions.has(region)) continue;
        if (node.parentElement.closest("[aria-hidden=true]") || !node.parentElement.checkVisibility()) continue;
        const live = region.getAttribute("aria-live");
        const assertive = live === "assertive" || (region.getAttribute("role") === "alert" && live !== "polite");
        found.push({ region: describe(region).slice(0, 60), assertive });
      }
      return found;
    }"""
    )
    assert any(item["assertive"] for item in announced), (
        f"the safety call's text is in no assertive live region that existed before it arrived: {announced}"
    )
