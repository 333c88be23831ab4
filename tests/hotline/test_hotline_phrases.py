"""The phrase catalogue: completeness in four languages, parameter validation, per-language formatting."""

from __future__ import annotations

import copy
import json
import re
from importlib.resources import files
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from airparley.errors import InvalidInput
from airparley.hotline import Catalogue, Language, ParamKind, load_catalogue
from airparley.hotline._params import format_number, plural_category

CATALOGUE = load_catalogue()
PHRASE_IDS = CATALOGUE.phrase_ids
LRI, PDI, NBSP = "\u2066", "\u2069", "\u00a0"

CYRILLIC = re.compile(r"[\u0400-\u04ff]")
ARABIC = re.compile(r"[\u0600-\u06ff]")
LATIN = re.compile(r"[A-Za-z]")


def outside_isolates(rendered: str) -> str:
    return re.sub(f"{LRI}[^{PDI}]*{PDI}", "", rendered)


def test_catalogue_has_at_least_thirty_phrases_with_unique_ids() -> None:
    assert len(PHRASE_IDS) >= 30
    assert len(set(PHRASE_IDS)) == len(PHRASE_IDS)


@pytest.mark.parametrize(
    "phrase_id",
    [
        "request_delay_strike",
        "traffic_turn",
        "acknowledge_on_frequency",
        "hold_above_fl",
        "request_remain_below",
        "own_aircraft_not_responding",
        "agree_proposal",
        "reject_proposal",
        "propose_shift_ours",
        "emergency_distress",
        "entered_announced_area",
        "message_received",
        "stand_by",
        "say_intentions",
        "confirm_manoeuvre",
    ],
)
def test_the_desk_phrases_the_issue_asks_for_exist(phrase_id: str) -> None:
    assert phrase_id in PHRASE_IDS


@pytest.mark.parametrize("phrase_id", PHRASE_IDS)
def test_every_phrase_has_all_languages_and_the_same_placeholders(phrase_id: str) -> None:
    phrase = CATALOGUE.phrase(phrase_id)
    declared = frozenset(phrase.param_names)
    for language in Language:
        assert phrase.text(language).strip()
        assert phrase.placeholders(language) == declared, language


@pytest.mark.parametrize("phrase_id", PHRASE_IDS)
@pytest.mark.parametrize("language", list(Language))
def test_every_phrase_renders_with_sample_params(phrase_id: str, language: Language) -> None:
    rendered = CATALOGUE.render(phrase_id, CATALOGUE.example_params(phrase_id), language)
    assert "{" not in rendered
    assert "}" not in rendered
    visible = outside_isolates(rendered)
    if language is Language.AR:
        # Arabic is real Arabic: Arabic letters, and no Latin outside the isolated LTR tokens.
        assert ARABIC.search(visible)
        assert not LATIN.search(visible)
    elif language is Language.RU:
        assert CYRILLIC.search(rendered)
        assert not ARABIC.search(rendered)
    else:
        assert not CYRILLIC.search(rendered)
        assert not ARABIC.search(rendered)


def test_the_same_phrase_differs_between_languages() -> None:
    params = CATALOGUE.example_params("traffic_turn")
    rendered = {language: CATALOGUE.render("traffic_turn", params, language) for language in Language}
    assert len(set(rendered.values())) == 4


@pytest.mark.parametrize(
    ("direction", "expected"),
    [
        ("left", {"en": "turn left", "ru": "отверните влево", "tr": "sola dönün", "ar": "انعطفوا يسارًا"}),
        ("right", {"en": "turn right", "ru": "отверните вправо", "tr": "sağa dönün", "ar": "انعطفوا يمينًا"}),
        ("climb", {"en": "climb", "ru": "наберите высоту", "tr": "tırmanın", "ar": "اصعدوا"}),
        ("descend", {"en": "descend", "ru": "снижайтесь", "tr": "alçalın", "ar": "اهبطوا"}),
    ],
)
def test_enumerated_values_are_translated(direction: str, expected: dict[str, str]) -> None:
    params = {"callsign": "DUKE 21", "distance_nm": 3, "direction": direction}
    for language, words in expected.items():
        assert words in CATALOGUE.render("traffic_turn", params, language)


def test_enumerations_take_the_grammatical_form_each_sentence_needs() -> None:
    params = {"callsign": "DUKE 21", "direction": "left"}
    assert CATALOGUE.render("confirm_manoeuvre", params, "en") == "Confirm your aircraft DUKE 21 will turn left."
    assert CATALOGUE.render("confirm_manoeuvre", params, "ru") == "Подтвердите, что ваш борт DUKE 21 отвернёт влево."
    assert CATALOGUE.render("confirm_manoeuvre", params, "tr") == "DUKE 21 uçağınızın sola döneceğini teyit edin."


def test_english_rendering_of_the_issue_examples() -> None:
    assert (
        CATALOGUE.render("request_delay_strike", {"area": "PALMYRA-3", "minutes": 20}, "en")
        == f"Request you delay strike in area PALMYRA-3 by 20{NBSP}minutes."
    )
    assert CATALOGUE.render("request_delay_strike", {"area": "P", "minutes": 1}, "en").endswith(f"1{NBSP}minute.")
    assert CATALOGUE.render("hold_above_fl", {"fl": 250}, "en") == "We will hold above FL250."
    assert CATALOGUE.render("hold_above_fl", {"fl": 90}, "ru") == "Будем держаться выше FL090."
    assert CATALOGUE.render("acknowledge_on_frequency", {"frequency": 243}, "en") == f"Acknowledge on 243.0{NBSP}MHz."
    assert (
        CATALOGUE.render("request_remain_below", {"fl": 200, "area": "MOSUL-E", "time": "14:30Z"}, "en")
        == "Request you remain below FL200 in area MOSUL-E until 14:30Z."
    )


def test_arabic_is_right_to_left_with_isolated_left_to_right_tokens() -> None:
    rendered = CATALOGUE.render("request_remain_below", {"fl": 200, "area": "MOSUL-E", "time": "14:30Z"}, Language.AR)
    assert rendered == f"نطلب منكم البقاء تحت {LRI}FL200{PDI} في المنطقة {LRI}MOSUL-E{PDI} حتى الساعة {LRI}14:30Z{PDI}."
    assert Language.AR.direction == "rtl"
    assert {language.direction for language in Language if language is not Language.AR} == {"ltr"}


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", f"3.75{NBSP}NM"),
        ("ru", f"3,75{NBSP}NM"),
        ("tr", f"3,75{NBSP}NM"),
        ("ar", f"{LRI}3.75{PDI}{NBSP}ميل بحري"),
    ],
)
def test_distances_use_the_language_decimal_mark(language: str, expected: str) -> None:
    rendered = CATALOGUE.render("traffic_turn", {"callsign": "A1", "distance_nm": 3.75, "direction": "left"}, language)
    assert expected in rendered


@pytest.mark.parametrize("language", list(Language))
def test_aviation_formats_are_identical_in_every_language(language: Language) -> None:
    frequency = CATALOGUE.render("contact_on_frequency", {"frequency": 121.5}, language)
    assert "121.5" in frequency
    assert "121,5" not in frequency
    heading = CATALOGUE.render("request_heading", {"callsign": "A1", "heading": 5}, language)
    assert "005°" in heading
    position = CATALOGUE.render("emergency_distress", {"callsign": "A1", "position": [38.27, 34.56]}, language)
    assert "34°33.6'N 038°16.2'E" in position


@pytest.mark.parametrize(
    ("value", "language", "expected"),
    [
        (25_000, Language.EN, "25,000"),
        (25_000, Language.RU, f"25{NBSP}000"),
        (25_000, Language.TR, "25.000"),
        (25_000, Language.AR, "25,000"),
        (2.5, Language.RU, "2,5"),
        (2.5, Language.AR, "2.5"),
        (3.0, Language.EN, "3"),
        (0.004, Language.EN, "0"),
        (1234.5, Language.TR, "1.234,5"),
    ],
)
def test_format_number(value: float, language: Language, expected: str) -> None:
    assert format_number(value, language, max_decimals=2) == expected


@pytest.mark.parametrize(
    ("value", "language", "category"),
    [
        (1, Language.EN, "one"),
        (2, Language.EN, "other"),
        (1, Language.RU, "one"),
        (21, Language.RU, "one"),
        (11, Language.RU, "many"),
        (3, Language.RU, "few"),
        (13, Language.RU, "many"),
        (2.5, Language.RU, "other"),
        (2, Language.AR, "two"),
        (5, Language.AR, "few"),
        (15, Language.AR, "many"),
        (100, Language.AR, "other"),
        (103, Language.AR, "few"),
        (1, Language.TR, "one"),
    ],
)
def test_plural_categories(value: float, language: Language, category: str) -> None:
    assert plural_category(value, language) == category


@pytest.mark.parametrize(
    ("minutes", "unit"),
    [(1, "دقيقة"), (5, "دقائق"), (10, "دقائق"), (15, "دقيقة"), (100, "دقيقة")],
)
def test_arabic_unit_agrees_with_the_number(minutes: int, unit: str) -> None:
    rendered = CATALOGUE.render("propose_shift_ours", {"minutes": minutes}, Language.AR)
    assert f"{LRI}{minutes}{PDI}{NBSP}{unit}" in rendered


def test_position_rounding_carries_into_the_degree() -> None:
    rendered = CATALOGUE.render("emergency_distress", {"callsign": "A1", "position": [-0.99999, -33.99999]}, "en")
    assert "34°00.0'S 001°00.0'W" in rendered


def test_callsigns_are_upper_cased() -> None:
    assert CATALOGUE.check_params("say_intentions", {"callsign": " duke 21 "}) == (("callsign", "DUKE 21"),)


def _field_of(template: str, params: Any) -> str:
    with pytest.raises(InvalidInput) as raised:
        CATALOGUE.check_params(template, params)
    return raised.value.field


@pytest.mark.parametrize(
    ("template", "params", "field"),
    [
        ("no_such_phrase", {}, "template"),
        (42, {}, "template"),
        ("request_delay_strike", {"area": "P"}, "params.minutes"),
        ("request_delay_strike", {"area": "P", "minutes": 5, "colour": "red"}, "params.colour"),
        ("request_delay_strike", {"area": "P", "minutes": 0}, "params.minutes"),
        ("request_delay_strike", {"area": "P", "minutes": "15"}, "params.minutes"),
        ("request_delay_strike", {"area": "P", "minutes": True}, "params.minutes"),
        ("request_delay_strike", {"area": "P", "minutes": 15.0}, "params.minutes"),
        ("request_delay_strike", {"area": "P", "minutes": 1441}, "params.minutes"),
        ("request_delay_strike", {"area": "", "minutes": 5}, "params.area"),
        ("request_delay_strike", {"area": "A\nB", "minutes": 5}, "params.area"),
        ("request_delay_strike", {"area": "x" * 65, "minutes": 5}, "params.area"),
        ("request_delay_strike", ["P", 5], "params"),
        ("traffic_turn", {"callsign": "A1", "distance_nm": -1, "direction": "left"}, "params.distance_nm"),
        ("traffic_turn", {"callsign": "A1", "distance_nm": float("nan"), "direction": "left"}, "params.distance_nm"),
        ("traffic_turn", {"callsign": "A1", "distance_nm": 3, "direction": "up"}, "params.direction"),
        ("traffic_turn", {"callsign": "A", "distance_nm": 3, "direction": "left"}, "params.callsign"),
        ("traffic_turn", {"callsign": "DUKE_21", "distance_nm": 3, "direction": "left"}, "params.callsign"),
        ("acknowledge_on_frequency", {"frequency": 117.9}, "params.frequency"),
        ("acknowledge_on_frequency", {"frequency": 400.5}, "params.frequency"),
        ("acknowledge_on_frequency", {"frequency": 121.5001}, "params.frequency"),
        ("hold_above_fl", {"fl": 1000}, "params.fl"),
        ("hold_above_fl", {"fl": -1}, "params.fl"),
        ("request_clear_area", {"area": "P", "time": "14:30"}, "params.time"),
        ("request_clear_area", {"area": "P", "time": "24:00Z"}, "params.time"),
        ("emergency_distress", {"callsign": "A1", "position": [200, 0]}, "params.position"),
        ("emergency_distress", {"callsign": "A1", "position": [1, 2, 3]}, "params.position"),
        ("request_heading", {"callsign": "A1", "heading": 361}, "params.heading"),
        ("propose_altitude_split_ours_above", {"altitude": 25_000.5}, "params.altitude"),
        ("agree_proposal", {"case": "case 12"}, "params.case"),
    ],
)
def test_bad_params_name_the_field(template: Any, params: Any, field: str) -> None:
    assert _field_of(template, params) == field


def test_param_errors_say_where() -> None:
    with pytest.raises(InvalidInput) as raised:
        CATALOGUE.check_params("hold_above_fl", {"fl": 1000})
    assert raised.value.where == "phrase hold_above_fl"
    assert "flight level" in raised.value.reason


def test_every_param_kind_is_used_and_documented() -> None:
    used = {param.kind for phrase in CATALOGUE.phrases.values() for param in phrase.params}
    assert {kind.value for kind in ParamKind} <= used
    assert all(kind.help for kind in ParamKind)


def test_catalogue_as_dict_is_the_shipped_json() -> None:
    shipped = json.loads(files("airparley.hotline").joinpath("phrases").joinpath("catalogue.json").read_text("utf-8"))
    assert CATALOGUE.as_dict() == shipped
    assert Catalogue.from_dict(CATALOGUE.as_dict()).as_dict() == shipped


def _broken(change: Any) -> InvalidInput:
    data = copy.deepcopy(CATALOGUE.as_dict())
    change(data)
    with pytest.raises(InvalidInput) as raised:
        Catalogue.from_dict(data)
    assert raised.value.where == "phrase catalogue"
    return raised.value


def _phrase(data: dict[str, Any], phrase_id: str) -> dict[str, Any]:
    return next(entry for entry in data["phrases"] if entry["id"] == phrase_id)


def test_catalogue_refuses_a_missing_language() -> None:
    error = _broken(lambda data: _phrase(data, "stand_by")["text"].pop("tr"))
    assert error.field.endswith("text.tr")


def test_catalogue_refuses_mismatched_placeholders() -> None:
    def change(data: dict[str, Any]) -> None:
        _phrase(data, "hold_above_fl")["text"]["ru"] = "Будем держаться выше {flight_level}."

    assert _broken(change).field.endswith("text.ru")


def test_catalogue_refuses_an_enumeration_without_the_form_a_template_uses() -> None:
    def change(data: dict[str, Any]) -> None:
        del data["enums"]["direction"]["climb"]["tr"]["confirm"]

    assert "confirm" in _broken(change).reason


def test_catalogue_refuses_an_enumerated_placeholder_without_a_form() -> None:
    def change(data: dict[str, Any]) -> None:
        _phrase(data, "our_manoeuvre")["text"]["en"] = "Our aircraft {callsign} {direction}."

    assert "form" in _broken(change).reason


def test_catalogue_refuses_unknown_kinds_duplicates_and_missing_units() -> None:
    assert "kind" in _broken(lambda data: _phrase(data, "stand_by")["params"].update(x="colour")).reason
    assert "duplicate" in _broken(lambda data: data["phrases"].append(copy.deepcopy(data["phrases"][0]))).reason
    assert _broken(lambda data: data["units"]["minutes"]["ar"].pop("other")).field.endswith("other")
    assert _broken(lambda data: data.update(format=2)).field == "format"


def test_an_optional_parameter_is_said_when_given_and_its_segment_left_out_when_not() -> None:
    call = {"aircraft": "BERKUT21", "position": [40.45, 35.4], "fl": 303, "frequency": 243.0}
    with_track = CATALOGUE.render("safety_call", {**call, "heading": 5}, Language.EN)
    assert "FL303, track 005°. We are calling" in with_track
    assert "[" not in with_track
    # A call stored before the phrase had a heading: still valid, still rendered, in every language.
    assert dict(CATALOGUE.check_params("safety_call", call)).keys() == set(call)
    assert "FL303. We are calling" in CATALOGUE.render("safety_call", call, Language.EN)
    for language in Language:
        text = CATALOGUE.render("safety_call", call, language)
        assert "[" not in text
        assert "]" not in text
        assert text.count("°") == 2  # the latitude's and the longitude's: no track


def test_catalogue_refuses_misplaced_optional_parameters_and_brackets() -> None:
    def text(data: dict[str, Any], language: str, old: str, new: str) -> None:
        entry = _phrase(data, "safety_call")
        entry["text"][language] = entry["text"][language].replace(old, new)

    outside = _broken(lambda data: text(data, "en", "[, track {heading}]", ", track {heading}"))
    assert outside.field.endswith("text.en")
    assert "[ ] segment" in outside.reason
    always = _broken(lambda data: text(data, "ru", "Вызываем", "[Вызываем]"))
    assert "always show" in always.reason
    assert "unbalanced" in _broken(lambda data: text(data, "tr", "[, rota", "[[, rota")).reason
    undeclared = _broken(lambda data: _phrase(data, "safety_call").update(optional=["speed"]))
    assert undeclared.field.endswith("optional")


unit_values = {
    ParamKind.MINUTES: st.integers(1, 1440),
    ParamKind.DISTANCE_NM: st.floats(0, 1000, allow_nan=False),
    ParamKind.FREQUENCY: st.integers(118_000, 400_000).map(lambda khz: khz / 1000),
    ParamKind.FL: st.integers(0, 999),
    ParamKind.ALTITUDE_FT: st.integers(0, 100_000),
    ParamKind.HEADING: st.integers(0, 360),
    ParamKind.POSITION: st.tuples(st.floats(-180, 180), st.floats(-90, 90)).map(list),
}


@given(data=st.data(), phrase_id=st.sampled_from(PHRASE_IDS), language=st.sampled_from(list(Language)))
def test_rendering_any_valid_values_never_fails(data: st.DataObject, phrase_id: str, language: Language) -> None:
    params = CATALOGUE.example_params(phrase_id)
    for param in CATALOGUE.phrase(phrase_id).params:
        if param.kind in unit_values:
            params[param.name] = data.draw(unit_values[ParamKind(param.kind)])
        elif param.kind in CATALOGUE.enums:
            params[param.name] = data.draw(st.sampled_from(list(CATALOGUE.enums[param.kind])))
    rendered = CATALOGUE.render(phrase_id, params, language)
    assert "{" not in rendered
    assert rendered.count(LRI) == rendered.count(PDI)
